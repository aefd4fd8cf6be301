"""Open Badges 3.0 in the build: each published award a signed credential, each issuer a
did:web document and a signed status list, keys and status indices recorded in content/.

The credentials a build publishes are verified by the two independent verifiers of
tests/ob3_verifiers.py, resolving the did:web documents and status lists in output/.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from badgesite.build import build, load_site
from badgesite.cli import main
from badgesite.errors import ContentErrors
from badgesite.guards.credentials import (
    assign_indices,
    key_file_path,
    keys_path,
    read_credential_record,
    status_path,
)
from badgesite.openbadges import bake, did_web, status_list
from badgesite.openbadges.data_integrity import proof_is_valid
from badgesite.openbadges.multikey import generate_signing_key, parse_signing_key
from helpers import FIXED_NOW, GOLDEN_SIGNING_KEY, tree_bytes
from ob3_verifiers import run_digital_bazaar, run_openbadgeslib

GOLDEN_BASE = "https://badges.harbour-lab.example/pages/"
REVOKED_AWARDS = (  # published, revoked in the golden site
    "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d08",
    "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c04",
)
REVOKED_AWARD = REVOKED_AWARDS[0]
PRIVATE_AWARD = "1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a06"  # of a private earner


def _credentials(output: Path) -> dict[str, Path]:
    return {path.parent.name: path for path in sorted(output.glob("assertions/*/credential.json"))}


def _built(site: Path, tmp_path: Path, **options: Any) -> Path:
    output = tmp_path / "output"
    build(site, output, now=FIXED_NOW, cache_dir=tmp_path / "cache", **options)
    return output


@pytest.fixture(scope="module")
def verified_golden(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The golden site built as CI would, every credential run through both verifiers,
    with a tampered copy of one of them."""
    from helpers import GOLDEN_SITE

    tmp = tmp_path_factory.mktemp("verified")
    output = tmp / "output"
    build(
        GOLDEN_SITE,
        output,
        now=FIXED_NOW,
        frozen=True,
        cache_dir=tmp / "cache",
        signing_key=GOLDEN_SIGNING_KEY,
    )
    credentials = _credentials(output)
    some_id = sorted(credentials)[0]
    tampered = json.loads(credentials[some_id].read_text())
    tampered["credentialSubject"]["achievement"]["name"] = "Something else"
    tampered_path = tmp / "tampered.json"
    tampered_path.write_text(json.dumps(tampered))
    names = [*credentials, "tampered"]
    paths = [*credentials.values(), tampered_path]
    sites = {GOLDEN_BASE: output}
    bazaar = run_digital_bazaar(tmp, sites, paths)["credentials"]
    library = run_openbadgeslib(tmp, sites, paths)["credentials"]
    return {
        "output": output,
        "bazaar": dict(zip(names, bazaar, strict=True)),
        "openbadgeslib": dict(zip(names, library, strict=True)),
    }


def _expired(result: dict[str, Any]) -> bool:
    return any("validUntil" in error or "expired" in error for error in result["errors"])


def test_every_published_award_has_a_credential_both_verifiers_accept(
    verified_golden: dict[str, Any],
) -> None:
    site = load_site(Path(__file__).parent / "golden" / "site")
    published = {award.id for award in site.published_awards if not award.is_draft}
    output = verified_golden["output"]
    assert set(_credentials(output)) == published
    assert PRIVATE_AWARD not in published
    assert not (output / "assertions" / PRIVATE_AWARD).exists()
    for award_id in published:
        award = site.awards[award_id]
        bazaar = verified_golden["bazaar"][award_id]
        library = verified_golden["openbadgeslib"][award_id]
        if award.expires is not None and award.expires < FIXED_NOW:
            # Verifiers judge expiry at their own clock: an expired award says so in both.
            assert _expired(bazaar) and not bazaar["verified"], bazaar
            assert not library["verified"] and _expired(library), library
            continue
        assert bazaar["verified"], (award_id, bazaar["errors"])
        revoked = award.revocation is not None
        assert bazaar["status"] == [revoked], award_id
        if revoked:
            assert not library["verified"] and library["revoked"], library
        else:
            assert library["verified"], (award_id, library["errors"])


