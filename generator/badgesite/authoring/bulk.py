"""Bulk issuing from a CSV file: every cell checked first, then all awards or none."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from badgesite.authoring.edits import (
    ALLOW_DUPLICATES_HINT,
    MAX_NARRATIVE_CHARACTERS,
    AwardRequest,
    Issued,
    SameDayAwards,
    apply_changes,
    award_record,
    award_url,
    check_dates,
    current_site,
    duplicate_message,
    free_name,
    new_award_id,
    today_in,
)
from badgesite.authoring.yamltext import dump_yaml
from badgesite.config import VISIBILITIES
from badgesite.errors import WARNING, ContentError, ContentErrors, Finding, did_you_mean
from badgesite.guards import published
from badgesite.guards.addresses import addresses_in
from badgesite.load import MAX_RECORD_BYTES, SLUG_PATTERN, read_capped_text
from badgesite.model import Site
from badgesite.primitives.slugs import slugify
from badgesite.report import counted
from badgesite.schema.fields import EMAIL_PATTERN, is_http_url

MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_CSV_ROWS = 10_000
REQUIRED_COLUMNS = ("name", "email", "badge")
OPTIONAL_COLUMNS = ("earner", "evidence", "issued_on", "expires", "narrative", "visibility")
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# Characters per cell: generous for real values, small enough that no cell floods a page.
MAX_CELL_CHARACTERS = {
    "name": 200,
    "email": 254,  # the longest address SMTP allows
    "badge": 100,
    "earner": 100,
    "evidence": 2000,
    "issued_on": 32,
    "expires": 32,
    "narrative": MAX_NARRATIVE_CHARACTERS,
    "visibility": 16,
}
MAX_HEADER_CHARACTERS = 40
# The markdown columns: the only ones that may span lines (and hold tabs, for code blocks).
MULTILINE_COLUMNS = ("narrative",)
# A cell starting with one of these is run as a formula by a spreadsheet that opens a file
# holding it again (CSV injection); names and narratives are written into records as they are.
FORMULA_STARTS = ("=", "+", "-", "@")
# Invisible controls that reorder or hide text (bidirectional embeddings, overrides, isolates).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
Report = Callable[[int, str, str], None]  # (row, column, message)
# Bytes of one awards file written from a sheet, measured as dumped: half the loader's cap
# leaves room for the revocations and edits made in place afterwards.
MAX_AWARDS_FILE_BYTES = MAX_RECORD_BYTES // 2
_HEADER_ALLOWANCE = 1024  # the opening comment: a file name is at most 255 bytes


@dataclass(frozen=True)
class SheetRow:
    """One row of the CSV: its number as a spreadsheet shows it, and its accepted cells.

    A cell the reader refused is left out of values and named in refused, so later checks
    do not report the same cell twice.
    """

    number: int
    values: Mapping[str, str]
    refused: frozenset[str]


@dataclass(frozen=True)
class Sheet:
    header: tuple[str, ...]
    rows: tuple[SheetRow, ...]
    problems: tuple[ContentError, ...]


@dataclass(frozen=True)
class BatchResult:
    issued: tuple[Issued, ...]
    new_earners: tuple[str, ...]
    awards_files: tuple[str, ...]
    csv_inside_site: bool
    warnings: tuple[Finding, ...] = ()


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value.strip())


def _cell_problem(column: str, value: str) -> str | None:
    """Why a (stripped) cell of a known column is refused, or None."""
    for character in value:
        if character in "\n\r\t" and column in MULTILINE_COLUMNS:
            continue
        if unicodedata.category(character) in ("Cc", "Zl", "Zp") or character in _BIDI_CONTROLS:
            return f"holds the control character U+{ord(character):04X}, which is not allowed " + (
                "here" if column in MULTILINE_COLUMNS else "in a one-line value"
            )
    limit = MAX_CELL_CHARACTERS[column]
    if len(value) > limit:
        return f"is {len(value)} characters long; at most {limit}"
    if column == "email":
        return None  # hashed, never written anywhere
    if value.startswith(FORMULA_STARTS):
        hint = " (a markdown list can start with `*`)" if column in MULTILINE_COLUMNS else ""
        return (
            f"starts with '{value[0]}', which spreadsheets run as a formula when they open a "
            f"file holding it: remove or reword the start{hint}"
        )
    if addresses_in(value):
        return "holds an email address, which would be published: addresses go in 'email' only"
    return None


def read_sheet(csv_path: Path) -> Sheet:
    """Every cell of a CSV file through one set of checks, with every problem found.

    Checked: size and row caps, UTF-8, duplicate, unknown and missing headers, rows with
    more cells than the header, control characters, cell lengths, formula starts, and
    addresses outside the email column. Rows are numbered as a spreadsheet shows them (the
    header is row 1); rows of empty cells are skipped. Raises ContentErrors only when the
    file cannot be read as CSV at all.
    """
    shown = csv_path.name
    # utf-8-sig: spreadsheets start their CSV with a byte order mark
    text = read_capped_text(csv_path, shown, MAX_CSV_BYTES, encoding="utf-8-sig")
    if isinstance(text, ContentError):
        raise ContentErrors([text])
    problems: list[ContentError] = []

    def problem(row: int, column: str, message: str) -> None:
        problems.append(ContentError(shown, row, column, message))

    reader = csv.reader(io.StringIO(text, newline=""))
    header: tuple[str, ...] = ()
    rows: list[SheetRow] = []
    try:
        for number, cells in enumerate(reader, start=1):
            if number == 1:
                header = tuple(cell.strip().lower() for cell in cells)
                if not any(header):
                    break
                _check_header(header, problem)
                continue
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_CSV_ROWS:
                raise ContentErrors(
                    [ContentError(shown, 0, "", f"more than {MAX_CSV_ROWS} rows; split the file")]
                )
            rows.append(_read_row(number, cells, header, problem))
    except csv.Error as exc:
        raise ContentErrors([ContentError(shown, reader.line_num, "", f"bad CSV: {exc}")]) from None
    if not any(header):
        problem(1, "", "no header row: the first row names the columns (name,email,badge)")
    elif not rows:
        problem(1, "", "no rows to issue")
    return Sheet(header, tuple(rows), tuple(problems))


def _check_header(header: tuple[str, ...], problem: Report) -> None:
    first_at: dict[str, int] = {}
    for position, column in enumerate(header, start=1):
        if not column:
            continue  # an unnamed column is fine as long as it stays empty
        if column not in KNOWN_COLUMNS and (
            len(column) > MAX_HEADER_CHARACTERS
            or any(not character.isprintable() for character in column)
        ):
            problem(1, f"column {position}", "unknown column")  # not echoed: it may hide text
            continue
        if column in first_at:
            problem(
                1,
                column,
                f"column {position} repeats column {first_at[column]}: each column may appear once",
            )
            continue
        first_at[column] = position
        if column not in KNOWN_COLUMNS:
            problem(1, column, "unknown column" + did_you_mean(column, KNOWN_COLUMNS))
    for column in REQUIRED_COLUMNS:
        if column not in first_at:
            problem(1, column, "required column is missing")


def _read_row(number: int, cells: list[str], header: tuple[str, ...], problem: Report) -> SheetRow:
    values: dict[str, str] = {}
    refused: set[str] = set()
    if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
        problem(
            number,
            "",
            f"{len(cells)} cells, but the header names {len(header)} columns: a value has no "
            "column (an unquoted comma?)",
        )
    for position, (column, cell) in enumerate(zip(header, cells, strict=False), start=1):
        value = cell.strip()
        if column not in KNOWN_COLUMNS or column in values or column in refused:
            if not column and value:
                problem(number, f"column {position}", "a value in a column with no header")
            continue  # unknown and repeated columns are reported once, on the header
        why = _cell_problem(column, value)
        if why:
            problem(number, column, why)
            refused.add(column)
        else:
            values[column] = value
    return SheetRow(number, values, frozenset(refused))


@dataclass(frozen=True)
class _NewEarner:
    name: str
    visibility: str
    row: int


class _Batch:
    """Checks every row against the site, collecting every problem with its row number."""

    def __init__(self, site: Site, shown: str, today: dt.date, allow_duplicates: bool) -> None:
        self.site = site
        self.shown = shown
        self.today = today
        self.allow_duplicates = allow_duplicates
        self.errors: list[ContentError] = []
        self.warnings: list[Finding] = []
        self.new_earners: dict[str, _NewEarner] = {}
        self.seen: dict[tuple[str, str, dt.date], int] = {}
        self._same_day: SameDayAwards | None = None

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(ContentError(self.shown, row, column, message))

    def earner(self, row: SheetRow, name: str, visibility: str) -> str:
        given_slug = row.values.get("earner", "")
        slug = given_slug or slugify(name)
        if not SLUG_PATTERN.match(slug):
            self.error(
                row.number, "earner", f"'{slug}' is not a slug: lowercase letters, digits, hyphens"
            )
            return ""
        existing = self.site.earners.get(slug)
        if existing is not None:
            if not given_slug and existing.name.casefold() != name.casefold():
                self.error(
                    row.number,
                    "name",
                    f"earner '{slug}' already exists as '{existing.name}': add an 'earner' "
                    "column to say which earner this row is",
                )
            if row.values.get("visibility") and visibility != existing.visibility:
                self.error(
                    row.number,
                    "visibility",
                    f"earner '{slug}' already exists and is {existing.visibility}: change "
                    f"{existing.source} to change that",
                )
            return slug
        known = self.new_earners.setdefault(slug, _NewEarner(name, visibility, row.number))
        if known.name.casefold() != name.casefold():
            self.error(
                row.number, "name", f"earner '{slug}' is named '{known.name}' in row {known.row}"
            )
        elif known.visibility != visibility:
            self.error(
                row.number,
                "visibility",
                f"earner '{slug}' is {known.visibility} in row {known.row}",
            )
        return slug

    def duplicates(self, row: int, email: str, badge: str, day: dt.date) -> None:
        """Refuse the same badge to the same address on the same day, unless allowed: in
        the sheet, and against the site's awards by the rule single awards follow."""
        if self.allow_duplicates:
            return
        first = self.seen.setdefault((email, badge, day), row)
        if first != row:
            self.error(
                row,
                "email",
                "the same address gets this badge on the same day in row "
                f"{first}{ALLOW_DUPLICATES_HINT}",
            )
        if self._same_day is None:
            self._same_day = SameDayAwards(self.site)
        for earlier in self._same_day.of(email, badge, day):
            self.error(row, "email", duplicate_message(badge, day, earlier))

    def dates(self, row: int, issued_on: dt.date, expires: dt.date | None) -> None:
        """The dates checked as a single award's are: refused or warned about, by row."""
        refused, noted = check_dates(issued_on, expires, self.today)
        if refused is not None:
            self.error(row, refused.field, refused.message)
        for note in noted:
            self.warnings.append(
                Finding(WARNING, ContentError(self.shown, row, note.field, note.message))
            )

    def request(self, row: SheetRow) -> AwardRequest | None:
        before = len(self.errors)
        values = row.values
        for column in REQUIRED_COLUMNS:
            if not values.get(column) and column not in row.refused:
                self.error(row.number, column, "must not be empty")
        name, email, badge = values.get("name", ""), values.get("email", ""), values.get("badge")
        email = email.lower()
        if email and not EMAIL_PATTERN.match(email):
            self.error(row.number, "email", "not an email address")
        if badge and badge not in self.site.badges:
            hint = did_you_mean(badge, sorted(self.site.badges))
            self.error(row.number, "badge", f"no badge '{badge}' in content/badges/{hint}")
        visibility = values.get("visibility", "").lower() or self.site.config.default_visibility
        if visibility not in VISIBILITIES:
            listed = ", ".join(VISIBILITIES)
            self.error(row.number, "visibility", f"'{visibility}' is not one of: {listed}")
            visibility = self.site.config.default_visibility
        slug = self.earner(row, name, visibility) if name else ""
        evidence = values.get("evidence", "")
        if evidence and not is_http_url(evidence):
            self.error(row.number, "evidence", f"'{evidence}' is not an absolute http(s) URL")
        dates: dict[str, dt.date | None] = {}
        for column in ("issued_on", "expires"):
            try:
                dates[column] = _date(values[column]) if values.get(column) else None
            except ValueError:
                self.error(row.number, column, f"'{values[column]}' is not a date (YYYY-MM-DD)")
                dates[column] = None
        issued_on, expires = dates["issued_on"], dates["expires"]
        self.dates(row.number, issued_on or self.today, expires)
        if email and badge and len(self.errors) == before:
            self.duplicates(row.number, email, badge, issued_on or self.today)
        if len(self.errors) > before or row.refused or not (slug and badge):
            return None
        return AwardRequest(
            badge=badge,
            earner=slug,
            email=email,
            issued_on=issued_on,
            expires=expires,
            evidence=(evidence,) if evidence else (),
            narrative=values.get("narrative", ""),
        )


