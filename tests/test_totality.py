"""Totality: every value that enters badgesite passes or becomes a located content error.

No traceback, no hang, whatever a record, a snapshot, an option or the environment holds.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badgesite.build import load_site
from badgesite.cli import main
from badgesite.errors import ContentErrors
from badgesite.primitives.moments import read_moment, timestamp
from helpers import GOLDEN_SITE, write

EPOCH = "1790000000"  # 2026-09-20: statuses are judged at a fixed moment
AWARD = "content/awards/ada.yaml"
ISSUER = "content/issuers/harbour-lab.yaml"
# An error line, as the CLI prints it: path, line, an optional field, the message.
ERROR_LINE = re.compile(r"^content/[^\s:]+:[1-9][0-9]*: \S.*$")
SUMMARY_LINE = re.compile(
    r"^[0-9]+ errors?(?: and [0-9]+ warnings?)? in the content; nothing was written\.$"
)


def run(*args: str, epoch: str = EPOCH) -> Result:
    # CI=true in the environment (a CI run) would make every build frozen.
    return CliRunner().invoke(main, list(args), env={"SOURCE_DATE_EPOCH": epoch, "CI": None})


def errors_of(site: Path) -> list[str]:
    with pytest.raises(ContentErrors) as caught:
        load_site(site)
    return [str(error) for error in caught.value.errors]


def replace_in(site: Path, relative: str, old: str, new: str) -> None:
    path = site / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def assert_located_failure(result: Result) -> None:
    """Exit 1, no traceback, and every line of the output an error line or the summary."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    lines = result.output.splitlines()
    assert lines and SUMMARY_LINE.match(lines[-1]), result.output
    for line in lines[:-1]:
        assert ERROR_LINE.match(line), line


# -- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("0000-01-01", "'0000-01-01' is not a date"),
        ("2025-02-30", "'2025-02-30' is not a date"),
        ("2025-13-01", "'2025-13-01' is not a date"),
        ("2025-01-01T10:00:00+99:00", "'2025-01-01T10:00:00+99:00' is not a date"),
        ("9999-12-31T23:59:59-05:00", "'9999-12-31T23:59:59-05:00' is out of range"),
        ("0001-01-01T00:00:00+14:00", "'0001-01-01T00:00:00+14:00' is out of range"),
        ("'9999-12-31T23:59:59-05:00'", "'9999-12-31T23:59:59-05:00' is out of range"),
        ("'\u0662\u0660\u0662\u0665-01-01'", "'\u0662\u0660\u0662\u0665-01-01' is not a date"),
        ("[2025-01-01]", "a list is not a date"),
    ],
)
def test_impossible_and_overflowing_dates_are_errors_at_their_line(
    site: Path, written: str, problem: str
) -> None:
    replace_in(site, AWARD, "issued_on: 2024-03-02", f"issued_on: {written}")
    (error,) = errors_of(site)
    assert error.startswith(f"{AWARD}:7: issued_on: {problem}")


def test_a_date_that_a_time_zone_moves_past_year_9999_is_refused(site: Path) -> None:
    # A bare date is read in the site's time zone: 9999-12-31 in Honolulu is 10000 in UTC.
    replace_in(site, "content/site.yaml", "Europe/Berlin", "Pacific/Honolulu")
    replace_in(site, AWARD, "expires: 2025-04-10", "expires: 9999-12-31")
    assert errors_of(site) == [
        f"{AWARD}:19: expires: '9999-12-31' is out of range: dates must lie between "
        "0001-01-02 and 9999-12-30"
    ]


def test_the_one_date_reader_reads_every_form_it_documents() -> None:
    utc = dt.timezone.utc
    berlin = dt.timezone(dt.timedelta(hours=1))
    assert read_moment("2025-03-14T09:30:00Z", berlin).moment == dt.datetime(
        2025, 3, 14, 9, 30, tzinfo=utc
    )
    read = read_moment(dt.date(2025, 3, 14), berlin)
    assert read.moment == dt.datetime(2025, 3, 14, tzinfo=berlin) and not read.has_offset
    assert read_moment(" 2025-03-14T09:30:00+02:00 ", utc).has_offset
    for value in (None, True, 5, "", "x" * 100, "2025-02-30", {"a": 1}):
        assert read_moment(value, utc).moment is None
    # The writer keeps the offset and says Z for UTC (Open Badges and snapshots alike).
    assert timestamp(dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=utc)) == "2025-01-02T03:04:05Z"


