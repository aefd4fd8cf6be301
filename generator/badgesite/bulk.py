"""Bulk issuing from a CSV file: every row checked first, then all awards or none."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from badgesite import published
from badgesite.authoring import (
    AwardRequest,
    Issued,
    apply_changes,
    award_record,
    award_url,
    current_site,
    dump_yaml,
    free_name,
    new_award_id,
    today_in,
)
from badgesite.errors import ContentError, ContentErrors, did_you_mean
from badgesite.fields import EMAIL_PATTERN, is_http_url
from badgesite.load import SLUG_PATTERN, read_capped_text
from badgesite.model import Site

MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_CSV_ROWS = 10_000
REQUIRED_COLUMNS = ("name", "email", "badge")
OPTIONAL_COLUMNS = ("earner", "evidence", "issued_on", "expires", "narrative")


@dataclass(frozen=True)
class BatchResult:
    issued: tuple[Issued, ...]
    new_earners: tuple[str, ...]
    awards_file: str
    csv_inside_site: bool


def slugify(name: str) -> str:
    """`Inês Gonçalves` -> `ines-goncalves`; empty when nothing Latin is left."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value.strip())


def read_rows(csv_path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of a CSV file, size-capped; ContentErrors when unreadable."""
    shown = csv_path.name
    # utf-8-sig: spreadsheets start their CSV with a byte order mark
    text = read_capped_text(csv_path, shown, MAX_CSV_BYTES, encoding="utf-8-sig")
    if isinstance(text, ContentError):
        raise ContentErrors([text])
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in reader.fieldnames or []]
        reader.fieldnames = header
        rows = []
        for row in reader:
            rows.append(row)
            if len(rows) > MAX_CSV_ROWS:
                raise ContentErrors(
                    [ContentError(shown, 0, "", f"more than {MAX_CSV_ROWS} rows; split the file")]
                )
    except csv.Error as exc:
        raise ContentErrors([ContentError(shown, reader.line_num, "", f"bad CSV: {exc}")]) from None
    return header, rows


class _Batch:
    """Checks every row against the site, collecting every problem with its row number."""

    def __init__(self, site: Site, shown: str, today: dt.date) -> None:
        self.site = site
        self.shown = shown
        self.today = today
        self.errors: list[ContentError] = []
        self.new_earners: dict[str, str] = {}
        self.seen: dict[tuple[str, str], int] = {}

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(ContentError(self.shown, row, column, message))

    def earner(self, row: int, name: str, given_slug: str) -> str:
        slug = given_slug or slugify(name)
        if not slug:
            self.error(row, "name", "no slug can be made from this name: add an 'earner' column")
            return ""
        if not SLUG_PATTERN.match(slug):
            self.error(row, "earner", f"'{slug}' is not a slug: lowercase letters, digits, hyphens")
            return ""
        existing = self.site.earners.get(slug)
        if existing is not None:
            if not given_slug and existing.name.casefold() != name.casefold():
                self.error(
                    row,
                    "name",
                    f"earner '{slug}' already exists as '{existing.name}': add an 'earner' "
                    "column to say which earner this row is",
                )
            return slug
        known = self.new_earners.setdefault(slug, name)
        if known.casefold() != name.casefold():
            self.error(row, "name", f"earner '{slug}' is named '{known}' in an earlier row")
        return slug

    def request(self, row: int, values: dict[str, str]) -> AwardRequest | None:
        before = len(self.errors)
        for column in REQUIRED_COLUMNS:
            if not values.get(column):
                self.error(row, column, "must not be empty")
        name, email, badge = values.get("name", ""), values.get("email", ""), values.get("badge")
        email = email.lower()
        if email and not EMAIL_PATTERN.match(email):
            self.error(row, "email", "not an email address")
        if badge and badge not in self.site.badges:
            hint = did_you_mean(badge, sorted(self.site.badges))
            self.error(row, "badge", f"no badge '{badge}' in content/badges/{hint}")
        slug = self.earner(row, name, values.get("earner", "")) if name else ""
        evidence = values.get("evidence", "")
        if evidence and not is_http_url(evidence):
            self.error(row, "evidence", f"'{evidence}' is not an absolute http(s) URL")
        dates: dict[str, dt.date | None] = {}
        for column in ("issued_on", "expires"):
            try:
                dates[column] = _date(values[column]) if values.get(column) else None
            except ValueError:
                self.error(row, column, f"'{values[column]}' is not a date (YYYY-MM-DD)")
                dates[column] = None
        issued_on, expires = dates["issued_on"], dates["expires"]
        if expires and expires <= (issued_on or self.today):
            self.error(row, "expires", "must be after issued_on")
        if email and badge:
            first = self.seen.setdefault((email, badge), row)
            if first != row:
                self.error(row, "email", f"the same address already gets this badge in row {first}")
        if len(self.errors) > before or not (slug and badge):
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


def award_from_csv(site_dir: Path, csv_path: Path, today: dt.date | None = None) -> BatchResult:
    """Issue every row of csv_path, or nothing: all problems are reported with row numbers.

    Rows are numbered as a spreadsheet shows them: the header is row 1.
    """
    site = current_site(site_dir)
    today = today or today_in(site)
    shown = csv_path.name
    header, rows = read_rows(csv_path)
    batch = _Batch(site, shown, today)
    unknown = [column for column in header if column not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    for column in unknown:
        batch.error(
            1,
            column,
            "unknown column" + did_you_mean(column, REQUIRED_COLUMNS + OPTIONAL_COLUMNS),
        )
    for column in REQUIRED_COLUMNS:
        if column not in header:
            batch.error(1, column, "required column is missing")
    if not rows:
        batch.error(1, "", "no rows to issue")
    if batch.errors:
        raise ContentErrors(batch.errors)
    requests = [
        batch.request(number, {key: (value or "").strip() for key, value in row.items() if key})
        for number, row in enumerate(rows, start=2)
    ]
    if batch.errors:
        raise ContentErrors(batch.errors)
    records, issued_ids, taken = [], [], set()
    awards_dir = site_dir / "content" / "awards"
    name = free_name(awards_dir, f"{today.isoformat()}-{slugify(csv_path.stem) or 'batch'}")
    relative = f"content/awards/{name}"
    issued: list[Issued] = []
    for request in requests:
        assert request is not None
        award_id = new_award_id(site, taken)
        taken.add(award_id)
        records.append(award_record(award_id, request, request.issued_on or today))
        earner = site.earners.get(request.earner)
        draft = site.badges[request.badge].draft
        is_published = (earner.is_published if earner else True) and not draft
        if is_published:
            issued_ids.append(award_id)
        issued.append(Issued(award_id, award_url(site, award_id), is_published, relative, draft))
    header_comment = (
        f"# Issued with `badgesite award --from-csv {shown}` on {today.isoformat()}: "
        f"{len(records)} award{'s' if len(records) != 1 else ''}.\n"
    )
    changes = {relative: header_comment + dump_yaml(records)}
    for slug, earner_name in sorted(batch.new_earners.items()):
        changes[f"content/earners/{slug}.yaml"] = (
            f"# Created by `badgesite award --from-csv {shown}` on {today.isoformat()}.\n"
            + dump_yaml({"name": earner_name, "visibility": "public"})
        )
    if issued_ids:
        changes[f"content/{published.PUBLISHED_FILE}"] = published.updated_record_text(
            site_dir, issued_ids
        )
    apply_changes(site_dir, changes)
    inside = csv_path.resolve().is_relative_to(site_dir.resolve())
    return BatchResult(tuple(issued), tuple(sorted(batch.new_earners)), relative, inside)