def test_a_revoked_award_is_reported_revoked_by_both(verified_golden: dict[str, Any]) -> None:
    assert verified_golden["bazaar"][REVOKED_AWARD]["status"] == [True]
    library = verified_golden["openbadgeslib"][REVOKED_AWARD]
    assert library["revoked"] and any("revocation" in error for error in library["errors"])


def test_a_tampered_credential_fails_in_both(verified_golden: dict[str, Any]) -> None:
    assert not verified_golden["bazaar"]["tampered"]["verified"]
    assert not verified_golden["openbadgeslib"]["tampered"]["verified"]


def test_the_credential_carries_the_award_as_open_badges_3_0_says(
    verified_golden: dict[str, Any],
) -> None:
    output = verified_golden["output"]
    award_id = "7b3e9d14-52c8-4f0a-8e61-2d9c4b7a1e02"
    credential = json.loads((output / f"assertions/{award_id}/credential.json").read_text())
    assertion = json.loads((output / f"assertions/{award_id}.json").read_text())
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["id"] == f"{GOLDEN_BASE}assertions/{award_id}/credential.json"
    did = "did:web:badges.harbour-lab.example:pages:issuers:harbour-lab"
    assert credential["issuer"]["id"] == did
    # The same salted hash as the OB 2.0 assertion: no address, no mailto: id.
    (identity,) = credential["credentialSubject"]["identifier"]
    assert identity["identityHash"] == assertion["recipient"]["identity"]
    assert identity["salt"] == assertion["recipient"]["salt"]
    assert "id" not in credential["credentialSubject"]
    assert "@" not in json.dumps(credential["credentialSubject"])
    moment = dt.datetime.fromisoformat
    assert moment(credential["validFrom"]) == moment(assertion["issuedOn"])
    assert moment(credential["validUntil"]) == moment(assertion["expires"])
    assert credential["validFrom"].endswith("Z")  # in UTC, as every verifier reads it
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Assessment"  # an exam
    assert achievement["image"]["id"].startswith(GOLDEN_BASE)
    # Both standards, linked both ways (1EdTech's migration guide).
    assert assertion["related"][0]["id"] == credential["id"]
    profile = json.loads((output / "issuers/harbour-lab.json").read_text())
    assert profile["related"][0]["id"] == f"{GOLDEN_BASE}issuers/harbour-lab/did.json"
    document = json.loads((output / "issuers/harbour-lab/did.json").read_text())
    assert document["alsoKnownAs"] == [profile["id"]]
    assert did_web.did_document_url(did) == f"{GOLDEN_BASE}issuers/harbour-lab/did.json"
    key = parse_signing_key(GOLDEN_SIGNING_KEY).public_key_multibase
    assert document["assertionMethod"] == [f"{did}#{key}"]
    assert proof_is_valid(credential, key)


def test_the_baked_images_carry_the_credential_beside_the_assertion(
    verified_golden: dict[str, Any],
) -> None:
    output = verified_golden["output"]
    kinds = set()
    for award_id, credential in _credentials(output).items():
        (image,) = [
            path for path in output.glob(f"assertions/{award_id}.*") if path.suffix != ".json"
        ]
        data = image.read_bytes()
        assert bake.unbake(data) == f"{GOLDEN_BASE}assertions/{award_id}.json"
        baked = bake.unbake_credential(data)
        assert baked is not None and json.loads(baked) == json.loads(credential.read_text())
        kinds.add(image.suffix)
    assert kinds == {".png", ".svg"}


