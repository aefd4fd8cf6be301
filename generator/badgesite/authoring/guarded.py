"""What every authoring command checks, and its one way of writing content/: a change is
written only when the whole site still loads without an error with it."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from badgesite import urls
from badgesite.build import load_site
from badgesite.cache.image_cache import ImageCache
from badgesite.cache.store import images_folder
from badgesite.errors import BadgesiteError, ContentErrors
from badgesite.guards import published
from badgesite.guards.addresses import addresses_in
from badgesite.guards.lints import errors_of, lint_files
from badgesite.load import slug_problem
from badgesite.model import Award, Site
from badgesite.openbadges.hashing import identity_matches
from badgesite.primitives.atomic import write_atomic
from badgesite.schema.fields import EMAIL_PATTERN

# Characters of the free text a command writes into content/: generous for real text, and
# small enough that a revocation reason never pushes a record file past the loader's cap.
MAX_NARRATIVE_CHARACTERS = 10_000
MAX_REASON_CHARACTERS = 1_000
ALLOW_DUPLICATES_HINT = " (--allow-duplicates issues it anyway)"


class AuthoringError(BadgesiteError):
    """A command that cannot be carried out as asked; nothing was written."""


def check_slug(value: str, what: str) -> str:
    """Refuse anything but a slug: slugs become file names and URL paths. The loader's
    rule and message (load.slug_problem): a long value is shown cut, and said to be too long."""
    problem = slug_problem(value, what)
    if problem:
        raise AuthoringError(problem)
    return value


def check_email(value: str) -> str:
    """The address as it is hashed: trimmed and lowercased, as issuers and checkers do."""
    address = value.strip().lower()
    if not EMAIL_PATTERN.match(address):
        raise AuthoringError("the --email value is not an email address")
    return address


def check_free_text(value: str, option: str, limit: int) -> str:
    """Refuse text for content/ that is too long or shows an email address once published.

    The address is not echoed: the message may end up in a terminal log or a CI report.
    """
    if len(value) > limit:
        raise AuthoringError(f"{option} is {len(value)} characters long; at most {limit}")
    if addresses_in(value):
        raise AuthoringError(
            f"{option} holds an email address, which would be written into content/ and "
            "published: leave it out (an award keeps only the salted hash of --email)"
        )
    return value


def current_site(site_dir: Path) -> Site:
    """The site as it is, which must be valid before anything is added to it."""
    file_errors = errors_of(lint_files(site_dir))
    try:
        site = load_site(site_dir, cache=_image_cache(site_dir))
    except ContentErrors as failure:
        raise ContentErrors([*failure.errors, *file_errors]) from None
    if file_errors:
        raise ContentErrors(file_errors)
    return site


def today_in(site: Site) -> dt.date:
    return dt.datetime.now(site.config.zone).date()


def award_url(site: Site, award_id: str) -> str:
    return site.config.base_url + urls.award_page(award_id)


def free_name(folder: Path, stem: str, taken: Collection[str] = ()) -> str:
    """`stem.yaml`, or `stem-2.yaml`, ...: a file name not yet used in folder nor taken."""
    candidate, number = f"{stem}.yaml", 1
    while candidate in taken or (folder / candidate).exists():
        number += 1
        candidate = f"{stem}-{number}.yaml"
    return candidate


class SameDayAwards:
    """The site's unrevoked awards to addresses, by badge and by day in the site's time zone.

    The same badge to the same address on the same day is taken for a mistake (a sheet or
    a command run twice). Recipients are stored only as salted hashes, so an address is
    hashed with each candidate award's salt.
    """

    def __init__(self, site: Site) -> None:
        zone = site.config.zone
        self._by_badge_and_day: dict[tuple[str, dt.date], list[Award]] = {}
        for found in site.awards.values():
            if found.revocation is None and found.recipient.type == "email":
                key = (found.badge.slug, found.issued_on.astimezone(zone).date())
                self._by_badge_and_day.setdefault(key, []).append(found)

    def of(self, email: str, badge: str, day: dt.date) -> list[Award]:
        """The awards of badge issued on day to email (trimmed and lowercased)."""
        return [
            found
            for found in self._by_badge_and_day.get((badge, day), [])
            if identity_matches(email, found.recipient.salt, found.recipient.identity)
        ]


def duplicate_message(badge: str, day: dt.date, earlier: Award) -> str:
    return (
        f"this address already has badge '{badge}' issued on {day.isoformat()}: "
        f"award {earlier.id} in {earlier.source}{ALLOW_DUPLICATES_HINT}"
    )


@dataclass(frozen=True)
class DateNote:
    """Something odd about one of an award's dates: field is `issued_on` or `expires`, as
    records and CSV columns name it; message starts with the date."""

    field: str
    message: str

    def as_option(self) -> str:
        """As said of a command-line option: `--issued-on 2026-01-15 is ...`."""
        return f"--{self.field.replace('_', '-')} {self.message}"


def check_dates(
    issued_on: dt.date, expires: dt.date | None, today: dt.date
) -> tuple[DateNote | None, tuple[DateNote, ...]]:
    """(why the dates are refused or None, what looks like a typo): an expiry not after the
    issue date is refused outright (the award could never be valid)."""
    if expires is not None and expires <= issued_on:
        return DateNote(
            "expires",
            f"{expires.isoformat()} is not after the award's date {issued_on.isoformat()}: "
            "an award can only expire after it is issued",
        ), ()
    warnings = []
    if issued_on > today:
        warnings.append(
            DateNote(
                "issued_on",
                f"{issued_on.isoformat()} is in the future (today is {today.isoformat()}): "
                "the award shows as not yet valid until then",
            )
        )
    if expires is not None and expires <= today:
        warnings.append(
            DateNote(
                "expires",
                f"{expires.isoformat()} is not in the future (today is {today.isoformat()}): "
                "the award is expired from the start",
            )
        )
    return None, tuple(warnings)


def apply_changes(site_dir: Path, changes: Mapping[str, str]) -> None:
    """Write changes (relative path -> text) only if the site stays valid with them.

    The changes are tried on a staged copy of content/ (hard links where the file system
    allows, so it is cheap); only when that copy loads without a single error are they
    written, each file atomically.
    """
    for relative in changes:
        target = (site_dir / relative).resolve()
        if not target.is_relative_to((site_dir / "content").resolve()):
            raise AuthoringError(f"refusing to write '{relative}': it is outside content/")
    with tempfile.TemporaryDirectory(prefix="badgesite-staged-") as staging_name:
        staged = Path(staging_name)
        shutil.copytree(site_dir / "content", staged / "content", copy_function=_link_or_copy)
        for relative, text in changes.items():
            path = staged / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)  # never write through a hard link into the site
            path.write_text(text, encoding="utf-8")
        staged_site = load_site(staged, cache=_image_cache(site_dir))
        published.reconcile(staged_site, frozen=False)
    for relative, text in changes.items():
        write_atomic(site_dir / relative, text.encode("utf-8"))


def _image_cache(site_dir: Path) -> ImageCache:
    """The site's image cache, which a build fills: the checks of its images (an SVG's
    rasterization above all) are not run again for each command."""
    return ImageCache(images_folder(site_dir))


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)
