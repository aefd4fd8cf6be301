"""`badgesite import --email`: the recipient is checked, and its address is never written.

A badge is imported only when it was issued to one of the earner's addresses (or with
`--unverified`, kept and labelled "recipient not confirmed", never "Verified"); the
snapshot records the result, when and how the recipient was hashed, never the address.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from badgesite.build import build
from badgesite.cli import main
from helpers import FIXED_NOW
from loopback import Served, serve_corpus

EMAIL = "ada@learner.example"  # the corpus's recipient, hashed, and once in plain text
LOCAL = "--allow-private-hosts"
NOT_HERS = "issued to someone else: none of the given addresses matches the recipient"


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Served]:
    with serve_corpus(tmp_path / "www") as served:
        yield served


def run(site: Path, source: str, *extra: str) -> Result:
    arguments = ["import", source, "--earner", "ada", "--site", str(site), LOCAL, *extra]
    return CliRunner().invoke(main, arguments)


def imported(result: Result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(Path(result.output.rsplit(" into ", 1)[1].strip()).read_text())


def nothing_imported(site: Path) -> bool:
    folder = site / "content/imported"
    return not folder.exists() or not any(folder.iterdir())


def page_of(site: Path, snapshot: dict, tmp_path: Path, now=FIXED_NOW) -> tuple[str, str]:
    output = tmp_path / "output"
    build(site, output, now=now)
    key = Path(snapshot["image"]["file"]).parent.name
    page = (output / f"earners/ada/imported/{key}/index.html").read_text()
    return page, (output / "earners/ada/index.html").read_text()


def test_without_an_address_the_import_is_refused(site: Path, corpus: Served) -> None:
    result = run(site, corpus.base + "assertions/valid-iri.json")
    assert result.exit_code == 1
    assert result.output == (
        "error: not imported: the recipient is not confirmed: give the earner's address with "
        "--email ADDRESS (repeatable; it is only compared, never saved), or use --unverified "
        'to keep it, labelled "recipient not confirmed"\n'
    )
    assert nothing_imported(site)


@pytest.mark.parametrize("path", ["assertions/valid-iri.json", "assertions/plain-recipient.json"])
def test_someone_elses_badge_is_refused(site: Path, corpus: Served, path: str) -> None:
    result = run(site, corpus.base + path, "--email", "eve@learner.example")
    assert result.exit_code == 1
    assert result.output == (
        f"error: not imported: {NOT_HERS}; or use --unverified to keep it, labelled "
        '"recipient not confirmed"\n'
    )
    assert nothing_imported(site)


def test_an_address_in_another_case_is_refused_with_the_form_that_matches(site, corpus) -> None:
    result = run(site, corpus.base + "assertions/valid-iri.json", "--email", "Ada@Learner.example")
    assert result.exit_code == 1
    assert f"{NOT_HERS} ('{EMAIL}' would match: identifiers are compared exactly" in result.output
    assert nothing_imported(site)


def test_one_of_several_addresses_is_enough(site: Path, corpus: Served) -> None:
    result = run(
        site,
        corpus.base + "assertions/valid-iri.json",
        "--email",
        "ada@work.example",
        "--email",
        EMAIL,
    )
    snapshot = imported(result)
    assert "(valid, recipient confirmed) into " in result.output
    assert snapshot["status"] == "valid"
    assert snapshot["recipient"] == {
        "result": "matched",
        "checked": snapshot["verified"],
        "type": "email",
        "hash": "sha256",
        "fingerprint": snapshot["recipient"]["fingerprint"],
    }
    assert snapshot["recipient"]["fingerprint"].startswith("sha256$")


def test_a_confirmed_badge_shows_verified_and_when_its_recipient_was(site, corpus, tmp_path):
    snapshot = imported(run(site, corpus.base + "assertions/valid-iri.json", "--email", EMAIL))
    page, profile = page_of(site, snapshot, tmp_path)
    assert '<h2 id="status-heading">Verified</h2>' in page
    assert "<dt>Recipient</dt><dd>Confirmed on " in page
    assert 'data-message-valid="Checked with the issuer just now; the badge is valid."' in page
    assert 'award--valid"' in profile


@pytest.mark.parametrize(
    ("extra", "result"),
    [((), "not checked"), (("--email", "eve@learner.example"), "not matched")],
)
def test_unverified_keeps_it_labelled_recipient_not_confirmed(
    site: Path, corpus: Served, tmp_path: Path, extra: tuple[str, ...], result: str
) -> None:
    output = run(site, corpus.base + "assertions/valid-iri.json", "--unverified", *extra)
    snapshot = imported(output)
    assert "(valid, recipient not confirmed) into " in output.output
    assert snapshot["status"] == "valid" and snapshot["recipient"]["result"] == result
    page, profile = page_of(site, snapshot, tmp_path)
    assert '<h2 id="status-heading">Recipient not confirmed</h2>' in page
    assert "Verified" not in page
    assert "<dt>Recipient</dt><dd>Not confirmed</dd>" in page
    assert "the badge is valid, but its recipient was not confirmed." in page
    assert 'award--unconfirmed"' in profile and "Verified" not in profile
    assert '<span class="pill pill--unconfirmed">Recipient not confirmed</span>' in profile


def test_an_unconfirmed_badge_that_expired_is_expired_and_still_not_confirmed(
    site: Path, corpus: Served, tmp_path: Path
) -> None:
    snapshot = imported(run(site, corpus.base + "assertions/valid-iri.json", "--unverified"))
    page, _ = page_of(site, snapshot, tmp_path, now=FIXED_NOW.replace(year=2100))
    assert '<h2 id="status-heading">Expired</h2>' in page
    assert "<dt>Recipient</dt><dd>Not confirmed</dd>" in page


def test_a_snapshot_from_before_recipients_were_checked_is_not_confirmed(
    site: Path, corpus: Served, tmp_path: Path
) -> None:
    snapshot = imported(run(site, corpus.base + "assertions/valid-iri.json", "--email", EMAIL))
    (path,) = (site / "content/imported").glob("*.json")
    del snapshot["recipient"]
    path.write_text(json.dumps(snapshot, indent=2))
    page, _ = page_of(site, snapshot, tmp_path)
    assert '<h2 id="status-heading">Recipient not confirmed</h2>' in page


def test_a_broken_recipient_record_is_a_content_error(site: Path, corpus: Served) -> None:
    imported(run(site, corpus.base + "assertions/valid-iri.json", "--email", EMAIL))
    (path,) = (site / "content/imported").glob("*.json")
    snapshot = json.loads(path.read_text())
    snapshot["recipient"] |= {"result": "probably", "address": EMAIL}
    path.write_text(json.dumps(snapshot, indent=2))
    result = CliRunner().invoke(main, ["build", "--site", str(site)])
    assert result.exit_code == 1
    assert ": recipient.address: unknown field" in result.output
    assert ": recipient.result: 'probably' is not one of: matched, not matched, not checked" in (
        result.output
    )


@pytest.mark.parametrize(
    "path",
    ["assertions/valid-iri.json", "assertions/plain-recipient.json", "v1/assertion-1.0.json"],
)
def test_the_address_is_written_nowhere_in_the_site(
    site: Path, corpus: Served, tmp_path: Path, path: str
) -> None:
    other = "ada@work.example"
    imported(run(site, corpus.base + path, "--email", other, "--email", EMAIL))
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    searched = 0
    for file in site.rglob("*"):
        if file.is_file():
            data = file.read_bytes().lower()
            assert EMAIL.encode() not in data and other.encode() not in data, file
            searched += 1
    assert searched > 50 and (output / "earners/ada/index.html").is_file()


def test_a_plain_text_recipient_is_blanked_in_the_snapshot(site: Path, corpus: Served) -> None:
    snapshot = imported(
        run(site, corpus.base + "assertions/plain-recipient.json", "--email", EMAIL)
    )
    assert snapshot["assertion"]["json"]["recipient"] == {
        "type": "email",
        "hashed": False,
        "identity": "",
    }
    assert snapshot["recipient"]["result"] == "matched"
    assert snapshot["recipient"]["hash"] == "plain"


@pytest.mark.parametrize(
    ("recipient", "given"),
    [
        ({"type": "telephone", "hashed": False, "identity": "+15555550123"}, "--telephone"),
        ({"type": "url", "hashed": False, "identity": "https://ada.example/"}, "--recipient-url"),
    ],
)
def test_telephone_and_url_recipients(
    site: Path, corpus: Served, recipient: dict, given: str
) -> None:
    document = json.loads((corpus.root / "assertions/valid-iri.json").read_text())
    url = corpus.base + f"assertions/by-{recipient['type']}.json"
    document |= {"id": url, "recipient": recipient}
    (corpus.root / f"assertions/by-{recipient['type']}.json").write_text(json.dumps(document))
    by_email = run(site, url, "--email", EMAIL)
    assert by_email.exit_code == 1
    kind = recipient["type"]
    assert f"identified by {kind}, and no {kind} was given: give it with {given}" in (
        by_email.output
    )
    snapshot = imported(run(site, url, given, recipient["identity"]))
    assert snapshot["recipient"]["type"] == recipient["type"]
    assert snapshot["recipient"]["result"] == "matched"
    assert recipient["identity"] not in json.dumps(snapshot)


def test_refresh_keeps_the_confirmation_and_says_it_cannot_check_again(
    site: Path, corpus: Served
) -> None:
    confirmed = imported(run(site, corpus.base + "assertions/valid-iri.json", "--email", EMAIL))
    unconfirmed = imported(
        run(site, corpus.base + "assertions/evidence-string.json", "--unverified")
    )
    arguments = ["import", "--refresh", "--site", str(site), LOCAL]
    refused = CliRunner().invoke(main, [*arguments, "--email", EMAIL])
    assert refused.exit_code == 2
    assert "--refresh keeps each badge's recipient confirmation as imported" in refused.output
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-2:] == [
        "Refreshed 2 imported badges; 0 changed.",
        "Recipients were not checked again (their addresses are not kept): each badge keeps "
        "the confirmation its import made.",
    ]
    for before in (confirmed, unconfirmed):
        key = Path(before["image"]["file"]).parent.name
        after = json.loads((site / f"content/imported/{key}.json").read_text())
        assert after["recipient"] == before["recipient"]
    assert {confirmed["recipient"]["result"], unconfirmed["recipient"]["result"]} == {
        "matched",
        "not checked",
    }


def test_refresh_drops_the_confirmation_when_the_assertion_names_someone_else(
    site: Path, corpus: Served, tmp_path: Path
) -> None:
    snapshot = imported(run(site, corpus.base + "assertions/valid-iri.json", "--email", EMAIL))
    served = corpus.root / "assertions/valid-iri.json"
    document = json.loads(served.read_text())
    document["recipient"] = {"type": "email", "hashed": False, "identity": "eve@learner.example"}
    served.write_text(json.dumps(document))
    result = CliRunner().invoke(main, ["import", "--refresh", "--site", str(site), LOCAL])
    assert result.exit_code == 0, result.output
    key = Path(snapshot["image"]["file"]).parent.name
    assert result.output.splitlines()[0] == (
        f"{key}: valid (verified; the assertion names another recipient now: import it again "
        "with --email to confirm it)"
    )
    assert "; 1 changed." in result.output
    refreshed = json.loads((site / f"content/imported/{key}.json").read_text())
    assert refreshed["recipient"]["result"] == "not checked"
    assert "eve@learner.example" not in json.dumps(refreshed)
    page, _ = page_of(site, refreshed, tmp_path)
    assert '<h2 id="status-heading">Recipient not confirmed</h2>' in page
