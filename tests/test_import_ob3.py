"""`badgesite import` of Open Badges 3.0 credentials: read as `verify` reads them (JSON,
VC-JWT, baked PNG or SVG, a URL over HTTPS), verified, their recipient checked, kept whole in
the snapshot and verified again by `--refresh`; refused when they fail; shown on the
earner's profile and the imported page with the standard that verified them.

The web is test_verify_ob3's: a golden build at badges.harbour-lab.example (here with two
awards to a known address) and an independent issuer at issuer.test, over HTTPS on
127.0.0.1 with a test certificate authority.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from badgesite.build import build
from badgesite.cli import main
from badgesite.importing.snapshot import refresh_all
from badgesite.openbadges import data_integrity, fetch, ob3, status_list
from badgesite.openbadges.bake import unbake, unbake_credential
from badgesite.openbadges.fetch import Fetcher
from badgesite.openbadges.hashing import hash_identity
from badgesite.primitives.png_chunks import strip_png_metadata
from helpers import FIXED_NOW, GOLDEN_SITE, REPO, install_golden_key, write
from test_import import runs_nothing_imported
from test_verify_ob3 import (
    CREATED,
    GOLDEN_BASE,
    ISSUER,
    ISSUER_DID,
    OURS,
    REVOKED_GOLDEN,
    Web,
    _jwt,
    _method,
    _ours,
    _resolver,
    _unsigned,
    serve_web,
)

EMAIL = "ada@learner.example"  # the golden copy's two new awards are issued to it
SAMPLE_EMAIL = "ada@example.com"  # test_ob3_standard's sample credential's recipient
SOLDERING = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"  # an SVG badge
MAKER = "1e2f3a4b-5c6d-4e7f-8091-a2b3c4d5e6f7"  # a PNG badge
IMAGE_URL = f"{ISSUER}images/badge.png"
EPOCH = {"SOURCE_DATE_EPOCH": str(int(FIXED_NOW.timestamp())), "CI": ""}


def _with_image(document: dict[str, Any], image: str = IMAGE_URL) -> dict[str, Any]:
    document["credentialSubject"]["achievement"]["image"] = {"id": image, "type": "Image"}
    return document


def _signed(document: dict[str, Any]) -> dict[str, Any]:
    """`document` signed by issuer.test's key, as badgesite's library signs (again)."""
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    return data_integrity.sign(unsigned, OURS, _method(ISSUER_DID, OURS), CREATED)


def _ours_pictured(**changes: Any) -> dict[str, Any]:
    """test_verify_ob3's credential of issuer.test, with an image served there."""
    return _signed(_with_image(_ours(**changes)))


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    tmp = tmp_path_factory.mktemp("import-ob3")
    golden = tmp / "golden-site"
    shutil.copytree(GOLDEN_SITE, golden, ignore=shutil.ignore_patterns(".cache", ".badgesite"))
    install_golden_key(golden)
    awards = "".join(
        f"- id: {award_id}\n  badge: {badge}\n  earner: ada\n  recipient:\n"
        f"    identity: {hash_identity(EMAIL, salt)}\n    salt: {salt}\n  issued_on: 2025-02-03\n"
        for award_id, badge, salt in (
            (SOLDERING, "soldering", "a1b2"),
            (MAKER, "certified-maker", "c3d4"),
        )
    )
    write(golden, "content/awards/imports.yaml", awards)
    node_import = _with_image(_unsigned(id=f"{ISSUER}credentials/node-import.json", status=None))
    with serve_web(tmp, golden, frozen=False, also_sign={"import": node_import}) as served:
        image = served.issuer / "images/badge.png"
        image.parent.mkdir(parents=True)
        shutil.copy(GOLDEN_SITE / "content/images/maker.png", image)
        served.put("credentials/node-import.json", served.node["import"]["signed"])
        yield served