def test_the_status_list_is_signed_and_has_the_revoked_bit(
    verified_golden: dict[str, Any],
) -> None:
    output = verified_golden["output"]
    document = json.loads((output / "issuers/harbour-lab/status-list.json").read_text())
    indices = read_credential_record(Path(__file__).parent / "golden" / "site").indices
    subject = document["credentialSubject"]
    assert subject["statusPurpose"] == "revocation"
    bits = status_list.decode_bitstring(subject["encodedList"])
    assert bits == {indices[award_id] for award_id in REVOKED_AWARDS}
    key = parse_signing_key(GOLDEN_SIGNING_KEY).public_key_multibase
    assert proof_is_valid(document, key)


def test_two_builds_give_byte_identical_credentials(site: Path, tmp_path: Path) -> None:
    first = _built(site, tmp_path / "a", clean=True)
    second = _built(site, tmp_path / "b", clean=True)
    signed = [
        path
        for path in tree_bytes(first)
        if path.endswith(("credential.json", "did.json", "status-list.json"))
    ]
    assert len(signed) > 5
    assert tree_bytes(first) == tree_bytes(second)


def test_a_first_local_build_makes_a_key_and_says_where(example_copy: Path, tmp_path: Path) -> None:
    env = {"CI": None, "BADGESITE_SIGNING_KEY": None, "SOURCE_DATE_EPOCH": "1761998400"}
    result = CliRunner().invoke(main, ["build", "--site", str(example_copy)], env=env)
    assert result.exit_code == 0, result.output
    key_file = key_file_path(example_copy)
    assert f"Made a signing key for the Open Badges 3.0 credentials: {key_file}" in result.output
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert (key_file.parent / ".gitignore").read_text().splitlines()[-1] == "*"
    key = parse_signing_key(key_file.read_text())
    record = read_credential_record(example_copy)
    assert [entry.multibase for entry in record.keys] == [key.public_key_multibase]
    # Nothing private in content/ or output/.
    for folder in ("content", "output"):
        for path in (example_copy / folder).rglob("*"):
            if path.is_file():
                assert key_file.read_bytes().strip() not in path.read_bytes(), path
    # Every published award got its index, and the credential verifies with the new key.
    site = load_site(example_copy)
    assert set(record.indices) == {award.id for award in site.published_awards}
    credentials = _credentials(example_copy / "output")
    assert len(credentials) == len(record.indices)
    credential = json.loads(next(iter(credentials.values())).read_text())
    assert proof_is_valid(credential, key.public_key_multibase)


def test_a_ci_build_without_the_key_fails_in_one_line_naming_the_secret(
    example_copy: Path,
) -> None:
    env = {"CI": "true", "BADGESITE_SIGNING_KEY": None, "SOURCE_DATE_EPOCH": "1761998400"}
    result = CliRunner().invoke(main, ["build", "--site", str(example_copy)], env=env)
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if "BADGESITE_SIGNING_KEY" in line]
    assert len(problems) == 1 and problems[0].startswith("BADGESITE_SIGNING_KEY: not set")
    assert not (example_copy / "output").exists()
    assert not key_file_path(example_copy).exists()


def test_a_ci_build_signs_with_the_secret(site: Path, tmp_path: Path) -> None:
    key_file_path(site).unlink()  # as on a CI runner: only the secret
    env = {"CI": "true", "BADGESITE_SIGNING_KEY": GOLDEN_SIGNING_KEY}
    output = tmp_path / "output"
    arguments = ["build", "--site", str(site), "--output", str(output)]
    result = CliRunner().invoke(main, arguments, env=env)
    assert result.exit_code == 0, result.output
    credential = json.loads(next(iter(_credentials(output).values())).read_text())
    assert proof_is_valid(credential, parse_signing_key(GOLDEN_SIGNING_KEY).public_key_multibase)


def test_a_ci_build_refuses_a_key_the_site_has_not_recorded(site: Path, tmp_path: Path) -> None:
    other = generate_signing_key()
    from badgesite.openbadges.multikey import format_signing_key

    with pytest.raises(ContentErrors) as failure:
        _built(site, tmp_path, frozen=True, signing_key=format_signing_key(other))
    (problem,) = failure.value.errors
    assert problem.path == "content/signing-keys.txt"
    assert other.public_key_multibase in problem.message and "not recorded" in problem.message
    assert not (tmp_path / "output").exists()


