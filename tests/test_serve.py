"""`badgesite serve` end to end: a real server process, real Chromium, a record edited."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from badgesite.cli import main
from badgesite.serve import DevAddress, SiteServer, exposure_warning
from helpers import REPO
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


@contextmanager
def _serving(
    site: Path, *arguments: str, environment: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`badgesite serve` in its own process, on a free port unless arguments name one;
    yields its base URL once it answers."""
    if "--dev-addr" not in arguments:
        arguments = ("--port", str(_free_port()), *arguments)
    address = arguments[
        arguments.index("--dev-addr" if "--dev-addr" in arguments else "--port") + 1
    ]
    port = address.rpartition(":")[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "badgesite", "serve", "--site", str(site), *arguments],
        env={**os.environ, "PYTHONPATH": str(REPO / "generator"), **(environment or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/")
        yield f"http://127.0.0.1:{port}/", process
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
        print(output)


@pytest.fixture
def server(site: Path) -> Iterator[tuple[Path, str]]:
    with _serving(site) as (base_url, _):
        yield site, base_url


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


# What livereload adds to every page it serves, so open pages reload after a rebuild.
LIVE_SCRIPT = re.compile(rb'<script type="text/javascript">\(function\(\)\{.*?</script>', re.S)


def test_a_failed_build_says_whether_a_last_good_site_is_served(site: Path) -> None:
    said: list[str] = []
    server = SiteServer(site, DevAddress("127.0.0.1", _free_port()), report=said.append)
    broken = site / "content/earners/ada.yaml"
    good = broken.read_text()
    broken.write_text(good + "visibilty: public\n")
    assert server.rebuild() is None
    assert said[-1].endswith(
        "\nBuild failed, and no build of this site has succeeded yet: the browser shows these "
        "errors until one does."
    )
    broken.write_text(good)
    assert server.rebuild() is not None
    broken.write_text(good + "visibilty: public\n")
    assert server.rebuild() is None
    assert said[-1].endswith("\nBuild failed; still serving the last good site.")


def test_a_missing_page_is_answered_with_the_sites_own_404_page(server) -> None:
    site, base_url = server
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(base_url + "earners/nobody/", timeout=10)
    assert answer.value.code == 404
    assert answer.value.headers["Content-Type"] == "text/html; charset=utf-8"
    page = answer.value.read()
    built = (site / ".cache/badgesite/serve/404.html").read_bytes()
    assert LIVE_SCRIPT.sub(b"", page) == built
    assert b"<title>Page not found" in built


def test_serve_on_a_busy_port_says_so_in_one_line_and_builds_nothing(site: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        for option in (["--port", str(port)], ["--dev-addr", f"127.0.0.1:{port}"]):
            result = subprocess.run(
                [sys.executable, "-m", "badgesite", "serve", "--site", str(site), *option],
                env={**os.environ, "PYTHONPATH": str(REPO / "generator")},
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 1
            assert result.stdout == ""
            assert result.stderr == (
                f"error: 127.0.0.1:{port} is already in use (another server?); "
                f"choose another port: --dev-addr 127.0.0.1:{port + 1}\n"
            )
    assert not (site / ".cache/badgesite/serve").exists()  # no build into a served folder


RECORD_BROWSER = """
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as answer:
    status = answer.status
open(sys.argv[2], "w").write(f"{status} {sys.argv[1]}")
"""


def test_dev_addr_serves_there_and_open_opens_the_served_site_in_the_browser(
    site: Path, tmp_path: Path
) -> None:
    recorder = tmp_path / "browser.py"
    recorder.write_text(RECORD_BROWSER)
    opened = tmp_path / "opened.txt"
    # webbrowser runs the command in $BROWSER: here one that fetches what it is given.
    browser = f"{sys.executable} {recorder} %s {opened}"
    port = _free_port()
    arguments = ("--dev-addr", f"127.0.0.1:{port}", "--open")
    with _serving(site, *arguments, environment={"BROWSER": browser}) as (base_url, _):
        deadline = time.monotonic() + 30
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert opened.read_text() == f"200 {base_url}"
        with urllib.request.urlopen(base_url + "earners/ada/", timeout=10) as answer:
            assert f"{base_url}earners/ada/".encode() in answer.read()  # its canonical URL


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("127.0.0.1:8000", "127.0.0.1", 8000),
        ("localhost:9000", "localhost", 9000),
        ("[::1]:8001", "::1", 8001),
        (":8002", "127.0.0.1", 8002),
        ("0.0.0.0:80", "0.0.0.0", 80),
    ],
)
def test_dev_addr_is_host_and_port(text: str, host: str, port: int) -> None:
    assert DevAddress.parse(text) == DevAddress(host, port)


@pytest.mark.parametrize(
    "text", ["8000", "127.0.0.1", "127.0.0.1:0", "host:99999", "::1:80", "[x]:80"]
)
def test_a_malformed_dev_addr_is_refused(text: str, site: Path) -> None:
    with pytest.raises(ValueError):
        DevAddress.parse(text)
    result = CliRunner().invoke(main, ["serve", "--site", str(site), "--dev-addr", text])
    assert result.exit_code == 2
    assert "--dev-addr" in result.output
    assert not (site / ".cache/badgesite/serve").exists()


def test_only_loopback_addresses_are_private_to_this_machine() -> None:
    for text in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "127.0.0.2:8000"):
        assert DevAddress.parse(text).is_loopback, text
        assert exposure_warning(DevAddress.parse(text)) is None
    for text in ("0.0.0.0:8000", "[::]:8000", "192.168.1.20:8000"):
        assert not DevAddress.parse(text).is_loopback, text
        assert "reachable from the network" in exposure_warning(DevAddress.parse(text))
    wildcard = DevAddress.parse("0.0.0.0:8000")
    assert wildcard.url == f"http://{socket.gethostname()}:8000/"
    assert DevAddress.parse("[::1]:8000").url == "http://[::1]:8000/"


def test_dev_addr_and_port_together_are_refused(site: Path) -> None:
    result = CliRunner().invoke(
        main, ["serve", "--site", str(site), "--dev-addr", "127.0.0.1:8000", "--port", "8001"]
    )
    assert result.exit_code == 2
    assert "not both" in result.output
