"""Hosted verification, rule by rule, on the loopback corpus; and `badgesite verify`."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from badgesite.cli import main
from badgesite.openbadges.recipient_check import RecipientProfile
from badgesite.openbadges.verify import VerificationReport, verify_source
from loopback import HOSTED, Served, loopback_fetcher, serve_corpus

EMAIL = "ada@learner.example"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve_corpus(tmp_path_factory.mktemp("corpus") / "www") as served:
        yield served


def check(corpus: Served, path: str, *emails: str) -> VerificationReport:
    profile = RecipientProfile(emails=emails) if emails else None
    return verify_source(corpus.base + path, loopback_fetcher(), recipient=profile)


@pytest.mark.parametrize(
    "path",
    [
        "assertions/valid-iri.json",
        "assertions/embedded.json",
        "assertions/plain-recipient.json",
        "assertions/evidence-string.json",
        "assertions/evidence-object.json",
        "assertions/data-uri-image.json",
        "assertions/svg-image.json",
        "assertions/extensions.json",
        "assertions/script-in-name.json",
        "assertions/delegated-allowed.json",
        "assertions/delegated-starts-with.json",
        "v1/assertion-1.0.json",
        "v1/assertion-1.1.json",
    ],
)
def test_valid_documents_verify(corpus: Served, path: str) -> None:
    report = check(corpus, path)
    assert report.valid, report.errors
    assert report.status == "valid"


@pytest.mark.parametrize(
    ("path", "rule", "status"),
    [
        ("assertions/expired.json", "expiry", "expired"),
        ("assertions/future-issued.json", "dates", "invalid"),
        ("assertions/bare-date.json", "dates", "invalid"),
        ("assertions/id-mismatch.json", "id", "invalid"),
        ("assertions/wrong-origin.json", "origin", "invalid"),
        ("assertions/delegated-refused.json", "origin", "invalid"),
        ("assertions/revoked-flag.json", "revocation", "revoked"),
        ("assertions/revoked-by-list.json", "revocation", "revoked"),
        ("assertions/no-description.json", "badge", "invalid"),
        ("assertions/hostile-strings.json", "links", "invalid"),
        ("v1/revoked-1.0.json", "revocation", "revoked"),
    ],
)
def test_invalid_documents_fail_for_the_right_reason(
    corpus: Served, path: str, rule: str, status: str
) -> None:
    report = check(corpus, path)
    assert not report.valid
    assert rule in {finding.check for finding in report.errors}, report.errors
    assert report.status == status


def test_revocation_reasons_are_reported(corpus: Served) -> None:
    flagged = check(corpus, "assertions/revoked-flag.json")
    assert "Exam irregularity" in flagged.errors[0].message
    listed = check(corpus, "assertions/revoked-by-list.json")
    assert "Issued in error" in listed.errors[0].message


def test_recipient_hash_is_checked_when_an_email_is_given(corpus: Served) -> None:
    matched = check(corpus, "assertions/valid-iri.json", EMAIL)
    assert matched.valid and matched.recipient.as_json() == {
        "result": "matched",
        "type": "email",
        "hash": "sha256",
    }
    wrong = check(corpus, "assertions/valid-iri.json", "eve@learner.example")
    assert [f.check for f in wrong.errors] == ["recipient"]
    assert wrong.recipient.result == "not matched" and wrong.status == "invalid"
    # Several addresses: one matching is enough.
    assert check(corpus, "assertions/valid-iri.json", "eve@learner.example", EMAIL).valid
    assert check(corpus, "assertions/plain-recipient.json", EMAIL).recipient.hash == "plain"
    assert not check(corpus, "assertions/plain-recipient.json", "eve@x.example").valid
    assert check(corpus, "v1/assertion-1.0.json", EMAIL).valid
    unchecked = check(corpus, "assertions/valid-iri.json")
    assert unchecked.valid and unchecked.recipient.result == "not checked"


def test_addresses_are_compared_exactly_as_the_reference_validator_does(corpus) -> None:
    """Not trimmed, not lowercased (tests/test_recipient_agreement.py holds the validator to
    it); the message says which form would match, and never names the address otherwise."""
    for given in (" ADA@learner.example ", "Ada@Learner.example", EMAIL + " "):
        for path in ("assertions/valid-iri.json", "assertions/plain-recipient.json"):
            report = check(corpus, path, given)
            assert report.recipient.result == "not matched", (given, path)
            assert report.errors[0].message == (
                "issued to someone else: none of the given addresses matches the recipient "
                f"('{EMAIL}' would match: identifiers are compared exactly as given, as the "
                "1EdTech reference validator compares them)"
            )
    far = check(corpus, "assertions/valid-iri.json", "eve@learner.example")
    assert "eve@" not in far.errors[0].message


def test_a_missing_badge_class_or_image_is_an_error(corpus: Served, tmp_path: Path) -> None:
    document = json.loads((corpus.root / "assertions/valid-iri.json").read_text())
    document["id"] = corpus.base + "assertions/broken-link.json"
    document["badge"] = corpus.base + "badges/missing.json"
    (corpus.root / "assertions/broken-link.json").write_text(json.dumps(document))
    report = check(corpus, "assertions/broken-link.json")
    assert any("HTTP 404" in finding.message for finding in report.errors)


def test_a_local_copy_is_verified_against_its_hosted_original(corpus: Served, tmp_path: Path):
    copy = tmp_path / "copy.json"
    document = json.loads((corpus.root / "assertions/valid-iri.json").read_text())
    document["badge"] = "https://tampered.example/badge.json"  # the copy on disk does not count
    copy.write_text(json.dumps(document))
    report = verify_source(str(copy), loopback_fetcher())
    assert report.valid and report.assertion.badge.name == "Cloud Operations Practitioner"


def test_a_0_5_file_is_read_but_has_no_host_to_verify_it_at() -> None:
    # As the reference validator: a 0.5 assertion is verified where it is hosted
    # (test_verify_agreement.py has a hosted one); a copy on disk names no host.
    report = verify_source(str(HOSTED.parent / "files" / "assertion-0.5.json"), loopback_fetcher())
    assert report.version == "0.5" and not report.valid
    assert "id" in {finding.check for finding in report.errors}


def _baked_png(url: str) -> bytes:
    png = (HOSTED / "images" / "cloud-ops.png").read_bytes()
    body = b"openbadges\0\0\0\0\0" + url.encode()
    chunk = struct.pack(">I", len(body)) + b"iTXt" + body
    chunk += struct.pack(">I", zlib.crc32(b"iTXt" + body) & 0xFFFFFFFF)
    return png[:33] + chunk + png[33:]


def verify_cli(*args: str) -> Result:
    """`badgesite verify`, allowed to reach the loopback server."""
    return CliRunner().invoke(main, ["verify", *args, "--allow-private-hosts"])


def test_cli_verifies_a_url_with_exit_status(corpus: Served) -> None:
    good = verify_cli(corpus.base + "assertions/valid-iri.json")
    assert good.exit_code == 0, good.output
    assert good.output.startswith("VALID (valid): Cloud Operations Practitioner")
    bad = verify_cli(corpus.base + "assertions/revoked-flag.json")
    assert bad.exit_code == 1
    assert (
        "error   [revocation] revoked by its issuer (revocationReason: Exam irregularity)"
    ) in bad.output
    gone = verify_cli(corpus.base + "assertions/missing.json")
    assert gone.exit_code == 1 and "HTTP 404" in gone.output


def test_cli_refuses_private_hosts_without_the_opt_in(corpus: Served) -> None:
    url = corpus.base + "assertions/valid-iri.json"
    result = CliRunner().invoke(main, ["verify", url])
    assert result.exit_code == 1
    assert result.output == (
        f"INVALID: refusing to fetch {url}: 127.0.0.1 is not a public address "
        "(use --allow-private-hosts to allow it)\n"
    )


def test_cli_json_report_and_email(corpus: Served) -> None:
    url = corpus.base + "assertions/valid-iri.json"
    result = verify_cli(url, "--email", "eve@x.example", "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["valid"] is False
    assert report["errors"] == [
        {
            "check": "recipient",
            "message": "issued to someone else: none of the given addresses matches the recipient",
        }
    ]
    assert report["recipient"] == {"result": "not matched", "type": "email", "hash": "sha256"}
    assert report["verificationUrl"] == corpus.base + "assertions/valid-iri.json"
    missing = verify_cli(corpus.base + "nothing.json", "--json")
    assert missing.exit_code == 1
    unreachable = json.loads(missing.output)
    assert unreachable.keys() == report.keys() and unreachable["status"] == "unreachable"
    assert "HTTP 404" in unreachable["errors"][0]["message"]


def test_cli_json_reports_say_when_in_the_one_timestamp_form(corpus: Served) -> None:
    """checkedAt is written as every other badgesite timestamp: `Z` for UTC, never +00:00."""
    pinned = {"SOURCE_DATE_EPOCH": "1700000000"}
    for path in ("assertions/valid-iri.json", "nothing.json"):
        arguments = ["verify", corpus.base + path, "--json", "--allow-private-hosts"]
        result = CliRunner(env=pinned).invoke(main, arguments)
        assert json.loads(result.output)["checkedAt"] == "2023-11-14T22:13:20Z", path


def test_cli_verifies_baked_png_and_svg(corpus: Served, tmp_path: Path) -> None:
    url = corpus.base + "assertions/valid-iri.json"
    png = tmp_path / "baked.png"
    png.write_bytes(_baked_png(url))
    svg = tmp_path / "baked.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org" '
        f'width="64" height="64"><openbadges:assertion verify="{url}"/></svg>'
    )
    for source in (png, svg):
        result = verify_cli(str(source), "--email", EMAIL)
        assert result.exit_code == 0, result.output
        assert "  recipient: matched (email, sha256)\n" in result.output


def test_cli_report_strips_terminal_escapes(corpus: Served) -> None:
    document = json.loads((corpus.root / "badges/cloud-ops.json").read_text())
    document["id"] = corpus.base + "badges/escape.json"
    document["name"] = "Nice\x1b]0;pwned\x07 badge"
    (corpus.root / "badges/escape.json").write_text(json.dumps(document))
    assertion = json.loads((corpus.root / "assertions/valid-iri.json").read_text())
    assertion["id"] = corpus.base + "assertions/escape.json"
    assertion["badge"] = document["id"]
    (corpus.root / "assertions/escape.json").write_text(json.dumps(assertion))
    result = verify_cli(assertion["id"])
    assert "\x1b" not in result.output and "\x07" not in result.output


def test_cli_reports_the_recipient_result_in_text_and_json(corpus: Served) -> None:
    url = corpus.base + "assertions/valid-iri.json"
    unchecked = verify_cli(url)
    assert unchecked.exit_code == 0
    assert unchecked.output.splitlines()[2] == (
        "  recipient: not checked (identified by email, sha256; give --email to check it)"
    )
    assert json.loads(verify_cli(url, "--json").output)["recipient"] == {
        "result": "not checked",
        "type": "email",
        "hash": "sha256",
    }
    several = verify_cli(url, "--email", "eve@x.example", "--email", EMAIL, "--json")
    assert several.exit_code == 0
    assert json.loads(several.output)["recipient"]["result"] == "matched"
    wrong = verify_cli(url, "--email", "eve@x.example")
    assert wrong.exit_code == 1
    assert "  recipient: not matched (email, sha256)" in wrong.output.splitlines()
    assert "eve@x.example" not in wrong.output
    plain = verify_cli(corpus.base + "assertions/plain-recipient.json", "--email", EMAIL)
    assert "  recipient: matched (email, plain)" in plain.output.splitlines()
    telephone = verify_cli(url, "--telephone", "+15555550123")
    assert telephone.exit_code == 1
    assert "no email was given: give it with --email" in telephone.output
    bad_url = verify_cli(url, "--recipient-url", "ada.example")
    assert bad_url.exit_code == 2 and "not an absolute http(s) URL" in bad_url.output
