"""`badgesite serve`: build, serve on 127.0.0.1, rebuild on every save, reload the browser."""

from __future__ import annotations

import html
import os
import time
from collections.abc import Callable
from pathlib import Path

from livereload import Server
from livereload.handlers import LiveReloadHandler, StaticFileHandler

from badgesite.build import BuildReport, build
from badgesite.checks import CheckFailed
from badgesite.errors import BadgesiteError, ContentErrors

SERVE_OUTPUT = Path(".cache") / "badgesite" / "serve"
WATCHED = ("content", "themes", "templates")
DEBOUNCE_SECONDS = 0.3


class SiteServer:
    """Keeps a local build of a site current and knows the error of the last build, if any.

    Builds run on the server's only thread, so no request is answered while one runs: a
    visitor never sees a half-built site. A failed build leaves the last good one in place.
    """

    def __init__(
        self,
        site_dir: Path,
        port: int,
        report: Callable[[str], None] = print,
        debounce: float = DEBOUNCE_SECONDS,
    ) -> None:
        self.site_dir = site_dir.absolute()
        self.port = port
        self.output_dir = self.site_dir / SERVE_OUTPUT
        self.base_url = f"http://127.0.0.1:{port}/"
        self.report = report
        self.debounce = debounce
        self.error = ""

    def rebuild(self) -> BuildReport | None:
        try:
            result = build(self.site_dir, self.output_dir, base_url=self.base_url, processes=1)
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
        self.report(f"{message}\nBuild failed; still serving the last good site.")

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

    return SiteHandler


def _say(text: str) -> None:
    print(text, flush=True)


def serve(site_dir: Path, port: int) -> None:
    """Build the site, serve it at http://127.0.0.1:PORT/ until interrupted."""
    site = SiteServer(site_dir, port, report=_say)
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
    server.serve(port=port, host="127.0.0.1", root=str(site.output_dir))
