"""`badgesite import`: snapshots, refusals, refresh; and imported badges in the built site."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from badgesite.build import build, load_site
from badgesite.cli import main
from helpers import FIXED_NOW, REPO, write
from loopback import Served, serve_corpus


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Served]:
    """A fresh corpus per test: refresh tests change the served documents."""
    with serve_corpus(tmp_path / "www") as served:
        yield served


LOCAL = "--allow-private-hosts"  # the corpus is served on 127.0.0.1
# The corpus's badges are issued to this address (hashed, and once in plain text).
EMAIL = "ada@learner.example"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def import_badge(site: Path, url: str, earner: str = "ada", *extra: str) -> dict:
    arguments = ("import", url, "--earner", earner, "--site", str(site), LOCAL, *extra)
    result = run(*arguments, "--email", EMAIL)
    assert result.exit_code == 0, result.output
    path = Path(result.output.rsplit(" into ", 1)[1].strip())
    return json.loads(path.read_text())


def test_import_saves_a_self_contained_snapshot(site: Path, corpus: Served) -> None:
    url = corpus.base + "assertions/valid-iri.json"
    snapshot = import_badge(site, url)
    served = corpus.root
    assert snapshot["format"] == "badgesite-imported-badge/1"
    assert snapshot["earner"] == "ada" and snapshot["status"] == "valid"
    assert snapshot["retrieved"].endswith("Z") and snapshot["verified"].endswith("Z")
    assert snapshot["assertion"] == {
        "url": url,
        "embedded": False,
        "json": json.loads((served / "assertions/valid-iri.json").read_text()),
    }
    assert snapshot["badge"]["json"] == json.loads((served / "badges/cloud-ops.json").read_text())
    assert snapshot["issuer"]["json"]["name"] == "Harbourview Institute of Technology"
    assert snapshot["revocationList"]["json"]["type"] == "RevocationList"
    image = site / "content/imported" / snapshot["image"]["file"]
    assert image.read_bytes() == (served / "images/cloud-ops.png").read_bytes()
    assert snapshot["image"]["url"] == corpus.base + "images/cloud-ops.png"


@pytest.mark.parametrize(
    "path",
    ["assertions/embedded.json", "assertions/data-uri-image.json", "v1/assertion-1.0.json"],
)
def test_other_shapes_import(site: Path, corpus: Served, path: str) -> None:
    snapshot = import_badge(site, corpus.base + path)
    assert snapshot["status"] == "valid"
    assert (site / "content/imported" / snapshot["image"]["file"]).is_file()


def test_import_from_a_baked_image(site: Path, corpus: Served, tmp_path: Path) -> None:
    url = corpus.base + "assertions/svg-image.json"
    baked = tmp_path / "baked.svg"
    baked.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org" '
        f'width="64" height="64"><openbadges:assertion verify="{url}"/></svg>'
    )
    snapshot = import_badge(site, str(baked))
    assert snapshot["assertion"]["url"] == url and snapshot["source"] == str(baked)
    assert snapshot["image"]["file"].endswith("/badge.svg")


@pytest.mark.parametrize(
    ("path", "earner", "message"),
    [
        ("assertions/valid-iri.json", "nobody", "no earner 'nobody' in content/earners/"),
        ("assertions/revoked-flag.json", "ada", "not imported: revoked by its issuer"),
        ("assertions/revoked-by-list.json", "ada", "revoked: in its issuer's revocation list"),
        ("assertions/wrong-origin.json", "ada", "use --unverified"),
        ("assertions/svg-script.json", "ada", "contains a <script> element"),
        ("assertions/missing.json", "ada", "HTTP 404"),
    ],
)
def test_import_refuses(site: Path, corpus: Served, path: str, earner: str, message: str) -> None:
    arguments = ("import", corpus.base + path, "--earner", earner, "--site", str(site), LOCAL)
    result = run(*arguments, "--email", EMAIL)
    assert result.exit_code == 1
    assert message in result.output
    imported = site / "content/imported"
    assert not imported.exists() or list(imported.iterdir()) == []


@pytest.mark.parametrize("earner", ["../issuers/harbour-lab", "ada/../bo", "Ada", "-ada", "ada\n"])
def test_the_earner_must_be_a_slug(site: Path, corpus: Served, earner: str) -> None:
    assert (site / "content/earners" / f"{earner}.yaml").resolve().parent.is_dir()
    for url in (corpus.base + "assertions/valid-iri.json", "http://169.254.169.254/"):
        # The second source is unreachable: the earner is refused before anything is fetched.
        result = run("import", url, "--earner", earner, "--site", str(site), LOCAL, "--unverified")
        assert result.exit_code == 1
        assert f"error: {earner!r} is not an earner slug" in result.output
    assert not (site / "content/imported").exists()


def test_private_hosts_are_refused_without_the_opt_in(site: Path, corpus: Served) -> None:
    url = corpus.base + "assertions/valid-iri.json"
    result = run("import", url, "--earner", "ada", "--site", str(site))
    assert result.exit_code == 1
    assert f"refusing to fetch {url}: 127.0.0.1 is not a public address" in result.output
    assert "--allow-private-hosts" in result.output
    assert not (site / "content/imported").exists()


def test_non_http_sources_are_refused(site: Path) -> None:
    result = run("import", "file:///etc/passwd", "--earner", "ada", "--site", str(site))
    assert result.exit_code == 1 and "not an http(s) URL" in result.output


def test_unverified_imports_are_marked(site: Path, corpus: Served) -> None:
    snapshot = import_badge(
        site, corpus.base + "assertions/wrong-origin.json", "ada", "--unverified"
    )
    assert snapshot["status"] == "unverified"
    assert "not on the issuer's host" in snapshot["problems"][0]


def test_refresh_reports_what_changed(site: Path, corpus: Served) -> None:
    for name in ("valid-iri", "evidence-string", "evidence-object", "plain-recipient"):
        import_badge(site, corpus.base + f"assertions/{name}.json")
    served = corpus.root / "assertions"
    revoked = json.loads((served / "valid-iri.json").read_text())
    revoked |= {"revoked": True, "revocationReason": "Cheating"}
    (served / "valid-iri.json").write_text(json.dumps(revoked))
    expired = json.loads((served / "evidence-string.json").read_text())
    expired["expires"] = "2025-07-01T00:00:00Z"
    (served / "evidence-string.json").write_text(json.dumps(expired))
    (served / "evidence-object.json").unlink()
    result = run("import", "--refresh", "--site", str(site), LOCAL)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-2] == "Refreshed 4 imported badges; 3 changed."
    assert lines[-1].startswith("Recipients were not checked again")
    changes = sorted(line.split(": ", 1)[1] for line in lines[:-2])
    missing = corpus.base + "assertions/evidence-object.json"
    assert changes == [
        "valid (verified)",
        "valid -> expired (the badge expired on 2025-07-01T00:00:00Z)",
        f"valid -> gone ({missing}: HTTP 404)",
        "valid -> revoked (revoked by its issuer (revocationReason: Cheating))",
    ]
    statuses = sorted(
        json.loads(path.read_text())["status"]
        for path in (site / "content/imported").glob("*.json")
    )
    assert statuses == ["expired", "gone", "revoked", "valid"]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[dict] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.urls += [value or "" for name, value in attrs if name in ("href", "src")]
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        if tag == "script":
            self.scripts.append(values)


def built(site: Path, tmp_path: Path) -> Path:
    output = tmp_path / "output"
    build(site, output, now=FIXED_NOW)
    return output


def test_imported_badges_get_pages_under_their_earner(site: Path, corpus: Served, tmp_path):
    snapshot = import_badge(site, corpus.base + "assertions/valid-iri.json")
    key = Path(snapshot["image"]["file"]).parent.name
    output = built(site, tmp_path)
    page = (output / f"earners/ada/imported/{key}/index.html").read_text()
    assert "Cloud Operations Practitioner" in page
    assert "Harbourview Institute of Technology" in page
    url = corpus.base + "assertions/valid-iri.json"
    assert f'data-verification-url="{url}"' in page and f"<code>{url}</code>" in page
    assert "Last verified on" in page
    assert (output / f"earners/ada/imported/{key}/badge.png").is_file()
    profile = (output / "earners/ada/index.html").read_text()
    assert f'href="../../earners/ada/imported/{key}/"' in profile
    assert "From other issuers" in profile
    sitemap = (output / "sitemap.xml").read_text()
    assert f"earners/ada/imported/{key}/" in sitemap


def test_expiry_is_judged_at_build_time(site: Path, corpus: Served, tmp_path: Path) -> None:
    snapshot = import_badge(site, corpus.base + "assertions/valid-iri.json")
    key = Path(snapshot["image"]["file"]).parent.name
    output = tmp_path / "output"
    build(site, output, now=FIXED_NOW.replace(year=2100))
    page = (output / f"earners/ada/imported/{key}/index.html").read_text()
    assert '<h2 id="status-heading">Expired</h2>' in page
    assert "award--expired" in (output / "earners/ada/index.html").read_text()


def test_the_readme_names_every_script_the_pages_load(site, corpus: Served, tmp_path) -> None:
    import_badge(site, corpus.base + "assertions/valid-iri.json")
    output = built(site, tmp_path)
    loaded = set()
    for page in output.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text())
        loaded |= {
            script["src"].split("static/", 1)[-1] for script in parser.scripts if "src" in script
        }
    readme = " ".join((REPO / "README.md").read_text().split())
    sentence = readme.split("No asset comes from another host", 1)[1].split(". ", 1)[0]
    assert loaded == {
        "badgesite.js",
        "imported.js",
        "verifier/verify.js",
        "verifier/canon.min.js",
    }
    assert all(f"`static/{name}`" in sentence for name in loaded), sentence


def test_foreign_assertions_are_never_republished(site: Path, corpus: Served, tmp_path) -> None:
    import_badge(site, corpus.base + "assertions/valid-iri.json")
    output = built(site, tmp_path)
    for path in output.rglob("*.json"):
        assert corpus.base not in path.read_text(), path
    assert not list((output / "earners").rglob("*.json"))


def test_private_and_unlisted_earners(site: Path, corpus: Served, tmp_path: Path) -> None:
    private = import_badge(site, corpus.base + "assertions/valid-iri.json", "cy")
    unlisted = import_badge(site, corpus.base + "assertions/evidence-string.json", "bo")
    output = built(site, tmp_path)
    private_key = Path(private["image"]["file"]).parent.name
    unlisted_key = Path(unlisted["image"]["file"]).parent.name
    assert not (output / "earners/cy").exists()
    for path in output.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json"):
            assert private_key not in path.read_text(), path
    page = (output / f"earners/bo/imported/{unlisted_key}/index.html").read_text()
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert unlisted_key not in (output / "sitemap.xml").read_text()


def runs_nothing_imported(html: str) -> _Links:
    """The page's links and scripts, checked: no javascript: or data: link, no event
    handler, and only the theme's own scripts or inline JSON-LD data."""
    parser = _Links()
    parser.feed(html)
    assert not [u for u in parser.urls if u.lower().lstrip().startswith(("javascript", "data"))]
    assert parser.handlers == []
    assert all(
        script.get("src", "").endswith(("static/imported.js", "static/badgesite.js"))
        or script.get("type") == "application/ld+json"
        for script in parser.scripts
    )
    return parser


