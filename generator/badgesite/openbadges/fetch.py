"""Safe retrieval of foreign documents: http(s) to public hosts only, capped in size, depth,
redirects and time."""

from __future__ import annotations

import functools
import http.client
import ipaddress
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from badgesite.openbadges.json_text import MAX_JSON_BYTES as MAX_JSON_BYTES
from badgesite.openbadges.json_text import MAX_JSON_DEPTH as MAX_JSON_DEPTH
from badgesite.openbadges.json_text import FetchProblem as FetchProblem
from badgesite.openbadges.json_text import json_depth as json_depth
from badgesite.openbadges.json_text import parse_json as parse_json
from badgesite.openbadges.json_text import read_local as read_local

# Re-exported: the JSON caps and readers were defined here before they moved to json_text.
from badgesite.primitives.http_urls import http_url_problem

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
TIMEOUT_SECONDS = 10.0
USER_AGENT = "badgesite (Open Badges import and verification)"
JSON_ACCEPT = "application/ld+json, application/json;q=0.9, */*;q=0.1"


class Gone(FetchProblem):
    """HTTP 410: the issuer withdrew the document on purpose (revoked), with the JSON it
    answered, if any (a revoked assertion's stub can name its revocationReason)."""

    def __init__(self, message: str, url: str, body: Any = None) -> None:
        super().__init__(message)
        self.url = url
        self.body = body


@dataclass(frozen=True)
class Fetched:
    """A response body and where it finally came from."""

    requested_url: str
    final_url: str
    status: int
    content_type: str
    body: bytes


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by Fetcher itself, so each hop is checked and counted."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        return None


def check_http_url(url: str) -> str:
    """The URL if it is absolute http(s); FetchProblem otherwise (file:, ftp:, data:...)."""
    if http_url_problem(url):  # the one URL check: it never raises, whatever the text
        raise FetchProblem(f"'{url[:120]}' is not an http(s) URL; nothing else is fetched")
    return url


def _is_downgrade(current: str, target: str) -> bool:
    """Whether a redirect leaves https for plain http (what the first hop secured, lost)."""
    return urlsplit(current).scheme.lower() == "https" and urlsplit(target).scheme.lower() == "http"


