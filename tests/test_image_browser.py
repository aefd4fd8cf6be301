"""srcset in real headless Chromium: the browser picks a variant for the density, and it loads."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from badgesite.build import build
from helpers import EXAMPLE_SITE, FIXED_NOW


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    output = tmp_path_factory.mktemp("srcset") / "output"
    output.mkdir()
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(output))
    )
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    build(EXAMPLE_SITE, output, base_url=url, now=FIXED_NOW)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    server.server_close()


def _badge_images(browser, url: str, density: int) -> list[dict]:
    context = browser.new_context(device_scale_factor=density)
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        return page.eval_on_selector_all(
            "img.badge-image",
            "images => images.map(i => ({src: i.currentSrc, width: i.naturalWidth,"
            " complete: i.complete}))",
        )
    finally:
        context.close()


@pytest.mark.parametrize(
    ("density", "chosen"),
    [
        (1, "badges/container-fundamentals-exam/image-128.png"),
        (2, "badges/container-fundamentals-exam/image-256.png"),
    ],
)
def test_the_browser_loads_the_variant_that_fits_the_density(
    browser, base_url: str, density: int, chosen: str
) -> None:
    # The profile shows badges at 72 CSS pixels: 128 px covers density 1, 256 px density 2.
    images = _badge_images(browser, base_url + "earners/ines-goncalves/", density)
    assert images and all(image["complete"] and image["width"] > 0 for image in images)
    (exam,) = [image for image in images if "container-fundamentals-exam" in image["src"]]
    assert exam["src"] == base_url + chosen
    # naturalWidth is the decoded width over the srcset density: 72 means it loaded whole
    assert exam["width"] == 72
