"""Bulk issuing from a CSV file: every cell checked first, then all awards or none."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from badgesite.authoring.edits import AwardRequest, Issued, award_record, new_award_id
from badgesite.authoring.guarded import (
    ALLOW_DUPLICATES_HINT,
    SameDayAwards,
    apply_changes,
    award_url,
    check_dates,
    current_site,
    duplicate_message,
    free_name,
    today_in,
)
from badgesite.authoring.keys import salt_key
from badgesite.authoring.sheet import REQUIRED_COLUMNS, SheetRow, read_sheet
from badgesite.authoring.yamltext import dump_yaml
from badgesite.config import VISIBILITIES
from badgesite.errors import WARNING, ContentError, ContentErrors, Finding, did_you_mean
from badgesite.guards import credentials, published
from badgesite.load import MAX_RECORD_BYTES, SLUG_PATTERN
from badgesite.model import Site
from badgesite.primitives.slugs import slugify
from badgesite.report import counted
from badgesite.schema.fields import EMAIL_PATTERN, is_http_url

# Bytes of one awards file written from a sheet, measured as dumped: half the loader's cap
# leaves room for the revocations and edits made in place afterwards.
MAX_AWARDS_FILE_BYTES = MAX_RECORD_BYTES // 2
_HEADER_ALLOWANCE = 1024  # the opening comment: a file name is at most 255 bytes


@dataclass(frozen=True)
class BatchResult:
    issued: tuple[Issued, ...]
    new_earners: tuple[str, ...]
    awards_files: tuple[str, ...]
    csv_inside_site: bool
    warnings: tuple[Finding, ...] = ()


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value.strip())


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
    batch, requests = _checked_requests(site, csv_path, today, allow_duplicates)
    files = _AwardsFiles(site_dir, f"{today.isoformat()}-{slugify(csv_path.stem)}")
    issued = _issue(site, batch, requests, files, today)
    changes = files.texts(f"`badgesite award --from-csv {shown}` on {today.isoformat()}")
    for slug, new_earner in sorted(batch.new_earners.items()):
        changes[f"content/earners/{slug}.yaml"] = (
            f"# Created by `badgesite award --from-csv {shown}` on {today.isoformat()}.\n"
            + dump_yaml({"name": new_earner.name, "visibility": new_earner.visibility})
        )
    issued_ids = [one.award_id for one in issued if one.is_published]
    if issued_ids:
        changes[f"content/{published.PUBLISHED_FILE}"] = published.updated_record_text(
            site_dir, issued_ids
        )
        changes[f"content/{credentials.STATUS_FILE}"] = credentials.updated_status_text(
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


def _checked_requests(
    site: Site, csv_path: Path, today: dt.date, allow_duplicates: bool
) -> tuple[_Batch, list[AwardRequest]]:
    """Every row of the sheet as an award to issue; raises ContentErrors with every
    problem of the sheet when there is one."""
    sheet = read_sheet(csv_path)
    batch = _Batch(site, csv_path.name, today, allow_duplicates)
    batch.errors.extend(sheet.problems)
    requests: list[AwardRequest | None] = []
    if all(column in sheet.header for column in REQUIRED_COLUMNS):
        requests = [batch.request(row) for row in sheet.rows]
    if batch.errors:
        raise ContentErrors(sorted(batch.errors, key=lambda error: error.line))
    checked = [request for request in requests if request is not None]
    assert len(checked) == len(requests)  # a row without a request has an error
    return batch, checked


def _issue(
    site: Site, batch: _Batch, requests: list[AwardRequest], files: _AwardsFiles, today: dt.date
) -> list[Issued]:
    """The awards of the requests, put into files; whether each is published (its earner,
    one the sheet creates perhaps, is not private, and its badge class is no draft)."""
    taken: set[str] = set()
    issued: list[Issued] = []
    key = salt_key(site.root)
    for request in requests:
        award_id = new_award_id(site, taken)
        taken.add(award_id)
        record = award_record(award_id, request, request.issued_on or today, key)
        relative = files.add(dump_yaml([record]))
        earner = site.earners.get(request.earner)
        new_earner = batch.new_earners.get(request.earner)
        draft = site.badges[request.badge].draft
        is_published = (
            earner.is_published
            if earner
            else new_earner is not None and new_earner.visibility != "private"
        ) and not draft
        issued.append(
            Issued(award_id, award_url(site, award_id), is_published, relative, draft=draft)
        )
    return issued


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
