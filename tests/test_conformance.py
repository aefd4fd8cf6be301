"""The example site judged by the 1EdTech reference validator, offline.

The validator lives in its own virtual environment (scripts/setup-validator-venv); the
harness there answers the site's URLs from the built folder and the JSON-LD context from
a local copy, and refuses every other request.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from badgesite.build import build, load_site
from helpers import REPO

VENV = Path(os.environ.get("BADGESITE_VALIDATOR_VENV", REPO / ".cache" / "validator-venv"))
VALIDATOR_PYTHON = (VENV if VENV.is_absolute() else REPO / VENV) / "bin" / "python"
HARNESS = REPO / "tests" / "conformance" / "validate_offline.py"


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict]]:
    if not VALIDATOR_PYTHON.exists():
        pytest.fail(
            "the validator is not set up: run scripts/setup-validator-venv (or scripts/test)"
        )
    output = tmp_path_factory.mktemp("conformance") / "output"
    build(REPO, output)  # judged against the real clock, as the validator judges it
    site = load_site(REPO)
    assertion_urls = [
        site.config.base_url + f"assertions/{award.id}.json" for award in site.published_awards
    ]
    completed = subprocess.run(
        [
            str(VALIDATOR_PYTHON),
            str(HARNESS),
            "--root",
            str(output),
            "--base-url",
            site.config.base_url,
            *assertion_urls,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    results = {entry["url"]: entry for entry in json.loads(completed.stdout)}
    return output, results


def test_every_published_award_was_validated(validated) -> None:
    _, results = validated
    site = load_site(REPO)
    assert len(results) == len(site.published_awards) >= 20
    assert all(not entry["refused"] for entry in results.values()), "a request left the site"


def test_awards_that_are_neither_revoked_nor_expired_validate_without_errors(validated) -> None:
    _, results = validated
    site = load_site(REPO)
    checked = 0
    for award in site.published_awards:
        if award.revocation is None and award.status(_now()) == "valid":
            entry = results[site.config.base_url + f"assertions/{award.id}.json"]
            assert entry["errors"] == [], award.id
            assert entry["valid"], award.id
            checked += 1
    assert checked >= 15


def test_expired_awards_fail_only_for_expiry(validated) -> None:
    _, results = validated
    site = load_site(REPO)
    expired = [
        a for a in site.published_awards if a.revocation is None and a.status(_now()) == "expired"
    ]
    assert expired, "the example site must have an expired award"
    for award in expired:
        url = site.config.base_url + f"assertions/{award.id}.json"
        errors = results[url]["errors"]
        assert len(errors) == 1 and " expired on " in errors[0], errors


def test_revoked_awards_are_revoked_in_json_and_revocation_list(validated) -> None:
    output, _ = validated
    site = load_site(REPO)
    revoked = [a for a in site.published_awards if a.revocation is not None]
    assert revoked, "the example site must have a revoked award"
    for award in revoked:
        document = json.loads((output / f"assertions/{award.id}.json").read_text())
        assert document["revoked"] is True
        assert document["revocationReason"] == award.revocation.reason
        issuer = award.badge.issuer.slug
        revocations = json.loads((output / f"issuers/{issuer}/revocations.json").read_text())
        listed = {entry["id"]: entry for entry in revocations["revokedAssertions"]}
        assert listed[document["id"]]["revocationReason"] == award.revocation.reason
        profile = json.loads((output / f"issuers/{issuer}.json").read_text())
        assert profile["revocationList"] == revocations["id"]


def _now():
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc)