# -- the loader ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("!!bool maybe", "invalid YAML: 'maybe' cannot be read as !!bool"),
        ("!!int abc", "invalid YAML: 'abc' cannot be read as !!int"),
        ("!!timestamp x", "invalid YAML: 'x' cannot be read as !!timestamp"),
        ("!!float x", "invalid YAML: 'x' cannot be read as !!float"),
        ("[1, !!int 2025-01-01]", "invalid YAML: '2025-01-01' cannot be read as !!int"),
    ],
)
def test_explicit_tags_that_do_not_fit_their_value_are_errors_at_their_line(
    site: Path, written: str, message: str
) -> None:
    replace_in(site, "content/earners/bo.yaml", "visibility: unlisted", f"headline: {written}")
    assert errors_of(site) == [f"content/earners/bo.yaml:2: {message}"]


def test_numbers_past_pythons_digit_limit_are_text_or_errors(site: Path) -> None:
    write(site, "content/earners/bo.yaml", f"name: {'1' * 5000}\nheadline: 0x{'f' * 5000}\n")
    replace_in(
        site,
        ISSUER,
        "name: Harbour Lab",
        f"name: Harbour Lab\nlinkedin_organization_id: {'9' * 5000}",
    )
    assert errors_of(site) == [
        "content/earners/bo.yaml:1: name: is 5,000 characters long; the limit here is 200",
        "content/earners/bo.yaml:2: headline: is 5,002 characters long; the limit here is 200",
        f"{ISSUER}:2: linkedin_organization_id: expected a whole number of at most 18 digits, "
        f"found '{'9' * 79}…'",
    ]


@pytest.mark.parametrize(
    "digits", ["'\u0661\u0662\u0663'", "'\u00b2'", "'\uff11\uff12'", "1234567890123456789"]
)
def test_numeric_ids_take_ascii_digits_only(site: Path, digits: str) -> None:
    replace_in(
        site, ISSUER, "name: Harbour Lab", f"name: Harbour Lab\nlinkedin_organization_id: {digits}"
    )
    (error,) = errors_of(site)
    assert error.startswith(f"{ISSUER}:2: linkedin_organization_id: expected a whole number")


def test_deep_nesting_is_refused_before_libyaml_sees_it(site: Path) -> None:
    # libyaml takes quadratic time on this, and its node builder overflows the C stack.
    depth = 200_000
    write(site, "content/earners/bo.yaml", f"name: Bo\nlinks: {'[' * depth}{']' * depth}\n")
    write(site, "content/earners/cy.yaml", "name: Cy\nlinks:\n" + "- " * depth + "x\n")
    started = time.perf_counter()
    assert errors_of(site) == [
        "content/earners/bo.yaml:2: nested more than 64 levels deep; records need a few",
        "content/earners/cy.yaml:3: nested more than 64 levels deep; records need a few",
    ]
    assert time.perf_counter() - started < 5


def test_a_record_with_brackets_in_its_prose_still_loads(site: Path) -> None:
    # The bound on nesting counts brackets anywhere: over it, the events decide.
    bio = "see [" * 70
    replace_in(
        site, "content/earners/ada.yaml", "bio: Builds *synthesizers* from scratch.", f"bio: {bio}"
    )
    assert load_site(site).earners["ada"].bio == bio.strip()


# -- URLs ------------------------------------------------------------------------------------


def test_hosts_that_can_be_looked_up_pass_the_url_check() -> None:
    from badgesite.schema.fields import http_url_problem

    for url in (
        "https://owner.github.io/repo/",
        "http://127.0.0.1:8000/",
        "https://[::1]:8443/x",
        "https://münchen.example/",
        "https://example.org./",
    ):
        assert http_url_problem(url) is None, url


