"""A CSV sheet for `badgesite award --from-csv`, read and checked cell by cell before any
of it is issued."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from badgesite.authoring.guarded import MAX_NARRATIVE_CHARACTERS
from badgesite.errors import ContentError, ContentErrors, did_you_mean
from badgesite.guards.addresses import addresses_in
from badgesite.load import read_capped_text

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


def read_sheet(csv_path: Path, required: tuple[str, ...] = REQUIRED_COLUMNS) -> Sheet:
    """Every cell of a CSV file through one set of checks, with every problem found.

    Checked: size and row caps, UTF-8, duplicate, unknown and missing headers, rows with
    more cells than the header, control characters, cell lengths, formula starts, and
    addresses outside the email column. `required`: the columns a sheet must have (what
    `award --from-csv` needs by default; `notify` needs only the email). Rows are numbered
    as a spreadsheet shows them (the header is row 1); rows of empty cells are skipped.
    Raises ContentErrors only when the file cannot be read as CSV at all.
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
                _check_header(header, problem, required)
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
        named = ",".join(required)
        problem(1, "", f"no header row: the first row names the columns ({named})")
    elif not rows:
        problem(1, "", "no rows to issue" if "badge" in required else "no rows")
    return Sheet(header, tuple(rows), tuple(problems))


def _check_header(header: tuple[str, ...], problem: Report, required: tuple[str, ...]) -> None:
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
    for column in required:
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
