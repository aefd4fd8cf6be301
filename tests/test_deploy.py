"""Deploying: a crawl of the served site proves every link, asset and JSON id works, under a
subpath and at the root, and that links reach every public earner through the listings'
pages; the Netlify settings and the _headers file say the same thing."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import yaml

from badgesite.build import build, load_site
from badgesite.cache.store import DEFAULT_ROOT
from helpers import EXAMPLE_SITE, FIXED_NOW, REPO

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


def test_netlify_settings_leave_the_headers_to_the_headers_file() -> None:
    """The header rules live in one place, the `_headers` file each build writes (Netlify
    applies it): neither netlify.toml repeats them."""
    settings = tomllib.loads((REPO / "netlify.toml").read_text())
    assert settings["build"]["publish"] == "output"
    assert "badgesite build" in settings["build"]["command"]
    assert '--base-url "$DEPLOY_PRIME_URL"' in settings["context"]["deploy-preview"]["command"]
    template = REPO / "generator/badgesite/authoring/site_template/netlify.toml"
    for path in (REPO / "netlify.toml", template):
        assert "headers" not in tomllib.loads(path.read_text()), path


def test_the_example_sites_netlify_builds_keep_the_cache_folder() -> None:
    """Netlify restores .cache/badgesite/ before each build and saves it after: a deploy
    makes only the images, cards, QR codes and credentials that are new."""
    settings = tomllib.loads((REPO / "netlify.toml").read_text())
    assert settings["plugins"] == [
        {"package": "netlify-plugin-cache", "inputs": {"paths": [str(DEFAULT_ROOT)]}}
    ]


def netlify_rules(output: Path) -> list[tuple[re.Pattern[str], dict[str, str]]]:
    """The `_headers` rules as Netlify matches them: each path pattern against the request
    path from the root of the published folder, `*` matching anything (slashes too) and
    `:name` one path segment; every matching rule applies."""
    rules: list[tuple[re.Pattern[str], dict[str, str]]] = []
    for line in (output / "_headers").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("/"):
            parts = re.split(r"(\*|:[a-z]+)", line.strip())
            pattern = "".join(
                ".*" if part == "*" else "[^/]+" if part.startswith(":") else re.escape(part)
                for part in parts
            )
            rules.append((re.compile(pattern + r"\Z"), {}))
        else:
            name, value = line.strip().split(": ", 1)
            rules[-1][1][name] = value
    return rules


class _NetlifyHandler(SimpleHTTPRequestHandler):
    """Serves the published folder at the root of its address with the `_headers` rules."""

    rules: tuple[tuple[re.Pattern[str], dict[str, str]], ...] = ()

    def end_headers(self) -> None:
        for pattern, values in self.rules:
            if pattern.match(urlsplit(self.path).path):
                for name, value in values.items():
                    self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize(
    "base_url",
    ["https://badges.example.org/acme/training/", "https://acme.netlify.app/"],
    ids=["custom-domain-with-a-path", "netlify-address"],
)
def test_headers_file_paths_match_where_netlify_serves_the_folder(
    tmp_path: Path, base_url: str
) -> None:
    # Netlify serves the published folder at the root of its own address (NAME.netlify.app,
    # a deploy preview, or the site a custom domain's /acme/training/ is proxied to) and
    # reads `_headers` at that folder's root: the rules must match the folder's own paths,
    # whatever the path in base_url.
    output = tmp_path / "output"
    build(EXAMPLE_SITE, output, base_url=base_url, now=FIXED_NOW)
    paths = [line for line in (output / "_headers").read_text().splitlines() if line[:1] == "/"]
    assert "/assertions/*" in paths
    assert not [path for path in paths if path.startswith("/acme")]
    handler = type("Handler", (_NetlifyHandler,), {"rules": tuple(netlify_rules(output))})
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(output))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        root = f"http://127.0.0.1:{server.server_port}/"
        assertion = next((output / "assertions").glob("*.json")).name
        badge_image = next((output / "badges").glob("*.svg")).name
        for path, header, expected in [
            (f"assertions/{assertion}", "Access-Control-Allow-Origin", "*"),
            (f"assertions/{assertion}", "Content-Type", "application/ld+json; charset=utf-8"),
            (f"assertions/{assertion}", "Cache-Control", "public, max-age=0, must-revalidate"),
            ("issuers/", "Access-Control-Allow-Origin", "*"),
            (f"badges/{badge_image}", "Content-Security-Policy", "default-src 'none'; "
             "style-src 'unsafe-inline'"),
            ("", "X-Content-Type-Options", "nosniff"),
        ]:  # fmt: skip
            with urllib.request.urlopen(root + path, timeout=10) as response:
                assert expected in response.headers.get_all(header, []), (path, header)
    finally:
        server.shutdown()
        server.server_close()
    assert (output / ".nojekyll").exists()


def test_the_release_workflow_builds_checks_and_publishes_with_trusted_publishing() -> None:
    workflow = yaml.safe_load((REPO / ".github/workflows/release.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["release"] == {"types": ["published"]}
    assert workflow["permissions"] == {"contents": "read"}
    build_job, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    runs = [step.get("run", "") for step in build_job["steps"]]
    assert "python -m build" in runs
    assert "python -m twine check --strict dist/*" in runs
    assert any("badgesite new" in run and "CI=true" in run for run in runs)
    uploaded = next(s for s in build_job["steps"] if "upload-artifact" in s.get("uses", ""))
    assert uploaded["with"]["path"] == "dist/"
    # Only the publishing job may mint the OIDC token PyPI trusts, and only for a release.
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["needs"] == "build"
    assert publish["if"] == "github.event_name == 'release'"
    assert publish["environment"]["name"] == "pypi"
    assert publish["steps"][-1] == {"uses": "pypa/gh-action-pypi-publish@release/v1"}
    assert "with" not in publish["steps"][-1]  # no password: trusted publishing


def test_the_package_metadata_is_complete_and_the_version_has_one_source() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    metadata = project["project"]
    assert metadata["readme"] == {"file": "README.md", "content-type": "text/markdown"}
    assert {"Homepage", "Source", "Changelog", "Documentation"} <= set(metadata["urls"])
    assert "Programming Language :: Python :: 3.10" in metadata["classifiers"]
    assert metadata["dynamic"] == ["version"] and "version" not in metadata
    hatch = project["tool"]["hatch"]
    assert hatch["version"]["path"] == "generator/badgesite/__init__.py"
    sdist = hatch["build"]["targets"]["sdist"]["include"]
    assert {"/generator/badgesite", "/themes"} <= set(sdist)  # what the wheel is built from


# Wheels of badgesite's dependencies (and of its build backend) for the fresh-environment
# tests, filled by scripts/fill-wheel-cache (scripts/test runs it) outside the repository,
# so that these tests install with no package index at all.
WHEEL_CACHE = Path(
    os.environ.get("BADGESITE_WHEEL_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "badgesite-tests/wheels"
)
PAGES_BASE_URL = "https://acme.github.io/badges"  # configure-pages' base_url: no final slash


def offline_pip_env(*find_links: Path) -> dict[str, str]:
    """An environment in which pip sees no configuration, no index, only these folders,
    and Python sees no badgesite but the one installed where it runs."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("PIP_") and name not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=" ".join(str(folder) for folder in find_links),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def fill_wheel_cache_for_badgesite() -> None:
    """Fail clearly when WHEEL_CACHE lacks a wheel of badgesite's build backend or of one
    of its dependencies (the tests never reach an index themselves)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    requirements = project["build-system"]["requires"] + project["project"]["dependencies"]
    download = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:"]
    download += ["--dest", str(WHEEL_CACHE), *requirements]
    offline = subprocess.run(download, env=offline_pip_env(WHEEL_CACHE), capture_output=True)
    if offline.returncode != 0:
        pytest.fail(f"{WHEEL_CACHE} lacks wheels: run scripts/fill-wheel-cache (scripts/test does)")


def run_step(command: str, cwd: Path, venv: Path, **env: str) -> subprocess.CompletedProcess:
    """A generated deploy step, as the host's shell runs it, with the venv's programs first."""
    environment = offline_pip_env(WHEEL_CACHE, venv.parent / "dist")
    environment.update(env, PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=environment, capture_output=True, text=True
    )


def assertion_ids(output: Path) -> list[str]:
    return [json.loads(path.read_text())["id"] for path in (output / "assertions").glob("*.json")]


@pytest.mark.slow
def test_a_new_sites_install_step_builds_it_in_a_fresh_virtual_environment(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from badgesite.cli import main

    fill_wheel_cache_for_badgesite()
    # badgesite as PyPI would serve it: the sdist, and the wheel built from that sdist.
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)],
        env=offline_pip_env(WHEEL_CACHE), check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = dist.glob("badgesite-*.whl")
    (sdist,) = dist.glob("badgesite-*.tar.gz")
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with zipfile.ZipFile(wheel) as archive:
        assert any(name.startswith("badgesite/themes/default/") for name in archive.namelist())
    site = tmp_path / "site"
    made = CliRunner().invoke(main, ["new", str(site), "--base-url", PAGES_BASE_URL + "/"])
    assert made.exit_code == 0, made.output
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)

    # GitHub Pages: the workflow's own steps, configure-pages' output filled in.
    steps = yaml.safe_load((site / ".github/workflows/pages.yml").read_text())["jobs"]["build"]
    install, build_step = (step["run"] for step in steps["steps"] if "run" in step)
    installed = run_step(install, site, venv)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    where = run_step("python -c 'import badgesite; print(badgesite.__file__)'", site, venv)
    assert where.stdout.startswith(str(venv)), where.stdout
    command = build_step.replace("${{ steps.pages.outputs.base_url }}", PAGES_BASE_URL)
    deployed = run_step(command, site, venv, CI="true")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert (site / "output/index.html").is_file()
    (award_id,) = assertion_ids(site / "output")
    assert award_id.startswith(PAGES_BASE_URL + "/assertions/")

    # Netlify: production, then a branch deploy at its own address.
    netlify = tomllib.loads((site / "netlify.toml").read_text())
    production = run_step(netlify["build"]["command"], site, venv, CI="true")
    assert production.returncode == 0, production.stdout + production.stderr
    branch = "https://feature--acme.netlify.app"
    preview = run_step(
        netlify["context"]["branch-deploy"]["command"], site, venv,
        CI="true", DEPLOY_PRIME_URL=branch,
    )  # fmt: skip
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert [url.split("/assertions/")[0] for url in assertion_ids(site / "output")] == [branch]

    # The badgesite installed from an index names itself by version, with no warning.
    again = run_step("badgesite new second", tmp_path, venv)
    assert again.returncode == 0 and again.stderr == "", again.stderr
    assert (
        f"badgesite=={wheel.name.split('-')[1]}"
        in (tmp_path / "second/requirements.txt").read_text()
    )


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def git_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """This repository's HEAD served by `git daemon` on 127.0.0.1: (its URL, the commit)."""
    served = tmp_path / "git"
    subprocess.run(
        ["git", "clone", "--bare", "--quiet", str(REPO), str(served / "badgesite.git")],
        check=True, timeout=120,
    )  # fmt: skip
    commit = subprocess.run(
        ["git", "-C", str(served / "badgesite.git"), "rev-parse", "HEAD"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    port = free_loopback_port()
    daemon = subprocess.Popen(
        ["git", "daemon", "--reuseaddr", "--export-all", f"--base-path={served}",
         "--listen=127.0.0.1", f"--port={port}", str(served)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "git daemon did not start"
                time.sleep(0.1)
        yield f"git://127.0.0.1:{port}/badgesite.git", commit
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


@pytest.mark.slow
def test_a_site_made_by_a_badgesite_installed_from_git_installs_that_commit(
    tmp_path: Path, git_server: tuple[str, str]
) -> None:
    url, commit = git_server
    fill_wheel_cache_for_badgesite()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    installed = run_step(f"pip install --quiet 'git+{url}@{commit}'", tmp_path, venv)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    made = run_step("badgesite new site --base-url https://acme.github.io/badges/", tmp_path, venv)
    assert made.returncode == 0 and made.stderr == "", made.stderr
    site = tmp_path / "site"
    lines = (site / "requirements.txt").read_text().splitlines()
    assert lines[-1] == f"badgesite @ git+{url}@{commit}"  # what pip recorded, to the commit
    # The deploy's install step gets exactly that commit again, and the site builds.
    again = run_step(
        "pip install --quiet --force-reinstall --no-deps -r requirements.txt", site, venv
    )
    assert again.returncode == 0, again.stdout + again.stderr
    netlify = tomllib.loads((site / "netlify.toml").read_text())
    deployed = run_step(netlify["build"]["command"], site, venv, CI="true")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert (site / "output/index.html").is_file()