@pytest.fixture
def cli(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands' Fetcher, made to resolve the test hosts and trust the test CA."""
    monkeypatch.setattr(
        fetch,
        "Fetcher",
        functools.partial(Fetcher, resolve=_resolver, ssl_context=web.fetcher.ssl_context),
    )


def run(site: Path, *args: str) -> Result:
    arguments = ["import", *args, "--site", str(site), "--allow-private-hosts"]
    return CliRunner().invoke(main, arguments, env=EPOCH)


def imported(site: Path, source: str | Path, *options: str, email: str = EMAIL) -> dict:
    result = run(site, str(source), "--earner", "ada", "--email", email, *options)
    assert result.exit_code == 0, result.output
    assert "(Open Badges 3.0, " in result.output
    return json.loads(Path(result.output.rsplit(" into ", 1)[1].strip()).read_text())


def refused(site: Path, source: str | Path, *options: str, email: str = EMAIL) -> str:
    result = run(site, str(source), "--earner", "ada", "--email", email, *options)
    assert result.exit_code == 1, result.output
    folder = site / "content/imported"
    assert not folder.exists() or list(folder.iterdir()) == []
    assert result.output.count("\n") == 1 and result.output.startswith("error: not imported: ")
    return result.output


def _content_text(site: Path) -> str:
    return "\n".join(
        path.read_bytes().decode("utf-8", "replace")
        for path in sorted((site / "content").rglob("*"))
        if path.is_file()
    )


# Imported


def test_a_credential_badgesite_publishes_imports_by_url(web: Web, site: Path, cli) -> None:
    url = f"{GOLDEN_BASE}assertions/{SOLDERING}/credential.json"
    snapshot = imported(site, url)
    assert snapshot["standard"] == "Open Badges 3.0"
    assert snapshot["status"] == "valid" and snapshot["problems"] == []
    assert snapshot["recipient"]["result"] == "matched"
    assert snapshot["recipient"]["type"] == "email" and snapshot["recipient"]["hash"] == "sha256"
    assert snapshot["verified"] == "2026-11-01T12:00:00Z"
    credential = snapshot["credential"]
    published = json.loads((web.golden / f"assertions/{SOLDERING}/credential.json").read_text())
    assert credential["json"] == published and credential["complete"] is True
    assert credential["format"] == "json" and credential["url"] == url and credential["jwt"] is None
    assert credential["proof"] == "eddsa-rdfc-2022"
    assert credential["verificationMethod"].startswith(
        "did:web:badges.harbour-lab.example:pages:issuers:harbour-lab#z6Mk"
    )
    assert "assertion" not in snapshot
    assert snapshot["image"]["url"] == published["credentialSubject"]["achievement"]["image"]["id"]
    assert snapshot["image"]["file"].endswith("/badge.svg")
    assert EMAIL not in _content_text(site)


def test_baked_png_and_svg_import_their_picture_only(web: Web, site: Path, cli) -> None:
    keys = set()
    for award_id, kind in ((MAKER, "png"), (SOLDERING, "svg")):
        baked = web.golden / f"assertions/{award_id}.{kind}"
        snapshot = imported(site, baked)
        assert snapshot["credential"]["format"] == kind and snapshot["status"] == "valid"
        assert snapshot["source"] == str(baked) and snapshot["image"]["url"] == ""
        picture = (site / "content/imported" / snapshot["image"]["file"]).read_bytes()
        assert picture.startswith(b"\x89PNG" if kind == "png" else b"<svg")
        # Neither the credential nor the 2.0 assertion URL is kept in the picture.
        assert unbake_credential(picture) is None and unbake(picture) is None
        keys.add(snapshot["image"]["file"].split("/")[0])
    # The same credential by URL is the same snapshot, whatever it came in.
    imported(site, f"{GOLDEN_BASE}assertions/{SOLDERING}/credential.json")
    assert len(list((site / "content/imported").glob("*.json"))) == 2 == len(keys)


def test_a_credential_an_independent_signer_signed_imports_by_url(
    web: Web, site: Path, cli
) -> None:
    url = f"{ISSUER}credentials/node-import.json"
    snapshot = imported(site, url, email=SAMPLE_EMAIL)
    assert snapshot["credential"]["json"] == web.node["import"]["signed"]
    assert snapshot["credential"]["verificationMethod"] == web.node["import"]["verificationMethod"]
    assert snapshot["image"]["url"] == IMAGE_URL
    image = site / "content/imported" / snapshot["image"]["file"]
    assert image.read_bytes().startswith(b"\x89PNG")


def test_a_vc_jwt_imports_and_keeps_its_compact_form(web: Web, site: Path, cli, tmp_path) -> None:
    picture = (GOLDEN_SITE / "content/images/maker.png").read_bytes()
    data_uri = "data:image/png;base64," + base64.b64encode(picture).decode("ascii")
    credential = _with_image(_unsigned(id=f"{ISSUER}credentials/jwt.json", status=None), data_uri)
    payload = {**credential, "iss": ISSUER_DID, "jti": credential["id"], "nbf": 1767323045}
    token = _jwt(payload, "EdDSA", f"{ISSUER_DID}#ed")
    path = tmp_path / "badge.jwt"
    path.write_text(token)
    snapshot = imported(site, path, email=SAMPLE_EMAIL)
    assert snapshot["credential"]["jwt"] == token and snapshot["credential"]["format"] == "jwt"
    assert snapshot["credential"]["proof"] == "VC-JWT EdDSA"
    assert snapshot["image"]["url"] == ""  # a data: URI
    kept = (site / "content/imported" / snapshot["image"]["file"]).read_bytes()
    assert kept == strip_png_metadata(picture)


def test_a_plain_text_recipient_is_never_kept(web: Web, site: Path, cli, tmp_path) -> None:
    document = _with_image(_unsigned(id=f"{ISSUER}credentials/plain.json", status=None))
    document["credentialSubject"]["identifier"] = [
        {
            "type": "IdentityObject",
            "hashed": False,
            "identityHash": SAMPLE_EMAIL,
            "identityType": "emailAddress",
        }
    ]
    path = tmp_path / "plain.json"
    path.write_text(
        json.dumps(data_integrity.sign(document, OURS, _method(ISSUER_DID, OURS), CREATED))
    )
    snapshot = imported(site, path, email=SAMPLE_EMAIL)
    assert snapshot["status"] == "valid" and snapshot["recipient"]["hash"] == "plain"
    assert snapshot["credential"]["complete"] is False
    assert SAMPLE_EMAIL not in _content_text(site)
    result = run(site, "--refresh")
    assert (
        "valid (not verified again: it was kept without its plain-text recipient" in result.output
    )


# Refused


def _tampered(web: Web, tmp_path: Path) -> Path:
    document = json.loads((web.golden / f"assertions/{SOLDERING}/credential.json").read_text())
    document["credentialSubject"]["achievement"]["name"] = "Something else"
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(document))
    return path


