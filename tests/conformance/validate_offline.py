#!/usr/bin/env python3
"""Validate hosted Open Badges 2.0 assertions with the 1EdTech reference
validator (badgecheck 1.2.0, import name ``openbadges``), fully offline.

Run it with the validator's own interpreter (see scripts/setup-validator-venv);
it must not import badgesite:

    .cache/validator-venv/bin/python tests/conformance/validate_offline.py \
        --root output --base-url https://example.org/sub/ \
        https://example.org/sub/assertions/<uuid>.json [...]

Every HTTP(S) request the validator makes goes through requests sessions.
badgecheck creates those sessions itself (``requests.Session()`` or
``requests_cache.CachedSession(...)`` inside its tasks and its JSON-LD document
loader) and offers no option to pass one in, so this script patches
``requests.Session.__init__`` before importing ``openbadges``: every session,
cached or not, gets ONE shared transport adapter mounted for ``http://`` and
``https://``. The adapter
  * answers URLs under --base-url from files under --root
    (``base/x/y.json`` -> ``ROOT/x/y.json``, ``base/x/`` -> ``ROOT/x/index.html``,
    404 when missing), except the paths ROOT/_routes.json lists, answered as it says
    (``{"/path": {"status": 301, "location": URL}}`` or ``{"status": 410, "json": ...}``:
    tests/loopback.py serves the same table),
  * answers the JSON-LD context URLs listed in contexts/index.json from the
    local copies in contexts/,
  * refuses everything else with ``requests.ConnectionError`` and records it.
As a second guard, DNS look-ups and IPv4/IPv6 socket connections made any other
way (e.g. urllib) are refused too, and recorded in ``refused``.

Output on stdout: a JSON array, one object per URL:
    {"url", "valid", "errors", "warnings", "refused"}
(``errors``/``warnings`` are the report messages of level ERROR/WARNING), and with
--recipient a "recipient" verdict: "matched" (the validator confirmed a profile
identifier), "not matched" (its recipient check failed) or "not checked" (it never ran).
Exit status is 0 whenever it ran, whatever the validity; non-zero on a crash.
"""

import argparse
import io
import json
import mimetypes
import os
import posixpath
import socket
import sys
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
import requests.adapters
import urllib3

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CONTEXTS_DIR = os.path.join(HERE, "contexts")

CONTENT_TYPES = {
    ".json": "application/ld+json",
    ".jsonld": "application/ld+json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
}

DEFAULT_PORTS = {"http": 80, "https": 443}


def _norm_netloc(scheme, netloc):
    netloc = netloc.lower()
    host, sep, port = netloc.rpartition(":")
    if sep and port.isdigit() and "]" not in port and DEFAULT_PORTS.get(scheme) == int(port):
        return host
    return netloc


