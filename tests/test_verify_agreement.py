"""`badgesite verify` and the 1EdTech reference validator agree on the hosted 2.0 corpus.

Both judge the same served folder: badgesite verify fetches it from the loopback server at
http://127.0.0.1:PORT/, and the validator's offline harness maps that same base URL to the
same folder. Where the verdicts differ by design, the case is listed in DIFFERENT_BY_DESIGN
with the reason, and the test asserts that difference too, so it stays deliberate.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from badgesite.cli import main
from loopback import HOSTED, serve_corpus
from test_conformance import HARNESS, VALIDATOR_PYTHON

# name -> (badgesite's verdict, the validator's verdict, why they differ)
DIFFERENT_BY_DESIGN = {
    "revoked-flag": (False, True, "the validator does not check `revoked` on hosted badges"),
    "revoked-by-list": (False, True, "the validator does not read the issuer's RevocationList"),
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
}
CASES = sorted(path.stem for path in (HOSTED / "assertions").glob("*.json"))


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[bool, bool]]]:
    if not VALIDATOR_PYTHON.exists():
        pytest.fail("the validator is not set up: run scripts/setup-validator-venv")
    with serve_corpus(tmp_path_factory.mktemp("agreement") / "www") as corpus:
        urls = {name: f"{corpus.base}assertions/{name}.json" for name in CASES}
        ours = {}
        for name, url in urls.items():
            result = CliRunner().invoke(main, ["verify", url, "--json", "--allow-private-hosts"])
            report = json.loads(result.output)
            assert report["valid"] is (result.exit_code == 0), result.output
            ours[name] = report["valid"]
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
        theirs = {entry["url"]: entry["valid"] for entry in json.loads(completed.stdout)}
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