def _signed_file(tmp_path: Path, name: str, document: dict[str, Any]) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(document))
    return path


def test_failing_credentials_are_refused_saying_why(web: Web, site: Path, cli, tmp_path) -> None:
    message = refused(site, _tampered(web, tmp_path))
    assert "it does not verify as Open Badges 3.0 (" in message
    assert "changed after signing" in message and "use --unverified to keep it" in message
    message = refused(site, f"{GOLDEN_BASE}assertions/{REVOKED_GOLDEN[0]}/credential.json")
    assert message.startswith("error: not imported: revoked by its issuer (bit ")
    expired = _ours_pictured(name="expired", valid_until="2026-06-01T00:00:00Z", status=None)
    message = refused(site, _signed_file(tmp_path, "expired", expired), email=SAMPLE_EMAIL)
    assert "the credential expired on 2026-06-01T00:00:00Z; use --unverified" in message
    extra = _ours_pictured(name="extra", status=None)
    extra["@context"].append(f"{ISSUER}contexts/extra.json")
    message = refused(site, _signed_file(tmp_path, "extra", extra), email=SAMPLE_EMAIL)
    assert "https://issuer.test/contexts/extra.json is not one of the pinned contexts" in message


def test_a_credential_issued_to_someone_else_is_refused(web: Web, site: Path, cli) -> None:
    url = f"{ISSUER}credentials/node-import.json"
    message = refused(site, url, email="bob@example.com")
    assert "issued to someone else: none of the given addresses matches the recipient" in message
    assert 'or use --unverified to keep it, labelled "recipient not confirmed"' in message
    assert "'ada@example.com' would match" in refused(site, url, email="Ada@Example.com")
    result = run(site, url, "--earner", "ada")
    assert result.exit_code == 1 and "give the earner's address with --email" in result.output
    # Kept with --unverified, never shown as verified.
    snapshot = imported(site, url, "--unverified", email="bob@example.com")
    assert snapshot["status"] == "valid" and snapshot["recipient"]["result"] == "not matched"


def test_unverified_keeps_a_tampered_credential_labelled(web: Web, site: Path, cli, tmp_path):
    snapshot = imported(site, _tampered(web, tmp_path), "--unverified")
    assert snapshot["status"] == "unverified"
    assert any("changed after signing" in problem for problem in snapshot["problems"])


# Refreshed