def award_from_csv(
    site_dir: Path,
    csv_path: Path,
    today: dt.date | None = None,
    allow_duplicates: bool = False,
) -> BatchResult:
    """Issue every row of csv_path, or nothing: all problems are reported with row numbers.

    Rows are numbered as a spreadsheet shows them: the header is row 1.
    """
    site = current_site(site_dir)
    today = today or today_in(site)
    shown = csv_path.name
    sheet = read_sheet(csv_path)
    batch = _Batch(site, shown, today, allow_duplicates)
    batch.errors.extend(sheet.problems)
    requests: list[AwardRequest | None] = []
    if all(column in sheet.header for column in REQUIRED_COLUMNS):
        requests = [batch.request(row) for row in sheet.rows]
    if batch.errors:
        raise ContentErrors(sorted(batch.errors, key=lambda error: error.line))
    issued_ids: list[str] = []
    taken: set[str] = set()
    issued: list[Issued] = []
    files = _AwardsFiles(site_dir, f"{today.isoformat()}-{slugify(csv_path.stem)}")
    for request in requests:
        assert request is not None
        award_id = new_award_id(site, taken)
        taken.add(award_id)
        record = award_record(award_id, request, request.issued_on or today)
        relative = files.add(dump_yaml([record]))
        earner = site.earners.get(request.earner)
        new_earner = batch.new_earners.get(request.earner)
        draft = site.badges[request.badge].draft
        is_published = (
            earner.is_published
            if earner
            else new_earner is not None and new_earner.visibility != "private"
        ) and not draft
        if is_published:
            issued_ids.append(award_id)
        issued.append(
            Issued(award_id, award_url(site, award_id), is_published, relative, draft=draft)
        )
    changes = files.texts(f"`badgesite award --from-csv {shown}` on {today.isoformat()}")
    for slug, new_earner in sorted(batch.new_earners.items()):
        changes[f"content/earners/{slug}.yaml"] = (
            f"# Created by `badgesite award --from-csv {shown}` on {today.isoformat()}.\n"
            + dump_yaml({"name": new_earner.name, "visibility": new_earner.visibility})
        )
    if issued_ids:
        changes[f"content/{published.PUBLISHED_FILE}"] = published.updated_record_text(
            site_dir, issued_ids
        )
    apply_changes(site_dir, changes)
    inside = csv_path.resolve().is_relative_to(site_dir.resolve())
    return BatchResult(
        tuple(issued),
        tuple(sorted(batch.new_earners)),
        tuple(files.names()),
        inside,
        tuple(batch.warnings),
    )


