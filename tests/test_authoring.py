"""award, bulk issuing, revoke and accept: records written safely, addresses never stored."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from badgesite.build import build, load_site
from badgesite.cli import main
from badgesite.openbadges.hashing import SaltKey, identity_matches
from badgesite.openbadges.multikey import parse_signing_key
from helpers import FIXED_NOW, GOLDEN_SIGNING_KEY, tree_bytes, write

ADDRESS = "Ada.Nkemelu@Mail.Example"
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
BASE = "https://badges.harbour-lab.example/pages/assertions/"


def run(*args: str):
    env = {"SOURCE_DATE_EPOCH": "1761998400", "CI": None, "BADGESITE_SIGNING_KEY": None}
    return CliRunner().invoke(main, list(args), env=env)


def assert_address_nowhere(root: Path, *addresses: str) -> None:
    for path, data in tree_bytes(root).items():
        for address in addresses:
            assert address.lower().encode() not in data.lower(), path


def test_award_writes_a_new_file_with_a_uuid_and_a_salted_hash(site: Path) -> None:
    result = run(
        "award",
        "soldering",
        "--earner",
        "bo",
        "--email",
        ADDRESS,
        "--issued-on",
        "2025-01-02",
        "--expires",
        "2027-01-02",
        "--evidence",
        "https://bo.example/work",
        "--narrative",
        "Soldered *everything*.",
        "--site",
        str(site),
    )
    assert result.exit_code == 0, result.output
    wrote, url = result.output.splitlines()
    assert wrote == "Wrote content/awards/2025-01-02-bo-soldering.yaml"
    award_id = url.removeprefix(BASE).rstrip("/")
    assert UUID4.match(award_id)
    data = yaml.safe_load((site / "content/awards/2025-01-02-bo-soldering.yaml").read_text())
    assert data["id"] == award_id
    assert data["evidence"] == [{"url": "https://bo.example/work"}]
    recipient = data["recipient"]
    assert identity_matches(ADDRESS, recipient["salt"], recipient["identity"])
    assert len(recipient["salt"]) == 32
    assert award_id in (site / "content/published-awards.txt").read_text()
    assert_address_nowhere(site, ADDRESS)
    build(site, site / "output", now=FIXED_NOW)
    assert (site / "output/assertions" / f"{award_id}.json").is_file()
    assert_address_nowhere(site, ADDRESS)


def test_salts_are_derived_from_the_address_with_the_sites_key_else_random(
    site: Path, tmp_path: Path
) -> None:
    key = SaltKey.from_secret(parse_signing_key(GOLDEN_SIGNING_KEY).seed)
    sheet = tmp_path / "cohort.csv"
    sheet.write_text(
        "name,email,badge\nBo Two,Bo@Two.Example,soldering\nCy Why,c@y.example,soldering\n"
    )
    seen = {award.recipient.salt for award in load_site(site).awards.values()}

    def new_salts(*options: str) -> list[str]:
        result = run("award", *options, "--site", str(site), "--allow-duplicates")
        assert result.exit_code == 0, result.output
        salts = [award.recipient.salt for award in load_site(site).awards.values()]
        made = sorted(salt for salt in salts if salt not in seen)
        seen.update(made)
        return made

    single = new_salts("soldering", "--earner", "bo", "--email", ADDRESS)
    assert single == [key.salt(ADDRESS.lower())]
    assert new_salts("--from-csv", str(sheet)) == sorted(
        [key.salt("bo@two.example"), key.salt("c@y.example")]
    )
    shutil.rmtree(site / ".badgesite")  # no key here: each award gets a random salt of its own
    (random,) = new_salts("soldering", "--earner", "bo", "--email", ADDRESS)
    assert re.fullmatch("[0-9a-f]{32}", random)
    assert_address_nowhere(site, ADDRESS, "bo@two.example", "c@y.example")


def test_a_second_award_of_the_same_badge_gets_its_own_file(site: Path) -> None:
    args = ("award", "soldering", "--earner", "bo", "--email", ADDRESS, "--issued-on", "2025-01-02")
    assert run(*args, "--site", str(site)).exit_code == 0
    result = run(*args, "--allow-duplicates", "--site", str(site))
    assert result.output.startswith("Wrote content/awards/2025-01-02-bo-soldering-2.yaml")
    assert len(load_site(site).awards) == 13


def test_a_private_earners_award_is_not_recorded_as_published(site: Path) -> None:
    result = run("award", "soldering", "--earner", "cy", "--email", ADDRESS, "--site", str(site))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].endswith("(private earner: not published)")
    award_id = result.output.splitlines()[1].removeprefix(BASE).split("/")[0]
    assert award_id not in (site / "content/published-awards.txt").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("soldring", "--earner", "bo"),
            "error: no badge 'soldring' in content/badges/ (did you mean 'soldering'?)",
        ),
        (
            ("soldering", "--earner", "bob"),
            "error: no earner 'bob' in content/earners/ (did you "
            "mean 'bo'?): create content/earners/bob.yaml",
        ),
        (("soldering", "--earner", "../../x"), "error: '../../x' is not a valid earner slug"),
        (("../b", "--earner", "bo"), "error: '../b' is not a valid badge slug"),
        (
            ("soldering", "--earner", "x" * 300),
            "error: earner slug is 300 characters long; the limit is 200 (it becomes a file name)",
        ),
        (
            ("soldering", "--earner", "bo", "--evidence", "javascript:alert(1)"),
            "error: --evidence 'javascript:alert(1)' is not an absolute http(s) URL",
        ),
    ],
)
def test_award_refuses_unknown_or_unsafe_names(site: Path, args: tuple, message: str) -> None:
    before = tree_bytes(site)
    result = run("award", *args, "--email", ADDRESS, "--site", str(site))
    assert result.exit_code == 1
    assert result.output.startswith(message)
    assert result.output.endswith("Nothing was written.\n")
    assert tree_bytes(site) == before


@pytest.mark.parametrize(
    "address", ["not-an-address", "a" * 100_000 + "@x.example"], ids=["not-an-address", "huge"]
)
def test_award_refuses_a_bad_address_without_echoing_it(site: Path, address: str) -> None:
    before = tree_bytes(site)
    result = run("award", "soldering", "--earner", "bo", "--email", address, "--site", str(site))
    assert result.exit_code == 1
    assert "error: the --email value is not an email address" in result.output
    assert address not in result.output
    assert tree_bytes(site) == before


def test_an_award_the_model_refuses_is_never_written(site: Path) -> None:
    replace = site / "content/badges/soldering.yaml"
    replace.write_text(replace.read_text() + "retired: 2024-12-31\n")
    before = tree_bytes(site)
    result = run(
        "award",
        "soldering",
        "--earner",
        "bo",
        "--email",
        ADDRESS,
        "--issued-on",
        "2025-02-01",
        "--site",
        str(site),
    )
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "content/awards/2025-02-01-bo-soldering.yaml:8: issued_on: badge 'soldering' was "
        "retired on 2024-12-31; a retired badge is no longer awarded"
    )
    assert tree_bytes(site) == before


def test_authoring_refuses_to_touch_a_broken_site(site: Path) -> None:
    write(site, "content/earners/ada.yaml", "name: Ada\nvisibilty: public\n")
    before = tree_bytes(site)
    result = run("award", "soldering", "--earner", "bo", "--email", ADDRESS, "--site", str(site))
    assert result.exit_code == 1
    assert "content/earners/ada.yaml:2: visibilty: unknown field" in result.output
    assert tree_bytes(site) == before


CSV_HEADER = "name,email,badge,evidence,issued_on,expires\n"


def test_bulk_issue_creates_earners_and_prints_urls(site: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "spring cohort.csv"
    sheet.write_text(  # with a byte order mark, as spreadsheet programs write them
        "\ufeffname,email,badge,earner,evidence,issued_on,expires\n"
        "Ada Nkemelu,ada@one.example,laser-cutting,ada,,2025-03-01,\n"
        "Inês Gonçalves,ines@two.example,soldering,,https://ines.example/x,2025-03-01,2027-01-01\n"
        "Dan Ore,dan@three.example,soldering,,,,\n",
        encoding="utf-8",
    )
    result = run("award", "--from-csv", str(sheet), "--site", str(site))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == [
        "New earner: content/earners/dan-ore.yaml",
        "New earner: content/earners/ines-goncalves.yaml",
    ]
    assert lines[2] == "Wrote 3 awards to content/awards/2025-11-01-spring-cohort.yaml:"
    assert all(UUID4.match(line.removeprefix(BASE).rstrip("/")) for line in lines[3:])
    assert len(lines) == 6
    records = yaml.safe_load((site / "content/awards/2025-11-01-spring-cohort.yaml").read_text())
    assert [r["earner"] for r in records] == ["ada", "ines-goncalves", "dan-ore"]
    assert records[2]["issued_on"].isoformat() == "2025-11-01"  # today, as SOURCE_DATE_EPOCH
    assert identity_matches(
        "ines@two.example", records[1]["recipient"]["salt"], records[1]["recipient"]["identity"]
    )
    earner = yaml.safe_load((site / "content/earners/ines-goncalves.yaml").read_text())
    assert earner == {"name": "Inês Gonçalves", "visibility": "public"}
    assert_address_nowhere(site, "ada@one.example", "ines@two.example", "dan@three.example")
    build(site, site / "output", now=FIXED_NOW)


def test_bulk_issue_is_all_or_nothing_with_row_numbers(site: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "batch.csv"
    sheet.write_text(
        CSV_HEADER
        + "Ada Nkemelu,ada@one.example,laser-cutting,,,\n"
        + "Bo Other,bo@x.example,soldering,,,\n"
        + "Eve,not-an-address,soldring,ftp://x,2025-13-01,\n"
        + "Ada Nkemelu,ada@one.example,laser-cutting,,,\n"
    )
    before = tree_bytes(site)
    result = run("award", "--from-csv", str(sheet), "--site", str(site))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "batch.csv:4: badge: no badge 'soldring' in content/badges/ (did you mean 'soldering'?)",
        "batch.csv:4: email: not an email address",
        "batch.csv:4: evidence: 'ftp://x' is not an absolute http(s) URL",
        "batch.csv:4: issued_on: '2025-13-01' is not a date (YYYY-MM-DD)",
        "batch.csv:5: email: the same address gets this badge on the same day in row 2 "
        "(--allow-duplicates issues it anyway)",
        "5 errors; nothing was written.",
    ]
    assert tree_bytes(site) == before


def test_bulk_issue_checks_columns_and_name_clashes(site: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "batch.csv"
    sheet.write_text("name,mail,badge\nAda,ada@one.example,soldering\n")
    result = run("award", "--from-csv", str(sheet), "--site", str(site))
    assert result.output.splitlines()[:2] == [
        "batch.csv:1: email: required column is missing",
        "batch.csv:1: mail: unknown column (did you mean 'email'?)",
    ]
    sheet.write_text(
        "name,email,badge\nBo Lindqvist,bo@one.example,soldering\n"
        "Bo Larsen,bo2@one.example,soldering\n"
    )
    (site / "content/earners/bo-lindqvist.yaml").write_text("name: Someone Else\n")
    result = run("award", "--from-csv", str(sheet), "--site", str(site))
    assert result.output.splitlines()[0] == (
        "batch.csv:2: name: earner 'bo-lindqvist' already exists as 'Someone Else': add an "
        "'earner' column to say which earner this row is"
    )


def test_bulk_issue_refuses_huge_files(site: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "huge.csv"
    sheet.write_text(CSV_HEADER + "x,x@y.example,soldering,,,\n" * 200_000)
    result = run("award", "--from-csv", str(sheet), "--site", str(site))
    assert result.exit_code == 1
    assert result.output.startswith("huge.csv: file is ")
    assert "bytes; the limit is 5242880" in result.output


def test_bulk_warns_about_a_csv_inside_the_site(site: Path) -> None:
    write(site, "people.csv", "name,email,badge\nAda Nkemelu,ada@one.example,soldering\n")
    result = run("award", "--from-csv", str(site / "people.csv"), "--site", str(site))
    assert result.exit_code == 0, result.output
    assert "holds plain email addresses and is inside the site" in result.output


PENDING = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c05"  # bo's laser-cutting, accepted: false
REVOKED = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c04"
ADA_SECOND = "7b3e9d14-52c8-4f0a-8e61-2d9c4b7a1e02"


def test_revoke_edits_the_award_in_place_and_keeps_the_rest(site: Path) -> None:
    path = site / "content/awards/ada.yaml"
    path.write_text("# Ada's awards: keep this comment.\n" + path.read_text())
    before = path.read_text()
    result = run(
        "revoke",
        ADA_SECOND,
        "--reason",
        "Issued in error:\n wrong  course",
        "--date",
        "2025-05-01",
        "--site",
        str(site),
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Revoked {ADA_SECOND} in content/awards/ada.yaml\n{BASE}{ADA_SECOND}/\n"
    )
    after = path.read_text()
    added = "  revoked:\n    date: 2025-05-01\n    reason: 'Issued in error: wrong course'\n"
    anchor = "  expires: 2025-04-10\n"
    assert after == before.replace(anchor, anchor + added)
    award = load_site(site).awards[ADA_SECOND]
    assert award.revocation is not None
    assert award.revocation.reason == "Issued in error: wrong course"


def test_revoke_a_single_award_file_with_a_block_scalar_last(site: Path) -> None:
    write(
        site,
        "content/awards/one.yaml",
        "id: abc-1\nbadge: soldering\nearner: bo\nrecipient:\n  identity: sha256$"
        + "a" * 64
        + "\n  salt: s\nissued_on: 2024-01-01\nnarrative: |\n  Line one.\n\n"
        "  Line two.\n\n# trailing comment\n",
    )
    result = run(
        "revoke", "abc-1", "--reason", "Duplicate", "--date", "2025-01-01", "--site", str(site)
    )
    assert result.exit_code == 0, result.output
    text = (site / "content/awards/one.yaml").read_text()
    assert text.endswith(
        "  Line two.\nrevoked:\n  date: 2025-01-01\n  reason: Duplicate\n\n# trailing comment\n"
    )
    assert load_site(site).awards["abc-1"].narrative == "Line one.\n\nLine two."


def test_revoke_errors(site: Path) -> None:
    before = tree_bytes(site)
    unknown = run("revoke", "no-such-award", "--reason", "x", "--site", str(site))
    assert unknown.exit_code == 1
    assert unknown.output.startswith("error: no award with id 'no-such-award' in content/awards/")
    again = run("revoke", REVOKED, "--reason", "x", "--site", str(site))
    assert again.exit_code == 1
    assert again.output.startswith(
        f"error: award '{REVOKED}' is already revoked on 2024-06-01 "
        "(content/awards/bo-and-cy.yaml): Issued to the wrong member."
    )
    blank = run("revoke", ADA_SECOND, "--reason", "  ", "--site", str(site))
    assert "needs a --reason" in blank.output
    assert tree_bytes(site) == before


def test_revoke_edits_a_flow_style_award_inside_its_braces(site: Path) -> None:
    text = (
        "{id: flow-1, badge: soldering, earner: bo, issued_on: 2024-01-01, recipient: "
        "{identity: 'sha256$" + "b" * 64 + "', salt: s}}  # one line\n"
    )
    write(site, "content/awards/flow.yaml", text)
    result = run("revoke", "flow-1", "--reason", "x", "--date", "2025-01-01", "--site", str(site))
    assert result.exit_code == 0, result.output
    assert (site / "content/awards/flow.yaml").read_text() == text.replace(
        "salt: s}}", "salt: s}, revoked: {date: 2025-01-01, reason: x}}"
    )
    assert load_site(site).awards["flow-1"].revocation is not None


def test_revoke_keeps_a_kept_narratives_trailing_blank_lines(site: Path) -> None:
    # Issue 15: inserting before the blank lines cut them off the narrative.
    write(
        site,
        "content/awards/kept.yaml",
        "id: kept-1\nbadge: soldering\nearner: bo\nrecipient:\n  identity: sha256$"
        + "a" * 64
        + "\n  salt: s\nissued_on: 2024-01-01\nnarrative: |+\n  Line one.\n\n\n",
    )
    before = yaml.safe_load((site / "content/awards/kept.yaml").read_text())["narrative"]
    result = run("revoke", "kept-1", "--reason", "x", "--date", "2025-01-01", "--site", str(site))
    assert result.exit_code == 0, result.output
    text = (site / "content/awards/kept.yaml").read_text()
    assert text.endswith("  Line one.\n\n\nrevoked:\n  date: 2025-01-01\n  reason: x\n")
    assert yaml.safe_load(text)["narrative"] == before == "Line one.\n\n\n"


def test_accept_fills_an_empty_accepted_key(site: Path) -> None:
    # Issue 15: `accepted:` left empty became `accepted:true`, which is not YAML.
    path = site / "content/awards/bo-and-cy.yaml"
    text = path.read_text().replace("  accepted: false\n", "  accepted:\n")
    path.write_text(text)
    write(site, "content/earners/bo.yaml", "name: Bo Lindqvist\nauto_accept: false\n")
    result = run("accept", PENDING, "--site", str(site))
    assert result.exit_code == 0, result.output
    assert path.read_text() == text.replace("  accepted:\n", "  accepted: true\n")


def test_revoke_and_accept_take_an_id_prefix(site: Path) -> None:
    result = run(
        "revoke",
        ADA_SECOND[:8].upper(),
        "--reason",
        "x",
        "--date",
        "2025-01-01",
        "--site",
        str(site),
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Revoked {ADA_SECOND} in content/awards/ada.yaml\n{BASE}{ADA_SECOND}/\n"
    )
    accepted = run("accept", PENDING[:4], "--site", str(site))
    assert accepted.exit_code == 0, accepted.output
    assert accepted.output.startswith(f"Accepted {PENDING} in content/awards/bo-and-cy.yaml\n")
    assert load_site(site).awards[PENDING].accepted


def test_an_id_prefix_must_be_unambiguous_and_long_enough(site: Path) -> None:
    twin = "7b3e9d14-0000-4000-8000-000000000000"  # begins as ADA_SECOND does
    write(
        site,
        "content/awards/twin.yaml",
        f"id: {twin}\nbadge: soldering\nearner: cy\nrecipient:\n  identity: sha256$"
        + "d" * 64
        + "\n  salt: s\nissued_on: 2024-07-01\n",
    )
    before = tree_bytes(site)
    ambiguous = run("revoke", "7b3e9d14", "--reason", "x", "--site", str(site))
    assert ambiguous.exit_code == 1
    assert ambiguous.output.splitlines() == [
        "error: '7b3e9d14' is the beginning of 2 award ids; give more of the id:",
        f"  {twin}  2024-07-01  cy  soldering",
        f"  {ADA_SECOND}  2024-04-10  ada  laser-cutting",
        "Nothing was written.",
    ]
    short = run("accept", "7b3", "--site", str(site))
    assert short.exit_code == 1
    assert short.output.startswith(
        "error: '7b3' is too short to name an award (2 awards begin with it): give at least "
        "4 characters of its id (`badgesite list` shows them)"
    )
    typo = run("revoke", "7b3f9d14-52c8", "--reason", "x", "--site", str(site))
    assert typo.exit_code == 1
    assert typo.output.startswith(
        f"error: no award with id '7b3f9d14-52c8' in content/awards/ (did you mean '{ADA_SECOND}'?)"
    )
    assert tree_bytes(site) == before
    assert run("revoke", "7b3e9d14-5", "--reason", "x", "--site", str(site)).exit_code == 0
    assert load_site(site).awards[ADA_SECOND].revocation is not None


ADA_FIRST = "2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01"


def test_withdraw_takes_a_prefix_and_says_what_is_left_to_do(site: Path) -> None:
    result = run("withdraw", ADA_FIRST[:6], "--reason", "Asked", "--site", str(site))
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Recorded the withdrawal of {ADA_FIRST} in content/withdrawn-awards.txt. Now delete "
        "its record from content/awards/ada.yaml (or make its earner private) and build.\n"
    )
    assert (site / "content/withdrawn-awards.txt").read_text().splitlines()[-1] == (
        f"{ADA_FIRST} 2025-11-01 Asked"
    )


def test_withdraw_after_the_record_is_gone_says_so(site: Path) -> None:
    path = site / "content/awards/ada.yaml"
    text = path.read_text()
    path.write_text(text[text.index("- id: 7b3e9d14") :])  # Ada's first award deleted
    result = run("withdraw", ADA_FIRST, "--reason", "Asked", "--site", str(site))
    assert result.exit_code == 0, result.output
    assert result.output.endswith(
        "Its record is already gone: the next build no longer publishes it.\n"
    )
    assert "delete" not in result.output


def test_withdraw_of_a_private_earners_award_says_it_is_no_longer_published(site: Path) -> None:
    write(site, "content/earners/bo.yaml", "name: Bo Lindqvist\nvisibility: private\n")
    result = run("withdraw", PENDING, "--reason", "Asked", "--site", str(site))
    assert result.exit_code == 0, result.output
    assert result.output.endswith(
        "Its earner 'bo' is private, so the next build no longer publishes it.\n"
    )


def test_withdraw_of_an_unknown_id_says_so(site: Path) -> None:
    result = run("withdraw", "ffff0000", "--reason", "Asked", "--site", str(site))
    assert result.exit_code == 1
    assert result.output.startswith(
        "error: no award with id 'ffff0000' in content/published-awards.txt or content/awards/"
    )
    assert not (site / "content/withdrawn-awards.txt").exists()


def test_award_warns_about_odd_dates_and_refuses_an_expiry_before_the_issue(site: Path) -> None:
    common = ("award", "soldering", "--earner", "bo", "--email", ADDRESS, "--site", str(site))
    future = run(*common, "--issued-on", "2026-01-15")
    assert future.exit_code == 0, future.output
    assert future.stderr.splitlines() == [
        "warning: --issued-on 2026-01-15 is in the future (today is 2025-11-01): the award "
        "shows as not yet valid until then"
    ]
    past = run(*common, "--issued-on", "2024-01-01", "--expires", "2025-06-30")
    assert past.exit_code == 0, past.output
    assert past.stderr.splitlines() == [
        "warning: --expires 2025-06-30 is not in the future (today is 2025-11-01): the award "
        "is expired from the start"
    ]
    quiet = run(*common, "--issued-on", "2025-01-01", "--expires", "2027-01-01")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    before = tree_bytes(site)
    backwards = run(*common, "--issued-on", "2025-03-01", "--expires", "2025-02-01")
    assert backwards.exit_code == 1
    assert backwards.output.splitlines() == [
        "error: --expires 2025-02-01 is not after the award's date 2025-03-01: an award can "
        "only expire after it is issued",
        "Nothing was written.",
    ]
    assert tree_bytes(site) == before


def test_accept_replaces_false_or_adds_the_key(site: Path) -> None:
    path = site / "content/awards/bo-and-cy.yaml"
    before = path.read_text()
    result = run("accept", PENDING, "--site", str(site))
    assert result.exit_code == 0, result.output
    assert path.read_text() == before.replace("  accepted: false\n", "  accepted: true\n")
    again = run("accept", PENDING, "--site", str(site))
    assert again.exit_code == 1
    assert f"error: award '{PENDING}' is already accepted" in again.output
    write(
        site,
        "content/earners/bo.yaml",
        "name: Bo Lindqvist\nvisibility: unlisted\nauto_accept: false\n",
    )
    assert not load_site(site).awards[REVOKED].accepted
    assert run("accept", REVOKED, "--site", str(site)).exit_code == 0
    assert load_site(site).awards[REVOKED].accepted
    assert "    reason: Issued to the wrong member.\n  accepted: true\n" in path.read_text()


def test_withdraw_on_a_broken_site_still_records_it_and_says_what_may_be_left(
    site: Path,
) -> None:
    write(site, "content/earners/ada.yaml", "name: Ada\nvisibilty: public\n")
    result = run("withdraw", ADA_FIRST[:8], "--reason", "Asked", "--site", str(site))
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Recorded the withdrawal of {ADA_FIRST} in content/withdrawn-awards.txt. If its "
        "record is still in content/awards/, delete it (or make its earner private); then "
        "build.\n"
    )


def test_a_single_award_follows_the_sheets_duplicate_rule(site: Path) -> None:
    args = ("award", "soldering", "--earner", "bo", "--email", ADDRESS, "--site", str(site))
    first = run(*args)
    assert first.exit_code == 0, first.output
    award_id = first.output.splitlines()[1].removeprefix(BASE).rstrip("/")
    before = tree_bytes(site)
    again = run(*args[:5], "  ada.nkemelu@mail.example ", *args[6:])  # as hashed: trimmed, lower
    assert again.exit_code == 1
    assert again.output.splitlines() == [
        "error: this address already has badge 'soldering' issued on 2025-11-01: award "
        f"{award_id} in content/awards/2025-11-01-bo-soldering.yaml "
        "(--allow-duplicates issues it anyway)",
        "Nothing was written.",
    ]
    assert tree_bytes(site) == before
    assert run(*args, "--issued-on", "2025-10-31").exit_code == 0  # another day
    assert run(*args[:5], "other@mail.example", *args[6:]).exit_code == 0  # another address
    allowed = run(*args, "--allow-duplicates")
    assert allowed.exit_code == 0, allowed.output
    assert len(load_site(site).awards) == 11 + 4


def test_a_revoked_award_is_no_duplicate(site: Path) -> None:
    args = ("award", "soldering", "--earner", "bo", "--email", ADDRESS, "--site", str(site))
    award_id = run(*args).output.splitlines()[1].removeprefix(BASE).rstrip("/")
    assert run("revoke", award_id, "--reason", "Wrong course", "--site", str(site)).exit_code == 0
    result = run(*args)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (
            ("award", "soldering", "--earner", "bo", "--email", ADDRESS, "--narrative"),
            "--narrative",
        ),
        (("revoke", ADA_SECOND, "--reason"), "--reason"),
        (("withdraw", ADA_FIRST, "--reason"), "--reason"),
    ],
)
@pytest.mark.parametrize(
    "text",
    [
        "ask n1@example.org",
        "mail Rev@Example.ORG today",
        "write to n1&#64;example.org",
        "a\\@b.example",
    ],
)
def test_free_text_options_never_write_an_address(
    site: Path, args: tuple[str, ...], option: str, text: str
) -> None:
    before = tree_bytes(site)
    result = run(*args, text, "--site", str(site))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"error: {option} holds an email address, which would be written into content/ and "
        "published: leave it out (an award keeps only the salted hash of --email)",
        "Nothing was written.",
    ]
    assert "example.org" not in result.output.lower()
    assert tree_bytes(site) == before


@pytest.mark.parametrize(
    ("args", "option", "limit"),
    [
        (
            ("award", "soldering", "--earner", "bo", "--email", ADDRESS, "--narrative"),
            "--narrative",
            10_000,
        ),
        (("revoke", ADA_SECOND, "--reason"), "--reason", 1_000),
        (("withdraw", ADA_FIRST, "--reason"), "--reason", 1_000),
    ],
)
def test_free_text_options_are_capped(
    site: Path, args: tuple[str, ...], option: str, limit: int
) -> None:
    before = tree_bytes(site)
    result = run(*args, "x" * (limit + 1), "--site", str(site))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"error: {option} is {limit + 1} characters long; at most {limit}",
        "Nothing was written.",
    ]
    assert tree_bytes(site) == before
    assert run(*args, "x" * limit, "--site", str(site)).exit_code == 0


def test_a_revocation_is_dated_between_the_issue_and_today(site: Path) -> None:
    before = tree_bytes(site)
    common = ("revoke", ADA_SECOND, "--reason", "Wrong course", "--site", str(site))
    early = run(*common, "--date", "2024-04-09")
    assert early.exit_code == 1
    assert early.output.splitlines() == [
        "error: --date 2024-04-09 is before the award was issued (2024-04-10): an award can "
        "only be revoked after it is issued",
        "Nothing was written.",
    ]
    future = run(*common, "--date", "2025-11-02")
    assert future.exit_code == 1
    assert future.output.splitlines() == [
        "error: --date 2025-11-02 is in the future (today is 2025-11-01): a revocation takes "
        "effect at the next build, so it is dated today or earlier",
        "Nothing was written.",
    ]
    assert tree_bytes(site) == before
    on_the_day = run(*common, "--date", "2024-04-10")
    assert on_the_day.exit_code == 0, on_the_day.output
    revocation = load_site(site).awards[ADA_SECOND].revocation
    assert revocation is not None and revocation.date is not None
    assert revocation.date.date().isoformat() == "2024-04-10"