def test_refresh_verifies_the_kept_credential_again(web: Web, site: Path, cli, tmp_path) -> None:
    list_url = f"{ISSUER}status/refresh.json"

    def publish_list(revoked: set[int]) -> None:
        unsigned = status_list.status_list_credential(
            list_url, ISSUER_DID, CREATED, status_list.encode_bitstring(revoked)
        )
        web.put(
            "status/refresh.json",
            data_integrity.sign(unsigned, OURS, _method(ISSUER_DID, OURS), CREATED),
        )

    publish_list(set())
    credential = _ours_pictured(name="refresh", status=ob3.StatusEntry(list_url, 3))
    source = _signed_file(tmp_path, "refresh", credential)
    snapshot = imported(site, source, email=SAMPLE_EMAIL)
    source.unlink()  # the snapshot keeps the credential: nothing needs its source again
    fetcher = web.fetcher
    results = refresh_all(site, fetcher, now=FIXED_NOW)
    assert [(r.before, r.after, r.detail) for r in results] == [("valid", "valid", "verified")]
    later = dt.datetime(2031, 1, 1, tzinfo=dt.timezone.utc)
    results = refresh_all(site, fetcher, now=later)
    assert [(r.after, r.detail) for r in results] == [
        ("expired", "the credential expired on 2030-01-01T00:00:00Z")
    ]
    publish_list({3})
    result = run(site, "--refresh")
    assert result.exit_code == 0, result.output
    assert (
        f"expired -> revoked (revoked by its issuer (bit 3 of {list_url} is set))" in result.output
    )
    path = next((site / "content/imported").glob("*.json"))
    refreshed = json.loads(path.read_text())
    assert refreshed["status"] == "revoked" and refreshed["credential"] == snapshot["credential"]
    assert refreshed["recipient"] == snapshot["recipient"]


# Shown


def test_the_profile_and_page_say_which_standard_verified_it(
    web: Web, site: Path, cli, tmp_path
) -> None:
    ob3_snapshot = imported(site, f"{GOLDEN_BASE}assertions/{SOLDERING}/credential.json")
    hostile = _ours_pictured(name="hostile", status=None)
    achievement = hostile["credentialSubject"]["achievement"]
    achievement["name"] = '<script>alert("name")</script>'
    achievement["description"] = "[click](javascript:alert(1)) <img src=x onerror=alert(1)>"
    hostile = _signed(hostile)
    imported(site, _signed_file(tmp_path, "hostile", hostile), email=SAMPLE_EMAIL)
    # An Open Badges 2.0 snapshot beside them, the example site's, given to ada.
    example = next((REPO / "content/imported").glob("*.json"))
    ob2 = json.loads(example.read_text()) | {"earner": "ada"}
    write(site, f"content/imported/{example.name}", json.dumps(ob2, indent=2))
    shutil.copytree(example.with_suffix(""), site / "content/imported" / example.stem)
    output = tmp_path / "output"
    build(site, output, now=FIXED_NOW)
    profile = (output / "earners/ada/index.html").read_text()
    assert profile.count("Verified as Open Badges 3.0 on ") == 2
    assert profile.count("as Open Badges 2.0 on ") == 1
    key = ob3_snapshot["image"]["file"].split("/")[0]
    page = (output / f"earners/ada/imported/{key}/index.html").read_text()
    assert "Verified as Open Badges 3.0 on " in page
    assert "Its issuer&#39;s signed credential verified on " in page
    assert f"<code>{ob3_snapshot['credential']['url']}</code>" in page
    assert f"<code>{ob3_snapshot['credential']['verificationMethod']}</code>" in page
    assert "data-live-check" not in page  # no hosted assertion to check live
    pages = [output / "earners/ada/index.html", *(output / "earners/ada/imported").rglob("*.html")]
    assert len(pages) == 4
    for path in pages:
        html = path.read_text()
        runs_nothing_imported(html)
        assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;" in profile
    # The credentials themselves are never republished.
    for path in output.rglob("*.json"):
        assert "node-import" not in path.read_text() and "hostile" not in path.read_text()


def test_an_ob3_snapshot_without_its_credential_is_a_content_error(
    web: Web, site: Path, cli
) -> None:
    imported(site, f"{GOLDEN_BASE}assertions/{SOLDERING}/credential.json")
    path = next((site / "content/imported").glob("*.json"))
    snapshot = json.loads(path.read_text())
    broken = copy.deepcopy(snapshot)
    broken["credential"]["format"] = "gif"
    broken["credential"]["extra"] = 1
    path.write_text(json.dumps(broken, indent=2))
    result = CliRunner().invoke(main, ["build", "--site", str(site)], env=EPOCH)
    assert result.exit_code == 1
    assert ": credential.format: 'gif' is not one of: json, jwt, png, svg" in result.output
    assert ": credential.extra: unknown field" in result.output
    del snapshot["credential"]
    path.write_text(json.dumps(snapshot, indent=2))
    result = CliRunner().invoke(main, ["build", "--site", str(site)], env=EPOCH)
    assert result.exit_code == 1
    assert ": credential: an Open Badges 3.0 snapshot keeps its credential" in result.output