def test_hostile_strings_are_escaped_and_links_are_safe(site, corpus: Served, tmp_path) -> None:
    import_badge(site, corpus.base + "assertions/script-in-name.json")
    import_badge(site, corpus.base + "assertions/hostile-strings.json", "ada", "--unverified")
    output = built(site, tmp_path)
    pages = [output / "earners/ada/index.html", *(output / "earners/ada/imported").rglob("*.html")]
    assert len(pages) == 3
    for page in pages:
        html = page.read_text()
        parser = runs_nothing_imported(html)
        local = ("http", "../", "imported/", "#main", "badge.")
        assert not [url for url in parser.urls if not url.startswith(local)]
        assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;" in html


def test_broken_snapshots_are_content_errors(site: Path, corpus: Served) -> None:
    snapshot = import_badge(site, corpus.base + "assertions/valid-iri.json")
    folder = site / "content/imported"
    good = next(folder.glob("*.json"))
    broken = json.loads(good.read_text()) | {"earner": "adaa", "status": "fine", "extra": 1}
    write(site, "content/imported/broken.json", json.dumps(broken, indent=2))
    shutil.rmtree(folder / Path(snapshot["image"]["file"]).parent)
    write(site, "content/imported/NotASlug.json", "{}")
    write(site, "content/imported/deep.json", "[" * 100 + "]" * 100)
    result = run("build", "--site", str(site))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "content/imported/NotASlug.json: file name 'NotASlug' is not a slug" in lines
    assert any(
        line.startswith("content/imported/deep.json: ") and "nested 100 levels" in line
        for line in lines
    )
    unknown = "no earner 'adaa' in content/earners/ (did you mean 'ada'?)"
    assert f"content/imported/broken.json:3: earner: {unknown}" in lines
    assert any(line.startswith("content/imported/broken.json:7: status: 'fine'") for line in lines)
    assert any(
        line.startswith("content/imported/broken.json:") and ": extra: unknown field" in line
        for line in lines
    )
    image_errors = [line for line in lines if ": image: " in line]
    assert len(image_errors) == 2 and all("does not exist" in line for line in image_errors)
    assert not (site / "output").exists()


def test_the_example_site_shows_imported_badges() -> None:
    site = load_site(REPO)
    imported = site.published_imported
    assert len(imported) >= 2 and all(badge.is_listed for badge in imported)
    assert {badge.assertion.version for badge in imported} >= {"1.0", "2.0"}
    for badge in imported:
        assert badge.assertion.verification_url.startswith("https://")
        assert ".example/" in badge.assertion.verification_url
        assert badge.image is not None and badge.status(FIXED_NOW) == "valid"
