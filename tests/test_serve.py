"""`badgesite serve` end to end: a real server process, real Chromium, a record edited."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO
from test_incremental import _replace_line


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


@pytest.fixture
def server(site: Path) -> Iterator[tuple[Path, str]]:
    port = _free_port()
    environment = {**os.environ, "PYTHONPATH": str(REPO / "generator")}
    process = subprocess.Popen(
        [sys.executable, "-m", "badgesite", "serve", "--site", str(site), "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/")
        yield site, f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
        print(output)


def connected(page) -> None:
    """Wait until the page's live-reload connection is open: only then is a save seen."""
    page.wait_for_function(
        "() => window.LiveReload && LiveReload.connector && LiveReload.connector.protocol > 0",
        timeout=10_000,
    )


def test_serve_rebuilds_on_save_and_the_browser_reloads_itself(server, browser) -> None:
    site, base_url = server
    assert not (site / "output").exists()  # serving never touches output/
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(base_url + "earners/ada/")
        assert "Electronics tinkerer" in page.content()
        connected(page)

        _replace_line(site / "content/earners/ada.yaml", "headline", "Synth wizard")
        page.wait_for_function(
            "() => document.body.textContent.includes('Synth wizard')", timeout=20_000
        )

        # A broken record: the browser shows the error, the last good site stays.
        _replace_line(site / "content/earners/ada.yaml", "visibility", "everyone")
        page.wait_for_function(
            "() => !!document.getElementById('badgesite-build-error')", timeout=20_000
        )
        assert "visibility" in page.inner_text("#badgesite-build-error")
        connected(page)
        served = site / ".cache/badgesite/serve/earners/ada/index.html"
        assert "Synth wizard" in served.read_text()

        text = (site / "content/earners/ada.yaml").read_text()
        (site / "content/earners/ada.yaml").write_text(text.replace("visibility: everyone\n", ""))
        page.wait_for_function(
            "() => document.body.textContent.includes('Synth wizard')"
            " && !document.getElementById('badgesite-build-error')",
            timeout=20_000,
        )
    finally:
        context.close()
