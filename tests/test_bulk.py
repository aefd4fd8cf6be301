"""`badgesite award --from-csv`: minimal sheets, duplicates, visibility and hostile cells."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from badgesite.authoring import bulk
from badgesite.authoring.sheet import MAX_CSV_ROWS
from badgesite.authoring.yamltext import dump_yaml
from badgesite.build import build, load_site
from badgesite.cli import main
from badgesite.load import MAX_RECORD_BYTES, read_yaml
from badgesite.openbadges.hashing import hash_identity
from helpers import FIXED_NOW, tree_bytes, write

TODAY = "2025-11-01"  # SOURCE_DATE_EPOCH below


def run(*args: str):
    env = {"SOURCE_DATE_EPOCH": "1761998400", "CI": None}
    return CliRunner().invoke(main, list(args), env=env)


def issue(site: Path, sheet: Path, *extra: str):
    return run("award", "--from-csv", str(sheet), "--site", str(site), *extra)


def sheet_of(tmp_path: Path, text: str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def awards_in(site: Path, name: str = f"{TODAY}-people.yaml") -> list[dict]:
    return yaml.safe_load((site / "content/awards" / name).read_text(encoding="utf-8"))


# --- the minimal sheet ------------------------------------------------------------------


def test_the_minimal_three_column_sheet_of_many_rows_issues(site: Path, tmp_path: Path) -> None:
    rows = "".join(f"Person {n},p{n}@cohort.example,soldering\n" for n in range(40))
    sheet = sheet_of(tmp_path, "name,email,badge\n" + rows)
    result = issue(site, sheet)
    assert result.exit_code == 0, result.output
    text = (site / f"content/awards/{TODAY}-people.yaml").read_text()
    assert "&id" not in text and "*id" not in text  # one shared date, written out 40 times
    assert not isinstance(read_yaml(site / f"content/awards/{TODAY}-people.yaml", site), Exception)
    records = awards_in(site)
    assert len(records) == 40
    assert {record["issued_on"] for record in records} == {dt.date(2025, 11, 1)}
    assert len(load_site(site).awards) == 11 + 40
    build(site, site / "output", now=FIXED_NOW)


def test_a_new_sites_readme_example_issues_a_whole_cohort(tmp_path: Path) -> None:
    target = tmp_path / "mysite"
    assert run("new", str(target), "--base-url", "https://acme.github.io/badges/").exit_code == 0
    rows = "".join(f"Learner {n},l{n}@acme.example,first-badge\n" for n in range(3))
    result = issue(target, sheet_of(tmp_path, "name,email,badge\n" + rows))
    assert result.exit_code == 0, result.output
    build_result = run("build", "--site", str(target))
    assert build_result.exit_code == 0, build_result.output


def test_dump_yaml_writes_shared_values_out_in_full(tmp_path: Path) -> None:
    day = dt.date(2025, 3, 1)
    evidence = [{"url": "https://x.example/"}]
    text = dump_yaml([{"issued_on": day, "evidence": evidence}, {"issued_on": day, "e": evidence}])
    assert "&" not in text and "*" not in text
    path = tmp_path / "content/awards/x.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    data, _ = read_yaml(path, tmp_path)  # the loader refuses aliases; there are none
    assert data[1] == {"issued_on": day, "e": evidence}


_SCALARS = st.one_of(
    st.text(max_size=20),
    st.integers(),
    st.booleans(),
    st.dates(),
    st.none(),
)
_SHAREABLE = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(min_size=1, max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_SHAREABLE, min_size=1, max_size=4), st.lists(st.integers(0, 3), max_size=8))
@example(["\x85", "a\u2028b\u2029"], [])  # line breaks PyYAML leaves bare in single quotes
def test_whatever_is_shared_the_loader_reads_dump_yaml_back(
    tmp_path_factory: pytest.TempPathFactory, values: list, picks: list[int]
) -> None:
    """The same objects several times over, as records built from one request share them."""
    shared = [values[pick % len(values)] for pick in picks] + values
    root = tmp_path_factory.mktemp("dump")
    path = root / "content/awards/x.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(dump_yaml(shared), encoding="utf-8")
    parsed = read_yaml(path, root)
    assert not isinstance(parsed, Exception), parsed
    assert parsed[0] == shared


def test_revoking_in_a_bulk_file_keeps_it_loadable(site: Path, tmp_path: Path) -> None:
    rows = "".join(f"Person {n},p{n}@cohort.example,soldering\n" for n in range(3))
    assert issue(site, sheet_of(tmp_path, "name,email,badge\n" + rows)).exit_code == 0
    award_id = awards_in(site)[1]["id"]
    result = run("revoke", award_id, "--reason", "Issued by mistake", "--site", str(site))
    assert result.exit_code == 0, result.output
    assert load_site(site).awards[award_id].revocation is not None


# --- slugs ------------------------------------------------------------------------------


def test_earner_slugs_keep_every_letter(site: Path, tmp_path: Path) -> None:
    sheet = sheet_of(
        tmp_path,
        "name,email,badge\n"
        "Søren Kowalski,s@one.example,soldering\n"
        "Łukasz Nowak,l@one.example,soldering\n"
        "Đorđe Petrović,d@one.example,soldering\n"
        "Иван Петров,i@one.example,soldering\n"
        "王小明,w@one.example,soldering\n"
        "🎉🎉,e@one.example,soldering\n",
    )
    result = issue(site, sheet)
    assert result.exit_code == 0, result.output
    earners = [record["earner"] for record in awards_in(site)]
    assert earners[:5] == [
        "soren-kowalski",
        "lukasz-nowak",
        "dorde-petrovic",
        "ivan-petrov",
        "wang-xiao-ming",
    ]
    assert len(earners[5]) == 8  # nothing to transliterate: a short hash of the name
    earner = yaml.safe_load((site / "content/earners/ivan-petrov.yaml").read_text())
    assert earner == {"name": "Иван Петров", "visibility": "public"}


def test_the_awards_file_name_is_made_by_the_same_slugifier(site: Path, tmp_path: Path) -> None:
    sheet = sheet_of(
        tmp_path, "name,email,badge\nAda Nkemelu,a@x.example,soldering\n", "Весна 2025.csv"
    )
    result = issue(site, sheet)
    assert result.exit_code == 0, result.output
    assert (site / f"content/awards/{TODAY}-vesna-2025.yaml").is_file()


# --- duplicates -------------------------------------------------------------------------


def test_the_same_sheet_twice_is_refused_unless_allowed(site: Path, tmp_path: Path) -> None:
    sheet = sheet_of(
        tmp_path,
        "name,email,badge\n"
        "Ada Nkemelu,ada@one.example,soldering\n"
        "Dan Ore,dan@x.example,soldering\n",
    )
    assert issue(site, sheet).exit_code == 0
    first = awards_in(site)
    before = tree_bytes(site)
    again = issue(site, sheet)
    assert again.exit_code == 1
    source = f"content/awards/{TODAY}-people.yaml"
    assert again.output.splitlines() == [
        f"people.csv:2: email: this address already has badge 'soldering' issued on {TODAY}: "
        f"award {first[0]['id']} in {source} (--allow-duplicates issues it anyway)",
        f"people.csv:3: email: this address already has badge 'soldering' issued on {TODAY}: "
        f"award {first[1]['id']} in {source} (--allow-duplicates issues it anyway)",
        "2 errors; nothing was written.",
    ]
    assert "ada@one.example" not in again.output
    assert tree_bytes(site) == before
    allowed = issue(site, sheet, "--allow-duplicates")
    assert allowed.exit_code == 0, allowed.output
    assert len(awards_in(site, f"{TODAY}-people-2.yaml")) == 2


def test_duplicates_are_judged_by_badge_address_and_day_in_the_sites_zone(
    site: Path, tmp_path: Path
) -> None:
    salt = "0123456789abcdef"
    write(
        site,
        "content/awards/earlier.yaml",
        "id: 11111111-2222-4333-8444-555555555555\nbadge: soldering\nearner: bo\n"
        f"recipient:\n  identity: {hash_identity('bo@lindqvist.example', salt)}\n"
        f"  salt: {salt}\n"
        "issued_on: 2025-03-01T23:30:00Z\n",  # 2 March in Europe/Berlin, the site's zone
    )
    write(site, "content/published-awards.txt", "11111111-2222-4333-8444-555555555555\n")
    sheet = sheet_of(
        tmp_path,
        "name,email,badge,earner,issued_on\n"
        "Bo Lindqvist, BO@Lindqvist.example ,soldering,bo,2025-03-02\n"
        "Bo Lindqvist,bo@lindqvist.example,soldering,bo,2025-03-01\n"
        "Bo Lindqvist,bo@lindqvist.example,laser-cutting,bo,2025-03-02\n"
        "Bo Lindqvist,bo@other.example,soldering,bo,2025-03-02\n",
    )
    result = issue(site, sheet)
    assert result.output.splitlines() == [
        "people.csv:2: email: this address already has badge 'soldering' issued on 2025-03-02: "
        "award 11111111-2222-4333-8444-555555555555 in content/awards/earlier.yaml "
        "(--allow-duplicates issues it anyway)",
        "1 error; nothing was written.",
    ]


def test_within_one_sheet_only_the_same_day_is_a_duplicate(site: Path, tmp_path: Path) -> None:
    sheet = sheet_of(
        tmp_path,
        "name,email,badge,issued_on\n"
        "Ada Nkemelu,ada@one.example,soldering,2025-01-10\n"
        "Ada Nkemelu,ada@one.example,soldering,2025-06-10\n"  # a yearly re-certification
        "Ada Nkemelu,ADA@one.example,soldering,2025-06-10\n",
    )
    result = issue(site, sheet)
    assert result.output.splitlines() == [
        "people.csv:4: email: the same address gets this badge on the same day in row 3 "
        "(--allow-duplicates issues it anyway)",
        "1 error; nothing was written.",
    ]
    allowed = issue(site, sheet, "--allow-duplicates")
    assert allowed.exit_code == 0, allowed.output
    assert len(awards_in(site)) == 3


def test_a_sheet_refuses_a_row_a_single_award_already_gave(site: Path, tmp_path: Path) -> None:
    single = run(
        "award", "soldering", "--earner", "bo", "--email", "bo@x.example", "--site", str(site)
    )
    assert single.exit_code == 0, single.output
    award_id = single.output.splitlines()[1].rsplit("/", 2)[-2]
    sheet = sheet_of(tmp_path, "name,email,badge,earner\nBo,BO@x.example,soldering,bo\n")
    assert issue(site, sheet).output.splitlines() == [
        f"people.csv:2: email: this address already has badge 'soldering' issued on {TODAY}: "
        f"award {award_id} in content/awards/{TODAY}-bo-soldering.yaml "
        "(--allow-duplicates issues it anyway)",
        "1 error; nothing was written.",
    ]


# --- visibility -------------------------------------------------------------------------


def test_a_visibility_column_sets_new_earners_visibility(site: Path, tmp_path: Path) -> None:
    sheet = sheet_of(
        tmp_path,
        "name,email,badge,visibility\n"
        "Una Listed,u@one.example,soldering,unlisted\n"
        "Pia Private,p@one.example,soldering,Private\n"
        "Pub Lic,pl@one.example,soldering,\n",
    )
    result = issue(site, sheet)
    assert result.exit_code == 0, result.output
    assert "(private earner: not published)" in result.output.splitlines()[-2]
    for slug, visibility in (("una-listed", "unlisted"), ("pia-private", "private")):
        earner = yaml.safe_load((site / f"content/earners/{slug}.yaml").read_text())
        assert earner["visibility"] == visibility
    assert yaml.safe_load((site / "content/earners/pub-lic.yaml").read_text())["visibility"] == (
        "public"
    )
    ids = [record["id"] for record in awards_in(site)]
    recorded = (site / "content/published-awards.txt").read_text()
    assert ids[0] in recorded and ids[1] not in recorded and ids[2] in recorded
    build(site, site / "output", now=FIXED_NOW)
    assert not (site / f"output/assertions/{ids[1]}.json").exists()


def test_the_site_default_visibility(site: Path, tmp_path: Path) -> None:
    config = site / "content/site.yaml"
    config.write_text(config.read_text() + "default_visibility: unlisted\n")
    sheet = sheet_of(
        tmp_path,
        "name,email,badge,visibility\n"
        "New Person,n@one.example,soldering,\n"
        "Pub Lic,pl@one.example,soldering,public\n",
    )
    result = issue(site, sheet)
    assert result.exit_code == 0, result.output
    new = yaml.safe_load((site / "content/earners/new-person.yaml").read_text())
    assert new["visibility"] == "unlisted"  # written out: a later default changes nothing
    loaded = load_site(site)
    assert loaded.config.default_visibility == "unlisted"
    assert loaded.earners["ada"].visibility == "unlisted"  # her record names none
    assert loaded.earners["cy"].visibility == "private"  # his does
    assert loaded.earners["pub-lic"].visibility == "public"


def test_visibility_problems(site: Path, tmp_path: Path) -> None:
    sheet = sheet_of(
        tmp_path,
        "name,email,badge,earner,visibility\n"
        "Ada Nkemelu,ada@one.example,soldering,ada,private\n"
        "Ada Nkemelu,ada@one.example,laser-cutting,ada,public\n"
        "Eve New,e@one.example,soldering,,unlisted\n"
        "Eve New,e@one.example,laser-cutting,,public\n"
        "Zed,z@one.example,soldering,,secret\n",
    )
    result = issue(site, sheet)
    assert result.output.splitlines() == [
        "people.csv:2: visibility: earner 'ada' already exists and is public: change "
        "content/earners/ada.yaml to change that",
        "people.csv:5: visibility: earner 'eve-new' is unlisted in row 4",
        "people.csv:6: visibility: 'secret' is not one of: public, unlisted, private",
        "3 errors; nothing was written.",
    ]
    config = site / "content/site.yaml"
    config.write_text(config.read_text() + "default_visibility: hidden\n")
    result = run("check", "--site", str(site))
    assert "content/site.yaml:6: default_visibility: 'hidden' is not one of: public, " in (
        result.output
    )


# --- hostile cells ----------------------------------------------------------------------


def test_every_cell_is_checked_and_every_problem_reported_at_once(
    site: Path, tmp_path: Path
) -> None:
    sheet = sheet_of(
        tmp_path,
        "name,email,badge,Email,notes\n"
        "Ada\x00Nkemelu,ada@one.example,soldering,,\n"
        "bo@lindqvist.example,bo@lindqvist.example,soldering,,\n"
        '=HYPERLINK("https://evil.example"),c@x.example,soldering,,\n'
        "+1 Cy,c2@x.example,soldering,,\n"
        "-Cy,c3@x.example,soldering,,\n"
        "@Cy,c4@x.example,soldering,,\n"
        f"{'x' * 201},c5@x.example,soldering,,\n"
        "Cy \u202eetirw,c6@x.example,soldering,,\n"
        "Cyd Zed,c7@x.example,soldering,,,extra\n",
    )
    before = tree_bytes(site)
    result = issue(site, sheet)
    assert result.exit_code == 1
    formula = (
        "which spreadsheets run as a formula when they open a file holding it: remove or "
        "reword the start"
    )
    assert result.output.splitlines() == [
        "people.csv:1: email: column 4 repeats column 2: each column may appear once",
        "people.csv:1: notes: unknown column",
        "people.csv:2: name: holds the control character U+0000, which is not allowed in a "
        "one-line value",
        "people.csv:3: name: holds an email address, which would be published: addresses go "
        "in 'email' only",
        f"people.csv:4: name: starts with '=', {formula}",
        f"people.csv:5: name: starts with '+', {formula}",
        f"people.csv:6: name: starts with '-', {formula}",
        f"people.csv:7: name: starts with '@', {formula}",
        "people.csv:8: name: is 201 characters long; at most 200",
        "people.csv:9: name: holds the control character U+202E, which is not allowed in a "
        "one-line value",
        "people.csv:10: 6 cells, but the header names 5 columns: a value has no column (an "
        "unquoted comma?)",
        "11 errors; nothing was written.",
    ]
    assert tree_bytes(site) == before


def test_narratives_may_span_lines_and_rows_count_as_a_spreadsheet_shows_them(
    site: Path, tmp_path: Path
) -> None:
    sheet = sheet_of(
        tmp_path,
        "name,email,badge,narrative\n"
        'Ada Nkemelu,ada@one.example,soldering,"Built a pedal.\n\n* fast\n* neat"\n'
        "\n"
        "Dan Ore,dan@x.example,soldering,- a list\n"
        "Eve,eve@x.example,soldering,Write to eve@x.example\n"
        "Fay,fay@x.example,soldering,Write to fay&#64;x.example\n",
    )
    result = issue(site, sheet)
    assert result.output.splitlines() == [
        "people.csv:4: narrative: starts with '-', which spreadsheets run as a formula when "
        "they open a file holding it: remove or reword the start (a markdown list can start "
        "with `*`)",
        "people.csv:5: narrative: holds an email address, which would be published: addresses "
        "go in 'email' only",
        "people.csv:6: narrative: holds an email address, which would be published: addresses "
        "go in 'email' only",
        "3 errors; nothing was written.",
    ]
    sheet.write_text(
        "name,email,badge,narrative\n"
        'Ada Nkemelu,ada@one.example,soldering,"Built a pedal.\n\n* fast\n* neat"\n'
    )
    assert issue(site, sheet).exit_code == 0
    assert awards_in(site)[0]["narrative"] == "Built a pedal.\n\n* fast\n* neat"


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("email", "a" * 250 + "@x.example", "is 260 characters long; at most 254"),
        ("badge", "soldering\x07", "holds the control character U+0007"),
        ("earner", "ada\u2028x", "holds the control character U+2028"),
        ("evidence", "https://x.example/?to=ada@one.example", "holds an email address"),
    ],
)
def test_each_column_passes_the_same_checks(
    site: Path, tmp_path: Path, column: str, value: str, message: str
) -> None:
    values = {"name": "Ada Nkemelu", "email": "ada@one.example", "badge": "soldering"}
    values[column] = value
    header = ",".join(values)
    sheet = sheet_of(tmp_path, f"{header}\n" + ",".join(values.values()) + "\n")
    result = issue(site, sheet)
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith(f"people.csv:2: {column}: {message}")
    assert len(result.output.splitlines()) == 2  # the refused cell is not reported twice


def test_an_empty_sheet_and_a_header_only_sheet(site: Path, tmp_path: Path) -> None:
    assert issue(site, sheet_of(tmp_path, "")).output.splitlines()[0] == (
        "people.csv:1: no header row: the first row names the columns (name,email,badge)"
    )
    assert issue(site, sheet_of(tmp_path, "name,email,badge\n,,\n")).output.splitlines()[0] == (
        "people.csv:1: no rows to issue"
    )


def test_header_names_are_never_echoed_with_hidden_characters(site: Path, tmp_path: Path) -> None:
    sheet = sheet_of(tmp_path, "name,email,badge,no\x1b[2Jte\nAda Nkemelu,a@x.example,soldering,\n")
    assert issue(site, sheet).output.splitlines() == [
        "people.csv:1: column 4: unknown column",
        "1 error; nothing was written.",
    ]
    blank_first_line = sheet_of(tmp_path, "\nname,email,badge\nAda Nkemelu,a@x.example,soldering\n")
    assert issue(site, blank_first_line).output.splitlines() == [
        "people.csv:1: no header row: the first row names the columns (name,email,badge)",
        "1 error; nothing was written.",
    ]


# --- dates ------------------------------------------------------------------------------


def test_rows_dates_are_checked_as_a_single_awards_are(site: Path, tmp_path: Path) -> None:
    sheet = sheet_of(
        tmp_path,
        "name,email,badge,issued_on,expires\n"
        "Ada Nkemelu,a@x.example,soldering,2026-01-15,\n"
        "Dan Ore,d@x.example,soldering,2024-01-01,2025-06-30\n"
        "Eve Ek,e@x.example,soldering,,2027-01-01\n",
    )
    result = issue(site, sheet)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "people.csv:2: warning: issued_on: 2026-01-15 is in the future (today is 2025-11-01): "
        "the award shows as not yet valid until then",
        "people.csv:3: warning: expires: 2025-06-30 is not in the future (today is "
        "2025-11-01): the award is expired from the start",
    ]
    assert len(awards_in(site)) == 3


def test_a_rows_expiry_not_after_its_issue_is_an_error_of_that_row(
    site: Path, tmp_path: Path
) -> None:
    sheet = sheet_of(
        tmp_path,
        "name,email,badge,issued_on,expires\n"
        "Ada Nkemelu,a@x.example,soldering,2025-03-01,2025-02-01\n"
        f"Dan Ore,d@x.example,soldering,,{TODAY}\n",
    )
    before = tree_bytes(site)
    result = issue(site, sheet)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "people.csv:2: expires: 2025-02-01 is not after the award's date 2025-03-01: an award "
        "can only expire after it is issued",
        f"people.csv:3: expires: {TODAY} is not after the award's date {TODAY}: an award can "
        "only expire after it is issued",
        "2 errors; nothing was written.",
    ]
    assert tree_bytes(site) == before


# --- size -------------------------------------------------------------------------------


def test_awards_files_split_by_dumped_size_and_skip_names_in_use(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "MAX_AWARDS_FILE_BYTES", bulk._HEADER_ALLOWANCE + 3000)
    earlier = issue(site, sheet_of(tmp_path, "name,email,badge\nOla Ek,o@x.example,soldering\n"))
    assert f"Wrote 1 award to content/awards/{TODAY}-people.yaml:" in earlier.output
    narratives = ["", "Short.", "Long " * 300, "", "Two\n\nparagraphs " * 20, ""]
    rows = "".join(
        f'Person {n},p{n}@cohort.example,soldering,"{narratives[n % 6]}"\n' for n in range(30)
    )
    result = issue(site, sheet_of(tmp_path, "name,email,badge,narrative\n" + rows))
    assert result.exit_code == 0, result.output
    names = sorted(
        (path.name for path in (site / "content/awards").glob(f"{TODAY}-people-*.yaml")),
        key=lambda name: int(name.removesuffix(".yaml").rsplit("-", 1)[1]),
    )
    assert len(names) > 3 and names[0] == f"{TODAY}-people-2.yaml"
    listed = ", ".join(f"content/awards/{name}" for name in names)
    assert f"Wrote 30 awards to {listed}:" in result.output.splitlines()
    records = []
    for number, name in enumerate(names, start=1):
        text = (site / "content/awards" / name).read_text(encoding="utf-8")
        assert len(text.encode()) <= bulk.MAX_AWARDS_FILE_BYTES
        assert text.splitlines()[0].endswith(
            f"award{'s' if text.count('- id:') > 1 else ''} (file {number} of {len(names)})."
        )
        records += yaml.safe_load(text)
    assert [record["earner"] for record in records] == [f"person-{n}" for n in range(30)]
    assert len(load_site(site).awards) == 11 + 1 + 30


def test_one_award_at_a_time_dumps_as_the_whole_list() -> None:
    records = [
        {"id": "a", "narrative": "Two\n\nparagraphs\n", "evidence": [{"url": "https://x/"}]},
        {"id": "b", "issued_on": dt.date(2025, 1, 1), "narrative": "x" * 200},
    ]
    assert "".join(dump_yaml([record]) for record in records) == dump_yaml(records)


@pytest.mark.slow
def test_a_sheet_at_the_row_limit_is_written_in_files_under_half_the_cap(
    site: Path, tmp_path: Path
) -> None:
    rows = "".join(f"Person {n},p{n}@cohort.example,soldering\n" for n in range(MAX_CSV_ROWS))
    result = issue(site, sheet_of(tmp_path, "name,email,badge\n" + rows, "big.csv"))
    assert result.exit_code == 0, result.output
    files = sorted((site / "content/awards").glob(f"{TODAY}-big*.yaml"))
    assert {path.name for path in files} == {
        f"{TODAY}-big.yaml",
        f"{TODAY}-big-2.yaml",
        f"{TODAY}-big-3.yaml",
    }
    assert (
        f"Wrote 10000 awards to content/awards/{TODAY}-big.yaml, "
        f"content/awards/{TODAY}-big-2.yaml, content/awards/{TODAY}-big-3.yaml:"
    ) in result.output.splitlines()
    assert all(path.stat().st_size <= MAX_RECORD_BYTES // 2 for path in files)
    last = yaml.safe_load(
        (site / f"content/awards/{TODAY}-big-3.yaml").read_text(encoding="utf-8")
    )[-1]
    assert last["earner"] == f"person-{MAX_CSV_ROWS - 1}"
    reason = "r" * 1000  # the longest reason a revocation takes still fits
    revoked = run("revoke", last["id"], "--reason", reason, "--site", str(site))
    assert revoked.exit_code == 0, revoked.output