BAD_URLS = [
    "http://[oops/",
    "http://x.example:99999/",
    "https://x.example/a b",
    "http://",
    # Hosts no lookup can find: a soft hyphen, a name past 253 characters, a percent sign,
    # a bracketed literal that is no IPv6 address (found by the red team).
    "https://ex\u00adample.com/",
    "https://" + "a." * 200 + "com/",
    "https://%zz.example/",
    "https://[v1.x]/",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_urls_urllib_cannot_split_are_errors_in_every_url_field(site: Path, url: str) -> None:
    quoted = json.dumps(url)
    replace_in(site, ISSUER, "url: https://harbour-lab.example/", f"url: {quoted}")
    replace_in(site, "content/earners/ada.yaml", "url: https://ada.example/", f"url: {quoted}")
    replace_in(
        site,
        "content/badges/laser-cutting.yaml",
        "criteria_url: https://harbour-lab.example/exams/laser",
        f"criteria_url: {quoted}",
    )
    replace_in(
        site,
        "content/badges/certified-maker.yaml",
        "url: https://esco.example/skill/laser",
        f"url: {quoted}",
    )
    replace_in(site, AWARD, "url: https://ada.example/pedal", f"url: {quoted}")
    fields = sorted(error.split(": ")[1] for error in errors_of(site))
    assert fields == [
        "alignment[0].url",
        "criteria_url",
        "evidence[0].url",
        "links[0].url",
        "url",
    ]


@pytest.mark.parametrize("url", BAD_URLS)
def test_site_yaml_urls_and_the_base_url_option(site: Path, url: str) -> None:
    result = run("build", "--site", str(site), "--base-url", url)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert result.output.splitlines()[0].startswith("--base-url: ")
    replace_in(
        site,
        "content/site.yaml",
        "base_url: https://badges.harbour-lab.example/pages",
        f"base_url: {json.dumps(url)}",
    )
    assert_located_failure(run("build", "--site", str(site)))
    replace_in(site, "content/site.yaml", json.dumps(url), "https://badges.example/")
    replace_in(
        site,
        "content/site.yaml",
        "Europe/Berlin",
        f"Europe/Berlin\njob_search_url: {json.dumps(url)}",
    )
    result = run("build", "--site", str(site))
    assert_located_failure(result)
    assert result.output.startswith("content/site.yaml:6: job_search_url: ")


def test_evidence_option_takes_the_same_url_check(site: Path) -> None:
    result = run(
        "award",
        "soldering",
        "--site",
        str(site),
        "--earner",
        "bo",
        "--email",
        "bo@example.org",
        "--evidence",
        "http://[oops/",
    )
    assert result.exit_code == 1 and not isinstance(result.exception, ValueError)
    assert "--evidence 'http://[oops/'" in result.output


# -- paths, ids, file names ------------------------------------------------------------------


def test_a_nul_in_a_path_is_an_error(site: Path) -> None:
    replace_in(site, ISSUER, "image: images/harbour-lab.svg", 'image: "images/harbour\\0lab.svg"')
    assert errors_of(site) == [f"{ISSUER}:5: image: holds the control character U+0000; remove it"]


def test_a_file_name_too_long_for_any_file_system_is_an_error(site: Path) -> None:
    replace_in(site, ISSUER, "image: images/harbour-lab.svg", f"image: images/{'x' * 300}.svg")
    assert errors_of(site) == [f"{ISSUER}:5: image: a file name in it is over 255 bytes long"]


def test_ids_and_slugs_are_capped_to_fit_a_file_name(site: Path) -> None:
    replace_in(site, AWARD, "id: 2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01", f"id: {'a' * 201}")
    (site / "content/earners/bo.yaml").rename(site / f"content/earners/{'b' * 201}.yaml")
    errors = errors_of(site)
    assert f"{AWARD}:1: id: is 201 characters long; the limit here is 200" in errors
    assert (
        f"content/earners/{'b' * 201}.yaml: file name is 201 characters long; slugs are "
        "limited to 200 (they become file names in output/)"
    ) in errors
    from badgesite.load import SLUG_PATTERN

    assert SLUG_PATTERN.match("a" * 200) and not SLUG_PATTERN.match("a" * 201)


# -- the environment -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "epoch", ["9" * 30, "99999999999999", "soon", "-5", "\u0661\u0662\u0663", "1e9"]
)
def test_source_date_epoch_out_of_range_or_not_digits_is_one_line(site: Path, epoch: str) -> None:
    result = run("build", "--site", str(site), epoch=epoch)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    (line,) = result.output.splitlines()
    assert line.startswith("Error: SOURCE_DATE_EPOCH=") and "seconds since 1970" in line


