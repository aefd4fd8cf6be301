"""`badgesite verify` and the 1EdTech reference validator agree on the hosted corpus.

Both judge the same served folder: badgesite verify fetches it from the loopback server at
http://127.0.0.1:PORT/, and the validator's offline harness maps that same base URL to the
same folder, both answering the paths of its `_routes.json` alike (301 redirects of an
issuer that moved, 410 Gone of a revoked assertion). Where the verdicts differ by design,
the case is listed in DIFFERENT_BY_DESIGN with the reason, and the test asserts that
difference too, so it stays deliberate. Beside the 2.0 cases: the real-world classes of
issue 13 (a moved issuer, an embedded issuer without id, Open Badges 0.5 and 1.0 hosted,
a badge image under our own 64 px minimum, revoked by 410 and through a baked image).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from badgesite.cli import main
from badgesite.openbadges.bake import bake
from loopback import HOSTED, serve_corpus
from test_conformance import HARNESS, VALIDATOR_PYTHON

# name -> (badgesite's verdict, the validator's verdict, why they differ)
DIFFERENT_BY_DESIGN = {
    "revoked-flag": (False, True, "the validator does not check `revoked` on hosted badges"),
    "revoked-by-list": (False, True, "the validator does not read the issuer's RevocationList"),
    "v1/revoked-1.0": (False, True, "as revoked-by-list, with a 1.0 list of uid and reason"),
    "v1/assertion-1.1": (
        True,
        False,
        "its extension's context is on example.org, which the offline harness cannot reach; "
        "badgesite fetches no extension context",
    ),
    "delegated-allowed": (
        True,
        False,
        "the issuer lives on localhost:PORT, which the offline harness cannot reach; "
        "badgesite fetches it and accepts the origin through allowedOrigins",
    ),
    "delegated-starts-with": (
        True,
        False,
        "as delegated-allowed, with the issuer's startsWith rule",
    ),
}
EXPECTED_VALID = {
    "valid-iri",
    "embedded",
    "plain-recipient",
    "evidence-string",
    "evidence-object",
    "data-uri-image",
    "svg-image",
    "svg-script",  # verify judges an image by its bytes, as the validator does; import refuses it
    "extensions",
    "script-in-name",
    "bad-recipient-type",
    # Issue 13: genuine badges, as the validator accepts them.
    "moved-renamed",  # a 301 to its new place, which its id names: fetched again from there
    "moved-kept-id",  # a 301, its id still the old URL; its badge class moved too
    "embedded-issuer-no-id",
    "hosted-0-5",
    "v1/assertion-1.0",
    "small-image",  # 16 px: verify and import take another issuer's badge as it is
    "baked-valid",  # a URL to a baked PNG, unbaked as the validator does
}
# Revoked: both refuse; badgesite says it is revoked, and why.
REVOKED = {
    "revoked-gone": "revocationReason: Awarded by mistake",
    "revoked-gone-empty": "no revocationReason given",
    "baked-revoked": "revocationReason: Awarded by mistake",
    "revoked-flag": "revocationReason: Exam irregularity",
    "revoked-by-list": "revocationReason: Issued in error",
}
ROUTES = json.loads((HOSTED / "_routes.json").read_text())
BAKED = {
    "baked-valid": "assertions/valid-iri.json",
    "baked-revoked": "assertions/revoked-gone.json",
}
CASES = sorted(
    {path.stem for path in (HOSTED / "assertions").glob("*.json")}
    | {route.rsplit("/", 1)[1][:-5] for route in ROUTES if route.startswith("/assertions/")}
    | {f"v1/{path.stem}" for path in (HOSTED / "v1").glob("*-1.*.json")}
    | set(BAKED)
)


def _path(name: str) -> str:
    if name in BAKED:
        return f"images/{name}.png"
    return f"{name}.json" if "/" in name else f"assertions/{name}.json"


REPORTS: dict[str, dict] = {}
REFUSED: dict[str, list[str]] = {}


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[bool, bool]]]:
    if not VALIDATOR_PYTHON.exists():
        pytest.fail("the validator is not set up: run scripts/setup-validator-venv")
    with serve_corpus(tmp_path_factory.mktemp("agreement") / "www") as corpus:
        png = (corpus.root / "images/cloud-ops.png").read_bytes()
        for name, target in BAKED.items():
            (corpus.root / _path(name)).write_bytes(bake(png, corpus.base + target))
        urls = {name: corpus.base + _path(name) for name in CASES}
        ours = {}
        for name, url in urls.items():
            result = CliRunner().invoke(main, ["verify", url, "--json", "--allow-private-hosts"])
            report = json.loads(result.output)
            assert report["valid"] is (result.exit_code == 0), result.output
            ours[name] = report["valid"]
            REPORTS[name] = report
        completed = subprocess.run(
            [
                str(VALIDATOR_PYTHON),
                str(HARNESS),
                "--root",
                str(corpus.root),
                "--base-url",
                corpus.base,
                *urls.values(),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        entries = json.loads(completed.stdout)
        theirs = {entry["url"]: entry["valid"] for entry in entries}
        REFUSED.update({entry["url"]: entry["refused"] for entry in entries})
        REFUSED.update({name: REFUSED.pop(url) for name, url in urls.items()})
        yield {name: (ours[name], theirs[url]) for name, url in urls.items()}


def test_the_corpus_has_both_verdicts(verdicts) -> None:
    assert len(verdicts) >= 20
    assert {name for name, (ours, _) in verdicts.items() if ours} == EXPECTED_VALID | {
        name for name, (ours, _, _) in DIFFERENT_BY_DESIGN.items() if ours
    }


@pytest.mark.parametrize("name", CASES)
def test_verdicts_agree_or_differ_by_design(verdicts, name: str) -> None:
    ours, theirs = verdicts[name]
    if name in DIFFERENT_BY_DESIGN:
        expected_ours, expected_theirs, _why = DIFFERENT_BY_DESIGN[name]
        assert (ours, theirs) == (expected_ours, expected_theirs)
    else:
        assert ours == theirs, f"badgesite says {ours}, the validator says {theirs}"


@pytest.mark.parametrize("name", sorted(REVOKED))
def test_a_revoked_badge_is_said_to_be_revoked_and_why(verdicts, name: str) -> None:
    assert verdicts[name][0] is False
    report = REPORTS[name]
    assert report["status"] == "revoked"
    revocation = [error["message"] for error in report["errors"] if error["check"] == "revocation"]
    assert revocation and revocation[0].startswith("revoked"), report["errors"]
    assert REVOKED[name] in revocation[0]


ISSUE_13 = [
    *("moved-renamed", "moved-kept-id", "embedded-issuer-no-id", "hosted-0-5"),
    *("v1/assertion-1.0", "small-image", "baked-valid", "revoked-gone", "baked-revoked"),
]


@pytest.mark.parametrize("name", ISSUE_13)
def test_the_validator_was_answered_everything_it_asked(verdicts, name: str) -> None:
    # Redirects, 410s, contexts (2.0 and 1.1): all from the same served folder, so the
    # validator judged these as a real issuer's server would have answered it.
    assert REFUSED[name] == []