class _AwardsFiles:
    """A sheet's awards spread over as many files as keep each under MAX_AWARDS_FILE_BYTES.

    Sizes are measured on the text as dumped (narratives and evidence make rows differ
    widely); a block sequence dumped one item at a time is the same text as dumped whole.
    """

    def __init__(self, site_dir: Path, stem: str) -> None:
        self.folder = site_dir / "content" / "awards"
        self.stem = stem
        self.parts: list[tuple[str, list[str]]] = []
        self.size = 0

    def add(self, item_text: str) -> str:
        """Put one dumped award in the current file, or in a new one; return that file."""
        size = len(item_text.encode("utf-8"))
        if not self.parts or self.size + size > MAX_AWARDS_FILE_BYTES - _HEADER_ALLOWANCE:
            name = free_name(self.folder, self.stem, {name for name, _ in self.parts})
            self.parts.append((name, []))
            self.size = 0
        self.parts[-1][1].append(item_text)
        self.size += size
        return f"content/awards/{self.parts[-1][0]}"

    def names(self) -> list[str]:
        return [f"content/awards/{name}" for name, _ in self.parts]

    def texts(self, issued_with: str) -> dict[str, str]:
        """relative path -> file text, each opening with a comment saying where it came from."""
        texts = {}
        for number, (name, items) in enumerate(self.parts, start=1):
            part = f" (file {number} of {len(self.parts)})" if len(self.parts) > 1 else ""
            text = f"# Issued with {issued_with}: {counted(len(items), 'award')}{part}.\n"
            texts[f"content/awards/{name}"] = text + "".join(items)
        return texts