# -- size and time ---------------------------------------------------------------------------


def test_text_fields_are_capped_before_anything_renders_them(site: Path) -> None:
    write(
        site,
        "content/earners/bo.yaml",
        f"name: {'x' * 1_000_000}\nheadline: {'漢' * 200_000}\nbio: {'y' * 20_001}\n",
    )
    started = time.perf_counter()
    assert errors_of(site) == [
        "content/earners/bo.yaml:1: name: is 1,000,000 characters long; the limit here is 200",
        "content/earners/bo.yaml:2: headline: is 200,000 characters long; the limit here is 200",
        "content/earners/bo.yaml:3: bio: is 20,001 characters long; the limit here is 20,000",
    ]
    assert time.perf_counter() - started < 5


def test_one_line_fields_refuse_newlines_and_control_characters(site: Path) -> None:
    write(site, "content/earners/bo.yaml", 'name: "Bo\\nLindqvist"\nheadline: "\\e[31mred"\n')
    assert errors_of(site) == [
        "content/earners/bo.yaml:1: name: must be one line",
        "content/earners/bo.yaml:2: headline: holds the control character U+001B; remove it",
    ]


def test_unknown_keys_past_twenty_are_counted_not_each_suggested(site: Path) -> None:
    keys = "".join(f"nmae{index}: x\n" for index in range(999))
    write(site, "content/earners/bo.yaml", "name: Bo\n" + keys[: -len("x\n")] + "x\n")
    errors = errors_of(site)
    assert len(errors) == 21
    assert errors[0] == "content/earners/bo.yaml:1: and 979 more unknown fields"
    assert "content/earners/bo.yaml:2: nmae0: unknown field (did you mean 'name'?)" in errors


def test_a_mapping_of_thousands_of_keys_is_refused_at_once(site: Path) -> None:
    keys = "".join(f"nmae{index}: x\n" for index in range(50_000))
    write(site, "content/earners/bo.yaml", "name: Bo\n" + keys)
    started = time.perf_counter()
    assert errors_of(site) == [
        "content/earners/bo.yaml:1: a mapping of 50,001 keys; the limit is 1,000 (records "
        "have a few dozen fields at most)"
    ]
    assert time.perf_counter() - started < 15  # a linear parse of 700 KB, on a loaded machine


def test_suggestions_among_thousands_of_slugs_stay_cheap() -> None:
    from badgesite.errors import did_you_mean

    earners = sorted(f"earner-{index:05d}-somebody" for index in range(10_000))
    started = time.perf_counter()
    hints = [did_you_mean(f"earner-{index * 37:05d}-somebdy", earners) for index in range(200)]
    assert time.perf_counter() - started < 10  # it was 0.8 s a call
    assert hints[1] == " (did you mean 'earner-00037-somebody'?)"
    assert did_you_mean("x" * 10_000, earners) == ""


def test_lists_are_capped(site: Path) -> None:
    skills = ", ".join(f"s{index}" for index in range(101))
    replace_in(
        site,
        "content/badges/soldering.yaml",
        "skills: [Soldering, Electronics safety]",
        f"skills: [{skills}]",
    )
    assert errors_of(site) == [
        "content/badges/soldering.yaml:8: skills: has 101 items; the limit is 100"
    ]


def test_the_plain_address_lint_takes_linear_time(site: Path) -> None:
    # A long run of address characters ending in no address: the old pattern retried it
    # from each of its positions (100,000 characters took minutes).
    write(site, "content/earners/bo.yaml", "name: Bo\nbio: " + "a" * 100_000 + "@\n")
    started = time.perf_counter()
    result = run("check", "--site", str(site))
    assert time.perf_counter() - started < 10
    assert result.exit_code == 1 and "bio: is 100,001 characters long" in result.output


