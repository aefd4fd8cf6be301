"""`badgesite serve`: build, serve on 127.0.0.1, rebuild on every save, reload the browser."""

from __future__ import annotations

import errno
import html
import ipaddress
import os
import socket
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from livereload import Server
from livereload.handlers import LiveReloadHandler, StaticFileHandler
from tornado.ioloop import IOLoop
from tornado.netutil import bind_sockets

from badgesite.build import BuildOptions, BuildReport, SiteBuilder
from badgesite.errors import BadgesiteError, ContentErrors
from badgesite.guards.lints import CheckFailed

SERVE_OUTPUT = Path(".cache") / "badgesite" / "serve"
WATCHED = ("content", "themes", "templates")
DEBOUNCE_SECONDS = 0.3
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
NOT_FOUND_PAGE = "404.html"  # every build writes it


class ServeError(BadgesiteError):
    """The server cannot start (an address in use, or one that is not this machine's)."""


@dataclass(frozen=True)
class DevAddress:
    """Where `serve` listens: HOST:PORT, as MkDocs' --dev-addr."""

    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> DevAddress:
        """HOST:PORT, [IPv6]:PORT or :PORT (the default host); ValueError when malformed."""
        host, separator, port_text = text.strip().rpartition(":")
        if not separator or not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"'{text}' is not HOST:PORT with a port from 1 to 65535")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
            ipaddress.IPv6Address(host.split("%", 1)[0])  # ValueError when it is not one
        elif ":" in host:
            raise ValueError(f"'{text}': write an IPv6 address in brackets, [::1]:8000")
        return cls(host or DEFAULT_HOST, int(port_text))

    @property
    def url(self) -> str:
        """The address pages are built for: a wildcard address is this machine's name."""
        host = socket.gethostname() if self.is_wildcard else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"

    @property
    def is_wildcard(self) -> bool:
        return self.host in ("0.0.0.0", "::", "")

    @property
    def is_loopback(self) -> bool:
        """Whether only this machine can reach the server: every address the host names
        is a loopback one."""
        try:
            found = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
        except socket.gaierror:
            return False
        addresses = {info[4][0].split("%", 1)[0] for info in found}
        return bool(addresses) and all(
            ipaddress.ip_address(address).is_loopback for address in addresses
        )


def check_address_free(address: DevAddress) -> None:
    """Raise ServeError unless the server could listen at address now: bound the way the
    server binds (tornado's own function), then let go at once."""
    try:
        sockets = bind_sockets(address.port, address=address.host)
    except OSError as failure:
        raise ServeError(_cannot_listen(address, failure)) from None
    for bound in sockets:
        bound.close()


def exposure_warning(address: DevAddress) -> str | None:
    """What to tell whoever serves on an address other machines can reach."""
    if address.is_loopback:
        return None
    return (
        f"Warning: serving on {address.host}, not only on this machine: the site is "
        "reachable from the network."
    )


def _cannot_listen(address: DevAddress, failure: OSError) -> str:
    shown = f"[{address.host}]" if ":" in address.host else address.host
    if failure.errno == errno.EADDRINUSE:
        return (
            f"{shown}:{address.port} is already in use (another server?); "
            f"choose another port: --dev-addr {shown}:{address.port + 1}"
        )
    if isinstance(failure, socket.gaierror):
        return f"cannot serve on {shown}: no such host"
    return f"cannot serve on {shown}:{address.port}: {failure.strerror or failure}"