def test_a_ci_build_refuses_an_award_without_a_status_index(site: Path, tmp_path: Path) -> None:
    status = status_path(site)
    lines = status.read_text().splitlines(keepends=True)
    status.write_text("".join(line for line in lines if not line.startswith("7b3e9d14")))
    with pytest.raises(ContentErrors) as failure:
        _built(site, tmp_path, frozen=True)
    (problem,) = failure.value.errors
    assert problem.path == "content/credential-status.txt"
    assert "7b3e9d14-52c8-4f0a-8e61-2d9c4b7a1e02" in problem.message


def test_status_indices_are_permanent_and_never_reused(site: Path, tmp_path: Path) -> None:
    before = read_credential_record(site).indices
    award_id = "7b3e9d14-52c8-4f0a-8e61-2d9c4b7a1e02"
    env = {"CI": None, "SOURCE_DATE_EPOCH": "1761998400"}
    arguments = ["withdraw", award_id, "--reason", "Earner asked", "--site", str(site)]
    result = CliRunner().invoke(main, arguments, env=env)
    assert result.exit_code == 0, result.output
    _built(site, tmp_path)
    # The withdrawn award's line stays: its index is never given to another award.
    assert read_credential_record(site).indices == before
    fresh = assign_indices(before, ["a-new-award", "another-award"])
    assert set(fresh) == {"a-new-award", "another-award"}
    assert not set(before.values()) & set(fresh.values())
    assert assign_indices(before, ["another-award", "a-new-award"]) == fresh  # stable
    # Spread over a list kept at most half full, within the spec's minimum size.
    many = assign_indices({}, [f"award-{number}" for number in range(1000)])
    assert len(set(many.values())) == 1000
    assert max(many.values()) < status_list.MINIMUM_BITS
    assert max(many.values()) > status_list.MINIMUM_BITS // 2


def test_revoking_an_award_sets_its_bit_on_the_next_build(site: Path, tmp_path: Path) -> None:
    award_id = "7b3e9d14-52c8-4f0a-8e61-2d9c4b7a1e02"
    index = read_credential_record(site).indices[award_id]
    output = _built(site, tmp_path)
    status_file = output / "issuers/harbour-lab/status-list.json"

    def bits() -> frozenset[int]:
        document = json.loads(status_file.read_text())
        return status_list.decode_bitstring(document["credentialSubject"]["encodedList"])

    assert index not in bits()
    env = {"CI": None, "SOURCE_DATE_EPOCH": "1761998400"}
    arguments = ["revoke", award_id, "--reason", "Issued in error", "--site", str(site)]
    result = CliRunner().invoke(main, arguments, env=env)
    assert result.exit_code == 0, result.output
    _built(site, tmp_path)
    assert index in bits()
    encoded = json.loads(status_file.read_text())["credentialSubject"]["encodedList"]
    assert _list_bits(encoded) >= status_list.MINIMUM_BITS