def test_a_fifo_given_to_import_or_verify_is_refused_unopened(site: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "assertion.json"
    os.mkfifo(fifo)
    result = subprocess.run(
        [sys.executable, "-m", "badgesite", "verify", str(fifo)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and "not a regular file" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize(
    "relative",
    [
        "content/earners/fifo.yaml",
        "content/site.yaml",
        "content/published-awards.txt",
        "content/images/fifo.svg",
        "content/imported/fifo.json",
        "templates/page.html",
        "themes/mine/templates/base.html",
    ],
)
def test_a_fifo_anywhere_is_refused_without_opening_it(site: Path, relative: str) -> None:
    path = site / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    os.mkfifo(path)
    # In a child process: a regression would hang, and the timeout turns that into a failure.
    result = subprocess.run(
        [sys.executable, "-m", "badgesite", "build", "--site", str(site)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
    )
    assert result.returncode == 1, result.stderr
    assert f"{relative}: is a FIFO (named pipe), not a regular file; refused" in result.stderr
    assert "Traceback" not in result.stderr


# -- imported snapshots ----------------------------------------------------------------------


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[object]:
    from loopback import serve_corpus

    with serve_corpus(tmp_path / "www") as served:
        yield served


def test_foreign_urls_urllib_cannot_split_are_refused_not_raised(site: Path, corpus) -> None:
    from badgesite.openbadges.reader import link

    assert link("http://[oops/") == "" and link("https://x.example:99999/") == ""
    assertion = json.loads((corpus.root / "assertions/valid-iri.json").read_text())
    assertion["badge"] = "http://[oops/"
    (corpus.root / "assertions/bad-badge-url.json").write_text(json.dumps(assertion))
    for source in (corpus.base + "assertions/bad-badge-url.json", "http://[oops/"):
        result = CliRunner().invoke(
            main,
            ["import", source, "--earner", "ada", "--site", str(site), "--allow-private-hosts"],
        )
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
        assert result.output.startswith("error: "), result.output


def test_an_imported_badge_with_dates_past_year_9999_builds(site: Path, corpus) -> None:
    assertion = json.loads((corpus.root / "assertions/valid-iri.json").read_text())
    assertion["issuedOn"] = "9999-12-31T23:59:59-05:00"
    assertion["expires"] = "0001-01-01T00:00:00+14:00"
    (corpus.root / "assertions/overflow.json").write_text(json.dumps(assertion))
    result = CliRunner().invoke(
        main,
        [
            "import",
            corpus.base + "assertions/overflow.json",
            "--earner",
            "ada",
            "--site",
            str(site),
            "--allow-private-hosts",
            "--unverified",
        ],
    )
    assert result.exit_code == 0, result.output
    built = run("build", "--site", str(site))
    assert built.exit_code == 0, built.output
    # A snapshot edited by hand to hold such dates is an error at its line, not a crash.
    (snapshot,) = (site / "content/imported").glob("*.json")
    text = snapshot.read_text()
    stored = json.loads(text)
    snapshot.write_text(text.replace(stored["retrieved"], "9999-12-31T23:59:59-05:00"))
    assert_located_failure(run("build", "--site", str(site)))


# -- every field, every kind of value --------------------------------------------------------
#
# A small valid site; each example puts one generated value into one field of one record (or
# of the imported snapshot) and builds. The build must succeed, or fail with located errors.

SVG = (GOLDEN_SITE / "content/images/solder.svg").read_text(encoding="utf-8")
RECIPIENT = "{identity: 'sha256$" + "a" * 64 + "', salt: s1}"
BASE_RECORDS: dict[str, dict[str, str]] = {
    "content/site.yaml": {
        "title": "Totality",
        "base_url": "https://badges.example/",
        "default_issuer": "acme",
        "timezone": "Europe/Berlin",
        "description": "Checks.",
    },
    "content/issuers/acme.yaml": {
        "name": "Acme",
        "url": "https://acme.example/",
        "email": "badges@acme.example",
        "image": "images/badge.svg",
    },
    "content/badges/first.yaml": {
        "name": "First",
        "description": "The first badge.",
        "image": "images/badge.svg",
        "criteria": "Show up.",
        "skills": "[Showing up]",
        "alignment": "[{name: Framework, url: 'https://framework.example/'}]",
    },
    "content/earners/ada.yaml": {
        "name": "Ada",
        "headline": "Tinkerer",
        "links": "[{label: Home, url: 'https://ada.example/'}]",
    },
    "content/awards/first.yaml": {
        "id": "first-award",
        "badge": "first",
        "earner": "ada",
        "recipient": RECIPIENT,
        "issued_on": "2025-03-14",
        "evidence": "[{url: 'https://ada.example/work', name: Work}]",
    },
}
# Nested mappings: (file, key, fields of one item, as the list or mapping is written).
NESTED = {
    ("content/badges/first.yaml", "alignment"): (
        "list",
        ("name", "url", "framework", "code", "description"),
    ),
    ("content/earners/ada.yaml", "links"): ("list", ("label", "url")),
    ("content/awards/first.yaml", "evidence"): (
        "list",
        ("url", "name", "description", "narrative"),
    ),
    ("content/awards/first.yaml", "recipient"): ("map", ("identity", "salt", "type")),
    ("content/awards/first.yaml", "revoked"): ("map", ("date", "reason")),
}
NESTED_BASE = {
    ("content/badges/first.yaml", "alignment"): {
        "name": "Framework",
        "url": "'https://framework.example/'",
    },
    ("content/earners/ada.yaml", "links"): {"label": "Home", "url": "'https://ada.example/'"},
    ("content/awards/first.yaml", "evidence"): {"url": "'https://ada.example/work'"},
    ("content/awards/first.yaml", "recipient"): {
        "identity": "'sha256$" + "a" * 64 + "'",
        "salt": "s1",
    },
    ("content/awards/first.yaml", "revoked"): {"reason": "Mistake"},
}
SNAPSHOT = "content/imported/outside-badge-12345678.json"


def _record_fields() -> list[tuple[str, str, str | None]]:
    from badgesite.config import SITE_FIELDS
    from badgesite.model import AWARD_FIELDS, BADGE_FIELDS, EARNER_FIELDS, ISSUER_FIELDS

    known = {
        "content/site.yaml": SITE_FIELDS,
        "content/issuers/acme.yaml": ISSUER_FIELDS,
        "content/badges/first.yaml": BADGE_FIELDS,
        "content/earners/ada.yaml": EARNER_FIELDS,
        "content/awards/first.yaml": AWARD_FIELDS,
    }
    fields: list[tuple[str, str, str | None]] = [
        (path, key, None) for path, keys in known.items() for key in keys
    ]
    fields += [
        (path, key, inner) for (path, key), (_, inners) in NESTED.items() for inner in inners
    ]
    return fields


RECORD_FIELDS = _record_fields()
SNAPSHOT_PATHS = [
    ("format",),
    ("earner",),
    ("source",),
    ("retrieved",),
    ("verified",),
    ("status",),
    ("problems",),
    ("assertion",),
    ("badge",),
    ("issuer",),
    ("revocationList",),
    ("image",),
    ("image", "file"),
    ("assertion", "json", "issuedOn"),
    ("assertion", "json", "expires"),
    ("assertion", "json", "recipient"),
    ("assertion", "json", "evidence"),
    ("assertion", "json", "narrative"),
    ("assertion", "json", "revoked"),
    ("assertion", "json", "verification"),
    ("assertion", "url"),
    ("badge", "json", "name"),
    ("badge", "json", "criteria"),
    ("badge", "json", "tags"),
    ("issuer", "json", "name"),
    ("issuer", "json", "url"),
    ("issuer", "json", "email"),
]


def _snapshot() -> dict:
    return {
        "format": "badgesite-imported-badge/1",
        "earner": "ada",
        "source": "https://elsewhere.example/assertions/1",
        "retrieved": "2025-03-14T10:00:00Z",
        "verified": "2025-03-14T10:00:00Z",
        "status": "valid",
        "problems": [],
        "assertion": {
            "url": "https://elsewhere.example/assertions/1",
            "embedded": False,
            "json": {
                "@context": "https://w3id.org/openbadges/v2",
                "type": "Assertion",
                "id": "https://elsewhere.example/assertions/1",
                "recipient": {"type": "email", "hashed": False, "identity": "ada@ada.example"},
                "badge": "https://elsewhere.example/badges/1",
                "verification": {"type": "hosted"},
                "issuedOn": "2025-03-01T00:00:00Z",
            },
        },
        "badge": {
            "url": "https://elsewhere.example/badges/1",
            "embedded": False,
            "json": {
                "type": "BadgeClass",
                "name": "Outside",
                "issuer": "https://elsewhere.example/i",
            },
        },
        "issuer": {
            "url": "https://elsewhere.example/i",
            "embedded": False,
            "json": {"type": "Profile", "name": "Elsewhere", "url": "https://elsewhere.example/"},
        },
        "revocationList": None,
        "image": {
            "url": "https://elsewhere.example/badge.svg",
            "file": "outside-badge-12345678/badge.svg",
        },
    }


def _record_text(fields: dict[str, str]) -> str:
    return "".join(f"{key}: {value}\n" for key, value in fields.items())


def _flow_mapping(fields: dict[str, str]) -> str:
    return "{" + ", ".join(f"{key}: {value}" for key, value in fields.items()) + "}"


def _write_base(site: Path) -> None:
    for path, fields in BASE_RECORDS.items():
        write(site, path, _record_text(fields))
    write(site, "content/images/badge.svg", SVG)
    write(site, SNAPSHOT, json.dumps(_snapshot(), indent=2) + "\n")
    write(site, SNAPSHOT.removesuffix(".json") + "/badge.svg", SVG)


def _quoted(text: str, ascii_only: bool) -> str:
    return json.dumps(text, ensure_ascii=ascii_only)  # JSON strings are YAML double-quoted ones


TRICKY_SCALARS = [
    "null",
    "~",
    "true",
    "no",
    "on",
    ".nan",
    "-.inf",
    "1e400",
    "0o777",
    "1:2:3",
    "-0",
    "0x" + "f" * 5000,
    "1" * 5000,
    "!!bool maybe",
    "!!int abc",
    "!!timestamp x",
    "!!float x",
    "!!binary aGVsbG8=",
    "!!binary x",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!!pairs [a: 1]",
    "!!str 5",
    "!!null x",
    "!custom x",
    "!!python/object:os.system x",
    "!!map x",
    "!!seq x",
    "!!set [1]",
    "0000-01-01",
    "2025-02-30",
    "2025-13-01",
    "9999-12-31",
    "0001-01-01",
    "2025-01-01 10:00",
    "9999-12-31T23:59:59-05:00",
    "0001-01-01T00:00:00+14:00",
    "2025-01-01T10:00:00+99:00",
    '"http://[oops/"',
    '"http://x.example:99999/"',
    '"https://x.example/a b"',
    '"javascript:x"',
    '"images/a\\0.svg"',
    '"../../../etc/passwd"',
    '"/etc/passwd"',
    '"images/' + "x" * 300 + '.svg"',
    '"\\u0661\\u0662\\u0663"',
    '"\\u00b2"',
    '"0"',
    '"-1"',
    '"' + "a" * 201 + '"',
    '"sha256$' + "A" * 64 + '"',
    '"acme"',
    '"first"',
    '"ada"',
    '"email"',
    '"private"',
    '"exam"',
    '"certification"',
    "|\n  two\n  lines",
    '"\x7f"',
    '"\x85"',
    '"\ufeff"',
    "\x00",
    ">-\n  folded",
    '"\\ud800"',
    '"\\x1b[31m"',
    '"a\\nb"',
]


def _offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    return "Z" if minutes == 0 else f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _scalar() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(TRICKY_SCALARS),
        st.integers().map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(
            lambda number: {"nan": ".nan", "inf": ".inf", "-inf": "-.inf"}.get(
                str(number), repr(number)
            )
        ),
        st.builds(_quoted, st.text(max_size=40), st.booleans()),
        st.builds(
            lambda unit, count: _quoted(unit * count, False),
            st.sampled_from(["x", "漢", "a b", "\u202e", "٣", "*", "["]),
            st.sampled_from([1, 199, 201, 2_001, 20_001, 100_000]),
        ),
        st.dates().map(lambda day: day.isoformat()),
        st.builds(
            lambda moment, minutes: moment.isoformat() + _offset(minutes),
            st.datetimes(),
            st.integers(-1439, 1439),
        ),
    )


def _flow_value() -> st.SearchStrategy[str]:
    return st.recursive(
        _scalar(),
        lambda children: st.one_of(
            st.lists(children, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
            st.dictionaries(
                st.sampled_from(["name", "url", "label", "identity", "salt", "x", "1"]),
                children,
                max_size=3,
            ).map(_flow_mapping),
        ),
        max_leaves=4,
    )


def _json_value() -> st.SearchStrategy[object]:
    return st.recursive(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(allow_nan=True, allow_infinity=True),
            st.text(max_size=30),
            st.sampled_from(
                [
                    "9999-12-31T23:59:59-05:00",
                    "0001-01-01T00:00:00+14:00",
                    "2025-02-30",
                    "http://[oops/",
                    "x" * 5000,
                    "\u00b2",
                    "1" * 60,
                    "../../x",
                    "a\u0000b",
                ]
            ),
        ),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=8), children, max_size=3)
        ),
        max_leaves=4,
    )