class SiteServer:
    """Keeps a local build of a site current and knows the error of the last build, if any.

    Builds run on the server's only thread, so no request is answered while one runs: a
    visitor never sees a half-built site. A failed build leaves the last good one in place.
    """

    def __init__(
        self,
        site_dir: Path,
        address: DevAddress,
        report: Callable[[str], None] = print,
        debounce: float = DEBOUNCE_SECONDS,
    ) -> None:
        self.site_dir = site_dir.absolute()
        self.address = address
        self.output_dir = self.site_dir / SERVE_OUTPUT
        self.base_url = address.url
        self.report = report
        self.debounce = debounce
        self.error = ""
        # Keeps what each build knew between rebuilds: a saved record rebuilds only what
        # shows it.
        self.builder = SiteBuilder(
            BuildOptions(self.site_dir, self.output_dir, base_url=self.base_url, processes=1)
        )

    def rebuild(self) -> BuildReport | None:
        try:
            result = self.builder.build()
        except ContentErrors as failure:
            lines = [str(error) for error in failure.errors]
            if isinstance(failure, CheckFailed):
                lines = [*map(str, failure.warnings), *lines]
            self._failed("\n".join(lines))
            return None
        except BadgesiteError as failure:
            self._failed(f"error: {failure}")
            return None
        self.error = ""
        self.report(result.summary().splitlines()[0])
        return result

    def _failed(self, message: str) -> None:
        self.error = message
        # A failed build leaves output as it was: a site when one was built before (in
        # this run or an earlier one), nothing on a first run.
        if (self.output_dir / "index.html").is_file():
            self.report(f"{message}\nBuild failed; still serving the last good site.")
        else:
            self.report(
                f"{message}\nBuild failed, and no build of this site has succeeded yet: "
                "the browser shows these errors until one does."
            )

    def rebuild_when_quiet(self) -> None:
        """Wait until the watched files stop changing, so a burst of saves (an editor's
        save-all, a git checkout) makes one rebuild, then rebuild."""
        state = self._watched_state()
        while True:
            time.sleep(self.debounce)
            current = self._watched_state()
            if current == state:
                break
            state = current
        self.rebuild()
        # Reload at once, success or failure: livereload itself skips reloads that come
        # within 3 s of the last one, which would leave a quick second save unseen.
        LiveReloadHandler.reload_waiters("*")

    def _watched_state(self) -> tuple[tuple[str, int, int], ...]:
        found = []
        for name in WATCHED:
            for folder, _, files in os.walk(self.site_dir / name):
                for file_name in files:
                    path = os.path.join(folder, file_name)
                    try:
                        status = os.stat(path)
                    except OSError:
                        continue
                    found.append((path, status.st_mtime_ns, status.st_size))
        return tuple(sorted(found))

    def error_page(self) -> bytes:
        return (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            '<title>Build failed</title></head>\n<body style="font-family: sans-serif">'
            "<h1>The last build failed</h1><p>Fix the content and save: this page reloads "
            'by itself.</p>\n<pre id="badgesite-build-error">'
            f"{html.escape(self.error)}</pre></body></html>\n"
        ).encode()

    def not_found_page(self) -> bytes | None:
        """The site's own 404 page, as a static host would answer a missing page with it."""
        try:
            return (self.output_dir / NOT_FOUND_PAGE).read_bytes()
        except OSError:
            return None


def _handler_for(site: SiteServer) -> type[StaticFileHandler]:
    class SiteHandler(StaticFileHandler):
        """The built site, or the error page while the last build failed."""

        async def get(self, path: str, include_body: bool = True) -> None:
            if site.error:
                self.set_status(500)
                self.set_header("Content-Type", "text/html; charset=utf-8")
                self.finish(site.error_page())
                return
            await super().get(path, include_body)

        def write_error(self, status_code: int, **kwargs: object) -> None:
            page = site.not_found_page() if status_code == 404 else None
            if page is None:
                super().write_error(status_code, **kwargs)
                return
            self.clear_header("Content-Length")  # set for the file that was asked for
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(page)

    return SiteHandler


def _say(text: str) -> None:
    print(text, flush=True)


def serve(site_dir: Path, address: DevAddress, open_browser: bool = False) -> None:
    """Build the site and serve it at address until interrupted; with open_browser, open
    it in the web browser once it is served. Raise ServeError when the address is taken."""
    check_address_free(address)  # before building: a busy port must not cost a build
    site = SiteServer(site_dir, address, report=_say)
    site.rebuild()
    server = Server()
    server.SFH = _handler_for(site)
    for name in WATCHED:
        server.watch(
            str(site.site_dir / name),
            site.rebuild_when_quiet,
            # The build records newly published awards there itself.
            ignore=lambda path: path.endswith("published-awards.txt"),
        )
    if not site.output_dir.is_dir():
        site.output_dir.mkdir(parents=True)
    warning = exposure_warning(address)
    if warning:
        _say(warning)
    _say(f"Serving {site.base_url} (Ctrl+C to stop)")
    if open_browser:
        # Runs once the loop starts, when the server already listens; in a thread, as
        # some browsers' launchers only return when the browser is closed.
        IOLoop.current().add_callback(
            threading.Thread(target=webbrowser.open, args=(site.base_url,), daemon=True).start
        )
    try:
        server.serve(port=address.port, host=address.host, root=str(site.output_dir))
    except OSError as failure:  # taken between the check and now
        raise ServeError(_cannot_listen(address, failure)) from None