def _list_bits(encoded: str) -> int:
    import base64
    import gzip

    body = encoded[1:]
    return 8 * len(gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


def test_an_incremental_build_re_signs_only_the_edited_award(site: Path, tmp_path: Path) -> None:
    output = _built(site, tmp_path)
    before = tree_bytes(output)
    award_file = next(
        path
        for path in (site / "content/awards").rglob("*.yaml")
        if "7b3e9d14-52c8-4f0a-8e61-2d9c4b7a1e02" in path.read_text()
    )
    text = award_file.read_text()
    edited = text.replace("  issued_on: 2024-04-10T18:30:00+02:00\n", "  issued_on: 2024-04-11\n")
    assert edited != text
    award_file.write_text(edited)
    report = build(site, output, now=FIXED_NOW, cache_dir=tmp_path / "cache")
    after = tree_bytes(output)
    changed = {path for path in after if before.get(path) != after[path]}
    signed = {path for path in changed if path.endswith("credential.json")}
    assert report.incremental
    assert signed == {"assertions/7b3e9d14-52c8-4f0a-8e61-2d9c4b7a1e02/credential.json"}
    # The other awards' credentials, and every issuer's status list and DID, are as they were.
    assert not any(path.endswith(("did.json", "status-list.json")) for path in changed)


@pytest.mark.parametrize(
    "base_url", ["http://badges.harbour-lab.example/pages", "https://192.0.2.7/pages"]
)
def test_a_site_whose_base_url_cannot_be_a_did_web_publishes_no_credentials(
    site: Path, tmp_path: Path, base_url: str
) -> None:
    config = site / "content/site.yaml"
    config.write_text(
        config.read_text().replace(
            "base_url: https://badges.harbour-lab.example/pages", f"base_url: {base_url}"
        )
    )
    from badgesite.build import check

    warnings = [finding.problem for finding in check(site, now=FIXED_NOW)]
    # One warning each: an http URL's says it is not https; an IP address's says why.
    (warning,) = [problem for problem in warnings if problem.field == "base_url"]
    if base_url.startswith("https:"):
        assert "no Open Badges 3.0 credentials are published" in warning.message
        assert "domain name, not an IP address" in warning.message
    output = _built(site, tmp_path)
    assert not _credentials(output)
    assert not list(output.glob("issuers/*/did.json"))


def test_check_writes_no_key(example_copy: Path) -> None:
    from badgesite.build import check

    check(example_copy, now=FIXED_NOW)
    assert not key_file_path(example_copy).exists()
    assert not keys_path(example_copy).exists()
    assert not os.path.exists(example_copy / ".badgesite")


def test_a_url_no_verifier_would_accept_is_refused_where_it_is_written(
    site: Path, tmp_path: Path
) -> None:
    badge = site / "content/badges/laser-cutting.yaml"
    badge.write_text(
        badge.read_text().replace(
            "criteria_url: https://harbour-lab.example/exams/laser",
            "criteria_url: https://harbour-lab.example/exams/laser|cutter",
        )
    )
    with pytest.raises(ContentErrors) as failure:
        _built(site, tmp_path)
    (problem,) = failure.value.errors
    assert (problem.path, problem.line, problem.field) == (
        "content/badges/laser-cutting.yaml",
        7,
        "criteria_url",
    )
    assert "percent-encode (%7C)" in problem.message
    assert not (tmp_path / "output").exists()


def test_a_tab_in_markdown_is_published_as_spaces(site: Path, tmp_path: Path) -> None:
    badge = site / "content/badges/laser-cutting.yaml"
    badge.write_text(
        badge.read_text().replace(
            "criteria: Operate the laser cutter alone, including a fire drill.",
            'criteria: "Operate the laser cutter:\\n\\n\\t- alone\\n\\t- with a fire drill"',
        )
    )
    output = _built(site, tmp_path)
    award_id = "7b3e9d14-52c8-4f0a-8e61-2d9c4b7a1e02"
    credential = json.loads((output / f"assertions/{award_id}/credential.json").read_text())
    narrative = credential["credentialSubject"]["achievement"]["criteria"]["narrative"]
    assert narrative == "Operate the laser cutter:\n\n    - alone\n    - with a fire drill"
    assert proof_is_valid(credential, parse_signing_key(GOLDEN_SIGNING_KEY).public_key_multibase)


def test_what_the_safe_mode_check_refuses_fails_the_build_at_its_record(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last line of defence: a value no record check caught is refused before signing,
    located at the record it came from, and nothing is written."""
    import dataclasses

    from badgesite.guards.lints import CheckFailed
    from badgesite.publishing import ob3 as publishing

    original = publishing.credential_data

    def with_bad_criteria(*arguments: Any) -> Any:
        data = original(*arguments)
        if data.achievement.criteria_url != "https://harbour-lab.example/exams/laser":
            return data
        achievement = dataclasses.replace(data.achievement, criteria_url="https://x.example/a b")
        return dataclasses.replace(data, achievement=achievement)

    monkeypatch.setattr(publishing, "credential_data", with_bad_criteria)
    with pytest.raises(CheckFailed) as failure:
        _built(site, tmp_path, processes=1)
    (problem,) = failure.value.errors
    assert problem.path == "content/badges/laser-cutting.yaml"
    assert problem.field == "criteria_url"
    assert "would not verify in independent verifiers" in problem.message
    assert "criteria.id" in problem.message and "more page" in problem.message  # one line
    assert not (tmp_path / "output").exists()


def test_a_clean_build_with_the_cache_signs_nothing_again(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from badgesite.publishing import ob3 as publishing

    first = _built(site, tmp_path / "first", processes=1)
    signed: list[str] = []
    original = publishing._sign

    def counting(document: dict[str, Any], *arguments: Any) -> bytes:
        signed.append(document["id"])
        return original(document, *arguments)

    monkeypatch.setattr(publishing, "_sign", counting)
    output = tmp_path / "second"
    cache = tmp_path / "first" / "cache"
    build(site, output, now=FIXED_NOW, cache_dir=cache, processes=1, clean=True)
    # Only the status lists, one per issuer, are signed again; no award's credential is.
    assert signed and all(url.endswith("status-list.json") for url in signed)
    assert tree_bytes(output) == tree_bytes(first)


def test_after_the_quick_start_every_example_award_has_a_verifying_credential(
    example_copy: Path,
) -> None:
    """The README's `badgesite build` on a fresh clone (no key made by hand): every award of
    the example site has a credential both verifiers accept, or report expired or revoked."""
    env = {"CI": None, "BADGESITE_SIGNING_KEY": None, "SOURCE_DATE_EPOCH": None}
    result = CliRunner().invoke(main, ["build", "--site", str(example_copy)], env=env)
    assert result.exit_code == 0, result.output
    site = load_site(example_copy)
    output = example_copy / "output"
    credentials = _credentials(output)
    assert set(credentials) == {award.id for award in site.published_awards}
    paths = list(credentials.values())
    sites = {site.config.base_url: output}
    bazaar = run_digital_bazaar(example_copy, sites, paths)["credentials"]
    library = run_openbadgeslib(example_copy, sites, paths)["credentials"]
    now = dt.datetime.now(dt.timezone.utc)
    outcomes = set()
    for award_id, by_bazaar, by_library in zip(credentials, bazaar, library, strict=True):
        award = site.awards[award_id]
        if award.expires is not None and award.expires <= now:
            assert _expired(by_bazaar) and _expired(by_library), award_id
            outcomes.add("expired")
        elif award.revocation is not None:
            assert by_bazaar["verified"] and by_bazaar["status"] == [True], award_id
            assert by_library["revoked"], award_id
            outcomes.add("revoked")
        else:
            assert by_bazaar["verified"] and by_bazaar["status"] == [False], by_bazaar
            assert by_library["verified"], by_library
            outcomes.add("valid")
    assert outcomes == {"valid", "expired", "revoked"}


def test_the_records_read_again_are_parsed_again_only_when_their_texts_changed(
    site: Path,
) -> None:
    """A build kept in memory (serve) gives the next one the records it read: the files
    are read again and, when they hold the texts they were read from, not parsed again."""
    first = read_credential_record(site)
    assert read_credential_record(site, first) is first
    path = site / "content/credential-status.txt"
    path.write_text(path.read_text() + "0a1b2c3d-0000-4000-8000-000000000001 4242\n")
    again = read_credential_record(site, first)
    assert again is not first and again.indices["0a1b2c3d-0000-4000-8000-000000000001"] == 4242
    assert dataclasses.astuple(again) == dataclasses.astuple(read_credential_record(site))
    path.write_text(path.read_text() + "0a1b2c3d-0000-4000-8000-000000000001 4243\n")
    with pytest.raises(ContentErrors):  # listed twice: an error is never kept
        read_credential_record(site, again)