def _norm_url(url):
    """Scheme/host lower-cased, default port and fragment dropped."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    netloc = _norm_netloc(scheme, parts.netloc)
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


class OfflineAdapter(requests.adapters.HTTPAdapter):
    """Transport adapter that never touches the network."""

    def __init__(self, root, base_url, contexts_dir=DEFAULT_CONTEXTS_DIR):
        super().__init__()
        self.root = os.path.realpath(root)
        if not base_url.endswith("/"):
            base_url += "/"
        b = urlsplit(base_url)
        self.base_scheme = b.scheme.lower()
        self.base_netloc = _norm_netloc(self.base_scheme, b.netloc)
        self.base_path = b.path
        with open(os.path.join(contexts_dir, "index.json"), encoding="utf-8") as f:
            index = json.load(f)
        self.contexts = {
            _norm_url(u): os.path.join(contexts_dir, name) for u, name in index.items()
        }
        routes_file = os.path.join(self.root, "_routes.json")
        self.routes = {}
        if os.path.isfile(routes_file):
            with open(routes_file, encoding="utf-8") as f:
                self.routes = json.load(f)
        self.refused = []  # URLs refused since the last reset
        self.requested = []  # every URL asked for since the last reset

    # -- helpers -----------------------------------------------------------
    def reset_log(self):
        self.refused = []
        self.requested = []

    def _response(
        self,
        request,
        status,
        body=b"",
        content_type="text/plain; charset=utf-8",
        extra_headers=None,
    ):
        reason = {
            200: "OK",
            301: "Moved Permanently",
            302: "Found",
            308: "Permanent Redirect",
            404: "Not Found",
            410: "Gone",
            405: "Method Not Allowed",
        }.get(status, "")
        headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
        headers.update(extra_headers or {})
        if request.method == "HEAD":
            body = b""
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(body),
            headers=headers,
            status=status,
            reason=reason,
            preload_content=False,
            decode_content=False,
            request_method=request.method,
            request_url=request.url,  # requests_cache reads raw._request_url
        )
        return self.build_response(request, raw)

    def _file_response(self, request, path):
        ext = os.path.splitext(path)[1].lower()
        ctype = (
            CONTENT_TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"
        )
        with open(path, "rb") as f:
            body = f.read()
        return self._response(request, 200, body, ctype)

    def _site_path(self, url_path):
        """Map a URL path under the base to a file path, or None if it escapes ROOT."""
        rel = unquote(url_path[len(self.base_path) :])
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        rel = posixpath.normpath("/" + rel).lstrip("/")
        full = os.path.realpath(os.path.join(self.root, *rel.split("/")))
        if full != self.root and not full.startswith(self.root + os.sep):
            return None
        return full

    # -- the transport -----------------------------------------------------
    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        url = request.url
        self.requested.append(url)
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        netloc = _norm_netloc(scheme, parts.netloc)

        ctx = self.contexts.get(_norm_url(url))
        if ctx is not None:
            return self._file_response(request, ctx)

        if (
            scheme == self.base_scheme
            and netloc == self.base_netloc
            and (parts.path + "/").startswith(self.base_path)
        ):
            if request.method not in ("GET", "HEAD"):
                return self._response(request, 405, b"Method Not Allowed")
            path = parts.path
            route = self.routes.get("/" + path[len(self.base_path) :])
            if route is not None:
                headers = {"Location": route["location"]} if "location" in route else {}
                body = json.dumps(route["json"]).encode() if "json" in route else b""
                kind = "application/ld+json" if "json" in route else "text/plain; charset=utf-8"
                return self._response(request, route["status"], body, kind, headers)
            if path + "/" == self.base_path:  # base URL without its trailing slash
                return self._response(request, 301, extra_headers={"Location": self.base_path})
            full = self._site_path(path)
            if full is not None and os.path.isfile(full):
                return self._file_response(request, full)
            if (
                full is not None
                and not path.endswith("/")
                and os.path.isdir(full)
                and os.path.isfile(os.path.join(full, "index.html"))
            ):
                return self._response(request, 301, extra_headers={"Location": path + "/"})
            return self._response(request, 404, b"Not Found")

        self.refused.append(url)
        raise requests.exceptions.ConnectionError(
            f"offline conformance harness refused {url}", request=request
        )

    def close(self):
        pass


_ADAPTER = None


def install(adapter):
    """Mount `adapter` on every requests session created from now on and
    forbid real network connections. Call before importing `openbadges`."""
    global _ADAPTER
    _ADAPTER = adapter
    original_init = requests.Session.__init__
    if not getattr(original_init, "_offline_patched", False):

        def patched_init(self, *args, **kwargs):
            original_init(self, *args, **kwargs)
            self.mount("https://", _ADAPTER)
            self.mount("http://", _ADAPTER)

        patched_init._offline_patched = True
        requests.Session.__init__ = patched_init

    original_connect = socket.socket.connect

    def guarded_connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            _ADAPTER.refused.append(f"socket:{address}")
            raise ConnectionRefusedError(
                f"offline conformance harness: network access refused ({address})"
            )
        return original_connect(sock, address)

    if not getattr(socket.socket.connect, "_offline_patched", False):
        guarded_connect._offline_patched = True
        socket.socket.connect = guarded_connect

    original_getaddrinfo = socket.getaddrinfo

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host not in (None, "localhost", "127.0.0.1", "::1"):
            _ADAPTER.refused.append(f"dns:{host}")
            raise socket.gaierror(
                socket.EAI_NONAME, f"offline conformance harness: name lookup refused ({host})"
            )
        return original_getaddrinfo(host, *args, **kwargs)

    if not getattr(socket.getaddrinfo, "_offline_patched", False):
        guarded_getaddrinfo._offline_patched = True
        socket.getaddrinfo = guarded_getaddrinfo


def messages_of_level(report, level):
    return [
        m.get("result", "") for m in report.get("messages", []) if m.get("messageLevel") == level
    ]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", required=True, help="built site folder")
    ap.add_argument("--base-url", required=True, help="URL the built folder is published at")
    ap.add_argument(
        "--contexts",
        default=DEFAULT_CONTEXTS_DIR,
        help="folder with index.json and local JSON-LD contexts",
    )
    ap.add_argument(
        "--recipient",
        metavar="TYPE:VALUE",
        action="append",
        default=[],
        help="also check the recipient against this trusted identifier, "
        "e.g. email:alice@example.org (repeatable)",
    )
    ap.add_argument(
        "--messages",
        action="store_true",
        help="also include the validator's full message list and every URL requested, per URL",
    )
    ap.add_argument(
        "--no-cache",
        action="store_true",
        help="run the validator with plain requests sessions instead of its "
        "default in-memory requests_cache sessions",
    )
    ap.add_argument(
        "--debug", action="store_true", help="let the validator log task tracebacks to stderr"
    )
    ap.add_argument("urls", nargs="+", metavar="URL")
    args = ap.parse_args(argv)

    if not os.path.isdir(args.root):
        ap.error(f"--root {args.root} is not a folder")

    adapter = OfflineAdapter(args.root, args.base_url, args.contexts)
    install(adapter)

    import logging

    # Imported only now, after install(): every session it creates gets the adapter.
    import openbadges

    if not args.debug:
        # The validator logs a traceback for every task that raised; the
        # exception text is in the report message anyway.
        logging.getLogger("openbadges.verifier").setLevel(logging.CRITICAL)
    from openbadges.verifier.utils import CachableDocumentLoader
    from pyld import jsonld

    # pyld's own default loader uses urllib; the validator always passes its
    # loader, but make the default go through a patched session too.
    jsonld.set_document_loader(CachableDocumentLoader(use_cache=False))

    profile = None
    if args.recipient:
        profile = {}
        for item in args.recipient:
            rtype, sep, value = item.partition(":")
            if not sep or not value:
                ap.error(f"--recipient wants TYPE:VALUE, got {item!r}")
            profile.setdefault(rtype, []).append(value)

    options = {}
    if args.no_cache:
        options = {"use_cache": False, "cache_backend": None}

    results = []
    for url in args.urls:
        adapter.reset_log()
        result = openbadges.verify(url, dict(profile) if profile else None, **options)
        report = result.get("report", {})
        entry = {
            "url": url,
            "valid": bool(report.get("valid")),
            "errors": messages_of_level(report, "ERROR"),
            "warnings": messages_of_level(report, "WARNING"),
            "refused": list(dict.fromkeys(adapter.refused)),
        }
        if profile:
            checks = {m.get("name") for m in report.get("messages", [])}
            if report.get("recipientProfile"):
                entry["recipient"] = "matched"
            elif "VERIFY_RECIPIENT_IDENTIFIER" in checks:
                entry["recipient"] = "not matched"
            else:
                entry["recipient"] = "not checked"
        if args.messages:
            entry["messages"] = report.get("messages", [])
            entry["requested"] = list(adapter.requested)
        results.append(entry)

    json.dump(results, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