@pytest.fixture(scope="module")
def fuzzed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("totality") / "site"
    _write_base(site)
    built = run("build", "--site", str(site), "--jobs", "1")
    assert built.exit_code == 0, built.output
    return site


def _assert_builds_or_reports(site: Path) -> None:
    result = run("build", "--site", str(site), "--jobs", "1")
    if result.exit_code == 0:
        return
    assert result.exit_code == 1, result.output[-3000:]
    assert isinstance(result.exception, SystemExit), result.output[-3000:]
    lines = result.output.splitlines()
    if lines[-1] == "Nothing was written.":  # a problem outside the records: an unknown theme
        assert len(lines) == 2 and lines[0].startswith("error: content/site.yaml: "), lines
        return
    assert SUMMARY_LINE.match(lines[-1]), result.output[-3000:]
    for line in lines[:-1]:
        assert ERROR_LINE.match(line) or FILE_LINE.match(line), line[:300]


# Lints and file-level refusals (a record over 2 MiB) name the file but no line.
FILE_LINE = re.compile(r"^content/[^\s:]+: \S.*$")


@pytest.mark.slow
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(field=st.sampled_from(RECORD_FIELDS), value=_flow_value())
def test_any_value_in_any_record_field_builds_or_is_a_located_error(
    fuzzed_site: Path, field: tuple[str, str, str | None], value: str
) -> None:
    path, key, inner = field
    fields = dict(BASE_RECORDS[path])
    if inner is None:
        fields[key] = value
    else:
        shape, _ = NESTED[(path, key)]
        item = dict(NESTED_BASE[(path, key)]) | {inner: value}
        fields[key] = _flow_mapping(item) if shape == "map" else "[" + _flow_mapping(item) + "]"
    write(fuzzed_site, path, _record_text(fields))
    try:
        _assert_builds_or_reports(fuzzed_site)
    finally:
        write(fuzzed_site, path, _record_text(BASE_RECORDS[path]))


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(key_path=st.sampled_from(SNAPSHOT_PATHS), value=_json_value())
def test_any_value_in_an_imported_snapshot_builds_or_is_a_located_error(
    fuzzed_site: Path, key_path: tuple[str, ...], value: object
) -> None:
    snapshot = _snapshot()
    holder = snapshot
    for key in key_path[:-1]:
        holder = holder[key]
    holder[key_path[-1]] = value
    write(fuzzed_site, SNAPSHOT, json.dumps(snapshot, indent=2) + "\n")
    try:
        _assert_builds_or_reports(fuzzed_site)
    finally:
        write(fuzzed_site, SNAPSHOT, json.dumps(_snapshot(), indent=2) + "\n")
