"""A threaded HTTP server on 127.0.0.1 serving the test corpus, with hostile routes beside it."""

from __future__ import annotations

import functools
import json
import shutil
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from badgesite.openbadges.fetch import Fetcher

CORPUS = Path(__file__).resolve().parent / "corpus"
HOSTED = CORPUS / "hosted"
TLS = Path(__file__).resolve().parent / "fixtures" / "tls"
TLS_CERTIFICATE = TLS / "badges.test.pem"  # for the name badges.test only


@dataclass(frozen=True)
class Served:
    root: Path
    base: str  # http://127.0.0.1:PORT/
    other_base: str  # http://localhost:PORT/: the same server under another host name
    port: int


def loopback_fetcher(**limits: float) -> Fetcher:
    """A Fetcher that may reach this server: private and loopback hosts are refused by default."""
    return Fetcher(allow_private_hosts=True, **limits)  # type: ignore[arg-type]


class _Handler(SimpleHTTPRequestHandler):
    """Files from the folder; CORS allowed except under /nocors/; a few hostile routes."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def end_headers(self) -> None:
        if not self.path.startswith("/nocors/"):
            self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _body(self, data: bytes, content_type: str = "application/json") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self, path: str) -> bool:
        """Answer a path the served folder's _routes.json lists (a redirect, a 410 Gone...),
        as tests/conformance/validate_offline.py answers it for the reference validator."""
        table = Path(self.directory) / "_routes.json"
        route = json.loads(table.read_text(encoding="utf-8")).get(path) if table.is_file() else None
        if route is None:
            return False
        body = json.dumps(route["json"]).encode() if "json" in route else b""
        self.send_response(route["status"])
        if "location" in route:
            self.send_header("Location", route["location"])
        self.send_header("Content-Type", "application/ld+json" if body else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return True

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if self._route(path):
            return None
        if path == "/to-plain-http":  # from the TLS server: https -> http
            return self._redirect(f"http://127.0.0.1:{self.server.server_address[1]}/")
        if path == "/loop-a":
            return self._redirect("/loop-b")
        if path == "/loop-b":
            return self._redirect("/loop-a")
        if path.startswith("/chain/"):
            remaining = int(path.rsplit("/", 1)[1])
            target = f"/chain/{remaining - 1}" if remaining > 0 else "/assertions/valid-iri.json"
            return self._redirect(target)
        if path == "/to-file":
            return self._redirect("file:///etc/passwd")
        if path == "/to-metadata":
            return self._redirect("http://169.254.169.254/latest/meta-data/")
        if path == "/echo-host":
            return self._body(json.dumps({"host": self.headers.get("Host", "")}).encode())
        if path == "/huge.json":
            return self._body(b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}')
        if path == "/huge-unannounced.json":
            # No Content-Length: the cap must hold while reading, not only from the header.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"name": "' + b"y" * (2 * 1024 * 1024) + b'"}')
            self.close_connection = True
            return None
        if path == "/deep.json":
            return self._body(b"[" * 5000 + b"]" * 5000)
        if path == "/slow.json":
            time.sleep(3)
            return self._body(b"{}")
        if path == "/drip.json":
            # Headers at once, then a byte at a time for a minute: each read is quick, the
            # whole is not. A fetcher that only times single reads would hang here.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            for _ in range(600):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.1)
            self.close_connection = True
            return None
        if path == "/html.json":
            return self._body(b"<html><body>Log in to see this badge</body></html>", "text/html")
        return super().do_GET()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that give up early (timeouts, size caps) are what the tests provoke


def _render(source: Path, target: Path, replacements: dict[str, str]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.rglob("*")):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        elif path.suffix == ".json":
            text = path.read_text(encoding="utf-8")
            for placeholder, value in replacements.items():
                text = text.replace(placeholder, value)
            destination.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(path, destination)


@contextmanager
def serve_corpus(folder: Path) -> Iterator[Served]:
    """Copy the hosted corpus into folder with its URLs filled in, and serve it."""
    server = _QuietServer(("127.0.0.1", 0), _Handler)
    port = server.server_address[1]
    served = Served(folder, f"http://127.0.0.1:{port}/", f"http://localhost:{port}/", port)
    _render(
        HOSTED,
        folder,
        {
            "{{BASE}}": served.base,
            "{{OTHER_BASE}}": served.other_base,
            "{{HOSTPORT}}": f"127.0.0.1:{port}",
        },
    )
    server.RequestHandlerClass = functools.partial(_Handler, directory=str(folder))  # type: ignore[assignment]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve a built site on 127.0.0.1; yields its base URL."""
    handler = functools.partial(_Handler, directory=str(folder))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve_tls() -> Iterator[int]:
    """The same routes over HTTPS on 127.0.0.1, certified for badges.test; yields the port."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS_CERTIFICATE, TLS / "badges.test.key")
    handler = functools.partial(_Handler, directory=str(HOSTED))
    server = _QuietServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


class _HostsHandler(SimpleHTTPRequestHandler):
    """Files by URL: https://HOST/PATH is looked up under the longest site prefix that holds it."""

    # Set per server by serve_https_sites, on a subclass of its own.
    sites: ClassVar[dict[str, Path]] = {}
    requested: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def translate_path(self, path: str) -> str:
        host = self.headers.get("Host", "").split(":", 1)[0]
        url = f"https://{host}{path.split('?', 1)[0]}"
        self.requested.append(url)
        for prefix in sorted(self.sites, key=len, reverse=True):
            if url.startswith(prefix):
                relative = url[len(prefix) :]
                target = (self.sites[prefix] / relative).resolve()
                if target.is_relative_to(self.sites[prefix].resolve()):
                    return str(target)
        return "/nonexistent"


@contextmanager
def serve_https_sites(
    sites: dict[str, Path], certificate: Path, key: Path, requested: list[str] | None = None
) -> Iterator[int]:
    """An HTTPS server on 127.0.0.1 answering for several host names at once: each site is
    `https://host/prefix/` -> folder (the certificate must name every host; sites may be
    added while it runs). Every URL asked for is appended to `requested`. Yields the port."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    log = requested if requested is not None else []
    handler = type("Handler", (_HostsHandler,), {"sites": sites, "requested": log})
    server = _QuietServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