def is_public_address(address: str) -> bool:
    """Whether an IP address is globally routable: not private, loopback, link-local, etc."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_host(host: str, port: int) -> tuple[str, ...]:
    """Every address a host name resolves to (a literal IP resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise FetchProblem(f"cannot resolve {host} ({error})") from None
    return tuple(dict.fromkeys(str(info[4][0]) for info in infos))


Resolver = Callable[[str, int], tuple[str, ...]]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to addresses checked beforehand, never to what a second lookup returns."""

    def __init__(self, host: str, *, addresses: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        # http.client opens its socket through this hook alone; replacing it leaves the Host
        # header and TLS (server_hostname=host) as they are. The tests fail if that changes.
        self._create_connection = functools.partial(_connect_first, addresses)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As _PinnedHTTPConnection; TLS still names the host (SNI, certificate check)."""

    def __init__(self, host: str, *, addresses: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._create_connection = functools.partial(_connect_first, addresses)


def _connect_first(
    addresses: tuple[str, ...],
    target: tuple[str, int],
    timeout: float | None,
    source_address: tuple[str, int] | None = None,
) -> socket.socket:
    """A socket to the first of the checked addresses that answers, on target's port."""
    last_error: OSError = OSError(f"no address for {target[0]}")
    for address in addresses:
        try:
            return socket.create_connection((address, target[1]), timeout, source_address)
        except OSError as error:
            last_error = error
    raise last_error


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, addresses: tuple[str, ...]) -> None:
        super().__init__()
        self._addresses = addresses

    def http_open(self, req: urllib.request.Request) -> Any:
        connection = functools.partial(_PinnedHTTPConnection, addresses=self._addresses)
        return self.do_open(connection, req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, addresses: tuple[str, ...], context: ssl.SSLContext | None) -> None:
        super().__init__(context=context)
        self._addresses = addresses

    def https_open(self, req: urllib.request.Request) -> Any:
        connection = functools.partial(_PinnedHTTPSConnection, addresses=self._addresses)
        return self.do_open(connection, req, context=self._context)


@dataclass(frozen=True)
class Fetcher:
    """Fetches with limits. One instance per command; it holds no state between fetches.

    Every hop's host is resolved and, unless allow_private_hosts, refused when any of its
    addresses is not public: a hostile assertion must not make us fetch (and publish) the
    cloud metadata service or an intranet page. The connection then goes to the addresses
    checked, so a second DNS answer cannot swap in another. `ssl_context` replaces the
    system's trust store (the tests' certificate authority); None keeps it.
    """

    timeout: float = TIMEOUT_SECONDS
    max_redirects: int = MAX_REDIRECTS
    allow_private_hosts: bool = False
    resolve: Resolver = field(default=resolve_host, repr=False)
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    def fetch(self, url: str, max_bytes: int, accept: str = "*/*") -> Fetched:
        deadline = time.monotonic() + self.timeout
        current = check_http_url(url)
        seen: list[str] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchProblem(f"{url}: took longer than {self.timeout:g} s")
            opener = self._opener(self._addresses(current))
            request = urllib.request.Request(
                current, headers={"Accept": accept, "User-Agent": USER_AGENT}
            )
            try:
                response = opener.open(request, timeout=remaining)
            except urllib.error.HTTPError as error:
                location = error.headers.get("Location") if error.headers else None
                if error.code in (301, 302, 303, 307, 308) and location:
                    seen.append(current)
                    if len(seen) > self.max_redirects:
                        raise FetchProblem(
                            f"{url}: more than {self.max_redirects} redirects"
                        ) from None
                    target = check_http_url(urljoin(current, location))
                    if _is_downgrade(current, target):
                        raise FetchProblem(
                            f"{url}: refusing a redirect from https to plain http "
                            f"({target[:120]}): stricter than the 1EdTech validator, which "
                            "follows it"
                        ) from None
                    current = target
                    if current in seen:
                        raise FetchProblem(f"{url}: redirect loop at {current}") from None
                    error.close()
                    continue
                if error.code == 410:
                    body = self._gone_body(error, current, deadline)
                    raise Gone(f"{current}: HTTP 410 Gone", current, body) from None
                error.close()
                raise FetchProblem(f"{current}: HTTP {error.code}") from None
            except (urllib.error.URLError, OSError, ValueError) as error:
                reason = getattr(error, "reason", error)
                raise FetchProblem(f"{current}: cannot fetch ({reason})") from None
            with response:
                length = response.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > max_bytes:
                    raise FetchProblem(f"{current}: {length} bytes; the limit is {max_bytes}")
                body = self._read(response, current, max_bytes, deadline)
                return Fetched(
                    requested_url=url,
                    final_url=current,
                    status=response.status,
                    content_type=response.headers.get("Content-Type", ""),
                    body=body,
                )

    def _addresses(self, url: str) -> tuple[str, ...]:
        """The addresses url's host resolves to; FetchProblem if any is not public."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise FetchProblem(f"{url[:120]}: the port is not a number") from None
        try:
            addresses = self.resolve(host, port)
        except FetchProblem as problem:
            raise FetchProblem(f"{url[:120]}: cannot fetch ({problem})") from None
        if not addresses:
            raise FetchProblem(f"{url[:120]}: cannot fetch ({host} has no address)")
        if not self.allow_private_hosts:
            for address in addresses:
                if not is_public_address(address):
                    name = address if address == host else f"{host} resolves to {address}, which"
                    raise FetchProblem(
                        f"refusing to fetch {url[:120]}: {name} is not a public address "
                        "(use --allow-private-hosts to allow it)"
                    )
        return addresses

    def _opener(self, addresses: tuple[str, ...]) -> urllib.request.OpenerDirector:
        # No proxies from the environment: the connection must go to the addresses checked.
        return urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            _NoRedirects(),
            _PinnedHTTPHandler(addresses),
            _PinnedHTTPSHandler(addresses, self.ssl_context),
        )

    def _read(self, response: Any, url: str, max_bytes: int, deadline: float) -> bytes:
        """The body in chunks, so neither a huge nor a slowly dripping one gets past the caps."""
        chunks: list[bytes] = []
        size = 0
        while True:
            try:
                chunk = response.read1(64 * 1024)
            except (OSError, ValueError) as error:
                raise FetchProblem(f"{url}: cannot read ({error})") from None
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > max_bytes:
                raise FetchProblem(f"{url}: more than {max_bytes} bytes; refused")
            if time.monotonic() > deadline:
                raise FetchProblem(f"{url}: took longer than {self.timeout:g} s")
            chunks.append(chunk)

    def _gone_body(self, error: urllib.error.HTTPError, url: str, deadline: float) -> Any:
        """The JSON a 410 answer holds (capped as any JSON document), or None."""
        try:
            return parse_json(self._read(error, url, MAX_JSON_BYTES, deadline), url)
        except FetchProblem:
            return None
        finally:
            error.close()

    def fetch_json(self, url: str) -> tuple[Fetched, Any]:
        fetched = self.fetch(url, MAX_JSON_BYTES, JSON_ACCEPT)
        return fetched, parse_json(fetched.body, fetched.final_url)

    def fetch_image(self, url: str) -> Fetched:
        return self.fetch(url, MAX_IMAGE_BYTES, "image/png, image/svg+xml;q=0.9")
