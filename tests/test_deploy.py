"""Deploying: a crawl of the served site proves every link, asset and JSON id works, under a
subpath and at the root, and that links reach every public earner through the listings'
pages; the Netlify settings and the _headers file say the same thing."""

from __future__ import annotations

import functools
import json
import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from badgesite.build import build, load_site
from conftest import EXAMPLE_SITE, FIXED_NOW, REPO

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


class _PrefixHandler(SimpleHTTPRequestHandler):
    """Serves a folder under a path prefix, the way GitHub Pages serves a project site."""

    prefix = "/"

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "__outside_the_site__")
        return super().translate_path("/" + path[len(self.prefix) :])

    def log_message(self, *args: object) -> None:
        pass


PAGE_SIZE = 2


@pytest.fixture(scope="module", params=["/", "/badges-demo/"], ids=["root", "subpath"])
def served(request, tmp_path_factory) -> Iterator[str]:
    prefix = request.param
    handler = type("Handler", (_PrefixHandler,), {"prefix": prefix})
    work = tmp_path_factory.mktemp("deploy")
    output = work / "output"
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(output))
    )
    base_url = f"http://127.0.0.1:{server.server_port}{prefix}"
    # The example site with pages of 2 entries, so that its listings run to several pages.
    shutil.copytree(EXAMPLE_SITE / "content", work / "site" / "content")
    with open(work / "site/content/site.yaml", "a", encoding="utf-8") as config:
        config.write(f"paginate: {PAGE_SIZE}\n")
    build(work / "site", output, base_url=base_url, now=FIXED_NOW)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base_url
    server.shutdown()
    server.server_close()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.canonical = ""
        self.noindex = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link" and values.get("rel") == "canonical":
            self.canonical = values.get("href", "")
        if (
            tag == "meta"
            and values.get("name") == "robots"
            and "noindex" in values.get("content", "")
        ):
            self.noindex = True
        for name in ("href", "src"):
            if values.get(name):
                self.links.append(values[name])
        for candidate in values.get("srcset", "").split(","):
            if candidate.strip():
                self.links.append(candidate.split()[0])
        if (
            tag == "meta"
            and values.get("property", "").startswith("og:image")
            and values.get("content", "").startswith("http")
        ):
            self.links.append(values["content"])


def _fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as error:
        return error.code, "", b""


def crawl(base_url: str) -> dict[str, tuple[int, _Links | dict | None]]:
    """Every internal URL reachable from the home page, with what was found there."""
    seen: dict[str, tuple[int, _Links | dict | None]] = {}
    queue = [base_url]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        status, content_type, body = _fetch(url)
        found: _Links | dict | None = None
        if status == 200 and content_type == "text/html":
            parser = _Links()
            parser.feed(body.decode("utf-8"))
            found = parser
            targets = [urljoin(url, link) for link in parser.links]
        elif status == 200 and url.endswith(".json"):
            found = json.loads(body)
            targets = [value for value in _strings(found) if value.startswith(base_url)]
        else:
            targets = []
        seen[url] = (status, found)
        for target in targets:
            target = urldefrag(target).url
            if target.startswith(base_url) and target not in seen:
                queue.append(target)
    return seen


def _strings(document: object) -> Iterator[str]:
    if isinstance(document, dict):
        for value in document.values():
            yield from _strings(value)
    elif isinstance(document, list):
        for value in document:
            yield from _strings(value)
    elif isinstance(document, str):
        yield document


def test_every_internal_link_answers_and_every_id_is_its_url(served: str) -> None:
    results = crawl(served)
    broken = sorted(url for url, (status, _) in results.items() if status != 200)
    assert broken == []
    kinds = {urlsplit(url).path.rsplit(".", 1)[-1] for url in results}
    assert {"json", "css"} <= kinds and any(url.endswith("/") for url in results)
    json_documents = [
        (url, found) for url, (_, found) in results.items() if isinstance(found, dict)
    ]
    assert len(json_documents) > 20
    for url, document in json_documents:
        assert document["id"] == url


def test_every_page_is_canonical_to_itself_and_public_pages_link_only_public_ones(
    served: str,
) -> None:
    results = crawl(served)
    pages = {url: found for url, (_, found) in results.items() if isinstance(found, _Links)}
    assert len(pages) > 20
    for url, page in pages.items():
        assert page.canonical == url, url
    noindex = {url for url, page in pages.items() if page.noindex}
    for url, page in pages.items():
        if page.noindex:
            continue
        for link in page.links:
            assert urldefrag(urljoin(url, link)).url not in noindex, (url, link)
    # Crawling from the home page never reaches an unlisted or private earner.
    assert not [url for url in pages if "/earners/rafael-duarte/" in url]
    assert not [url for url in results if "sam-whitfield" in url]


def test_links_reach_every_public_earner_and_every_page_of_every_listing(served: str) -> None:
    results = crawl(served)
    site = load_site(EXAMPLE_SITE)
    public = {f"{served}earners/{earner.slug}/" for earner in site.listed_earners}
    assert len(public) > 2 * PAGE_SIZE  # the earner index runs to several pages
    assert public <= set(results)
    assert {f"{served}badges/{slug}/" for slug in site.badges} <= set(results)
    index_pages = {
        url
        for url in results
        if urlsplit(url).path.startswith(urlsplit(served).path + "earners/page/")
    }
    assert len(index_pages) == -(-len(public) // PAGE_SIZE) - 1
    holder_pages = [url for url in results if "/earners/page/" in url and "/badges/" in url]
    assert holder_pages and all(results[url][0] == 200 for url in holder_pages)
    sitemap = _fetch(served + "sitemap.xml")[2].decode()
    for url in index_pages | set(holder_pages):
        assert f"<loc>{url}</loc>" in sitemap


def test_netlify_settings_match_the_headers_file(tmp_path: Path) -> None:
    settings = tomllib.loads((REPO / "netlify.toml").read_text())
    assert settings["build"]["publish"] == "output"
    assert "badgesite build" in settings["build"]["command"]
    assert '--base-url "$DEPLOY_PRIME_URL"' in settings["context"]["deploy-preview"]["command"]
    build(EXAMPLE_SITE, tmp_path / "output", now=FIXED_NOW)
    from_file: dict[str, dict[str, str]] = {}
    current = ""
    for line in (tmp_path / "output/_headers").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("/"):
            current = line.strip()
            from_file[current] = {}
        else:
            name, value = line.strip().split(": ", 1)
            from_file[current][name] = value
    from_toml = {rule["for"]: rule["values"] for rule in settings["headers"]}
    assert from_file == from_toml
    assert from_toml["/assertions/*"]["Access-Control-Allow-Origin"] == "*"


def test_headers_file_carries_the_base_path(tmp_path: Path) -> None:
    build(EXAMPLE_SITE, tmp_path / "output", base_url="https://o.github.io/repo/", now=FIXED_NOW)
    text = (tmp_path / "output/_headers").read_text()
    assert "\n/repo/assertions/*\n" in text and "\n/assertions/*\n" not in text
    assert (tmp_path / "output/.nojekyll").exists()
