"""`badgesite import` takes the genuine badges the reference validator accepts (issue 13).

The same corpus cases test_verify_agreement.py judges against the validator: an issuer that
moved (301), an embedded issuer without id, Open Badges 0.5 and 1.0 hosted, a 16 px image;
revoked ones are refused saying so and why; `--unverified` keeps a copy whose host no longer
answers, marked with when and why. The fetcher's redirect rules are here too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from badgesite.build import build
from badgesite.cli import main
from badgesite.openbadges.bake import bake
from badgesite.openbadges.fetch import Fetcher, FetchProblem, Gone
from helpers import FIXED_NOW
from loopback import TLS_CERTIFICATE, Served, loopback_fetcher, serve_corpus, serve_tls

LOCAL = "--allow-private-hosts"
EMAIL = "ada@learner.example"


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Served]:
    with serve_corpus(tmp_path / "www") as served:
        yield served


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def imported(site: Path, source: str, *extra: str) -> dict:
    result = run("import", source, "--earner", "ada", "--site", str(site), LOCAL, *extra)
    assert result.exit_code == 0, result.output
    return json.loads(Path(result.output.rsplit(" into ", 1)[1].strip()).read_text())


@pytest.mark.parametrize(
    ("path", "version"),
    [
        ("assertions/moved-renamed.json", "2.0"),
        ("assertions/moved-kept-id.json", "2.0"),
        ("assertions/embedded-issuer-no-id.json", "2.0"),
        ("assertions/hosted-0-5.json", "0.5"),
        ("v1/assertion-1.0.json", "1.0"),
        ("assertions/small-image.json", "2.0"),
    ],
)
def test_genuine_badges_the_validator_accepts_are_imported(
    site: Path, corpus: Served, path: str, version: str, tmp_path: Path
) -> None:
    snapshot = imported(site, corpus.base + path, "--email", EMAIL)
    assert snapshot["status"] == "valid", snapshot["problems"]
    assert snapshot["recipient"]["result"] == "matched"
    image = site / "content/imported" / snapshot["image"]["file"]
    assert image.is_file()
    # The site builds with it, and its page shows it verified, its image at display size.
    output = tmp_path / "output"
    build(site, output, now=FIXED_NOW)
    key = Path(snapshot["image"]["file"]).parent.name
    page = (output / f"earners/ada/imported/{key}/index.html").read_text()
    assert f"Open Badges {version}" in page and 'status--valid"' in page
    assert 'width="160" height="160"' in page


def test_a_moved_assertion_is_kept_at_the_place_its_id_names(site: Path, corpus: Served):
    snapshot = imported(site, corpus.base + "assertions/moved-renamed.json", "--email", EMAIL)
    assert snapshot["assertion"]["url"] == corpus.base + "moved/renamed.json"
    assert snapshot["source"] == corpus.base + "assertions/moved-renamed.json"


def test_our_own_badges_still_need_64_pixels(site: Path, corpus: Served) -> None:
    (site / "content/images/tiny.png").write_bytes((corpus.root / "images/small.png").read_bytes())
    badge = site / "content/badges/certified-maker.yaml"
    badge.write_text(badge.read_text().replace("image: images/maker.png", "image: images/tiny.png"))
    result = run("check", "--site", str(site))
    assert result.exit_code == 1
    assert "is 16x16; images need at least 64x64 pixels" in result.output


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("assertions/revoked-gone.json", "revocationReason: Awarded by mistake"),
        ("assertions/revoked-gone-empty.json", "no revocationReason given"),
        ("assertions/revoked-flag.json", "revocationReason: Exam irregularity"),
        ("assertions/revoked-by-list.json", "revocationReason: Issued in error"),
    ],
)
def test_a_revoked_badge_is_refused_saying_revoked_and_why(
    site: Path, corpus: Served, path: str, reason: str
) -> None:
    for extra in ((), ("--unverified",)):  # revoked is never kept
        result = run(
            "import", corpus.base + path, "--earner", "ada", "--site", str(site), LOCAL, *extra
        )
        assert result.exit_code == 1
        assert "error: not imported: revoked" in result.output and reason in result.output
    assert not (site / "content/imported").exists()


def test_a_baked_image_of_a_revoked_assertion_is_refused_saying_so(
    site: Path, corpus: Served, tmp_path: Path
) -> None:
    baked = tmp_path / "revoked.png"
    png = (corpus.root / "images/cloud-ops.png").read_bytes()
    baked.write_bytes(bake(png, corpus.base + "assertions/revoked-gone.json"))
    result = run("import", str(baked), "--earner", "ada", "--site", str(site), LOCAL)
    assert result.exit_code == 1
    assert "410 Gone" in result.output and "Awarded by mistake" in result.output
    verified = run("verify", str(baked), LOCAL)
    assert verified.exit_code == 1 and verified.output.startswith("INVALID (revoked)")


def _baked_copy(corpus: Served, tmp_path: Path) -> Path:
    """What the Mozilla Backpack left an earner: a PNG with the whole assertion in it."""
    document = json.loads((corpus.root / "assertions/embedded.json").read_text())
    document["id"] = "http://127.0.0.1:9/assertions/gone-host.json"  # nothing answers there
    baked = tmp_path / "backpack.png"
    png = (corpus.root / "images/cloud-ops.png").read_bytes()
    baked.write_bytes(bake(png, json.dumps(document)))
    return baked


def test_unverified_keeps_a_copy_whose_host_no_longer_answers(
    site: Path, corpus: Served, tmp_path: Path
) -> None:
    baked = _baked_copy(corpus, tmp_path)
    refused = run("import", str(baked), "--earner", "ada", "--site", str(site), LOCAL)
    assert refused.exit_code == 1
    assert "use --unverified to keep the copy you have" in refused.output
    snapshot = imported(site, str(baked), "--unverified", "--email", EMAIL)
    assert snapshot["status"] == "unverified"
    assert snapshot["unchecked"]["at"].endswith("Z")
    assert "127.0.0.1:9" in snapshot["unchecked"]["why"]
    assert snapshot["assertion"]["url"] == ""
    output = tmp_path / "output"
    build(site, output, now=FIXED_NOW)
    page = next((output / "earners/ada/imported").glob("*/index.html")).read_text()
    assert "Not checked with its issuer" in page and "127.0.0.1:9" in page
    assert ">Verified<" not in page and "status--unchecked" in page
    profile = (output / "earners/ada/index.html").read_text()
    assert "pill--unchecked" in profile and "Not checked with its issuer" in profile
    # A refresh tries its host again, and keeps saying when and why it could not.
    result = run("import", "--refresh", "--site", str(site), LOCAL)
    assert result.exit_code == 0, result.output
    assert "unverified (" in result.output


def test_unverified_cannot_keep_a_url_that_does_not_answer(site: Path) -> None:
    url = "http://127.0.0.1:9/assertions/x.json"
    result = run("import", url, "--earner", "ada", "--site", str(site), LOCAL, "--unverified")
    assert result.exit_code == 1 and "leaves nothing to keep" in result.output


def test_a_410_gone_carries_what_the_issuer_answered(corpus: Served) -> None:
    with pytest.raises(Gone) as gone:
        loopback_fetcher().fetch_json(corpus.base + "assertions/revoked-gone.json")
    assert gone.value.body["revocationReason"] == "Awarded by mistake"


def test_a_redirect_from_https_to_plain_http_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS_CERTIFICATE))
    fetcher = Fetcher(allow_private_hosts=True, resolve=lambda host, port: ("127.0.0.1",))
    refused = pytest.raises(FetchProblem, match=r"from https to plain http.*stricter than")
    with serve_tls() as port, refused:
        fetcher.fetch_json(f"https://badges.test:{port}/to-plain-http")
