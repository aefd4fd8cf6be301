"""Lints run by `badgesite check` and before every build: mistakes the model cannot see."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from badgesite.config import SiteConfig
from badgesite.errors import ERROR, WARNING, ContentError, ContentErrors, Finding
from badgesite.guards.addresses import SCANNED_SUFFIXES, plain_email_addresses, public_addresses
from badgesite.guards.published import Reconciliation, withdrawn_path
from badgesite.load import display_path, not_a_regular_file
from badgesite.model import Site
from badgesite.templating.themes import setting_line
from badgesite.urls import PLACEHOLDER_BASE_URL

SCANNED_FOLDERS = ("content", "templates", "themes")
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class CheckFailed(ContentErrors):
    """Content errors, with the warnings found alongside them."""

    def __init__(self, errors: Iterable[ContentError], warnings: Iterable[Finding] = ()) -> None:
        super().__init__(errors)
        self.warnings: tuple[Finding, ...] = tuple(sorted(set(warnings)))


def errors_of(findings: Iterable[Finding]) -> list[ContentError]:
    return [finding.problem for finding in findings if finding.severity == ERROR]


def warnings_of(findings: Iterable[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity == WARNING]


def lint_files(site_dir: Path) -> list[Finding]:
    """Lints on the files themselves, which run even when records do not parse.

    One walk serves both lints; a symlink costs a resolve, any other file none (a file in a
    folder that is not a symlink cannot lead out of the site). It runs before every build,
    so it walks with os.scandir, whose entries know their type without another system call.
    """
    findings: list[Finding] = []
    root = site_dir.resolve()
    allowed = public_addresses(site_dir)
    for folder_name in SCANNED_FOLDERS:
        folder = site_dir / folder_name
        if folder.is_symlink():
            findings.extend(_escaping(folder, root, site_dir))
            continue
        if not folder.is_dir():
            continue
        pending = [str(folder)]
        while pending:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    if entry.is_symlink():
                        escaping = list(_escaping(Path(entry.path), root, site_dir))
                        findings.extend(escaping)
                        if escaping or entry.is_dir():
                            continue  # never read what lies outside; never walk a link twice
                    if entry.is_dir():
                        pending.append(entry.path)
                    elif not entry.is_file():
                        findings.extend(_special_file(entry.path, site_dir))
                    elif folder_name == "content" and entry.name.lower().endswith(SCANNED_SUFFIXES):
                        findings.extend(plain_email_addresses(entry.path, site_dir, allowed))
    return sorted(findings)


def lint_record_files(site_dir: Path, paths: Iterable[Path]) -> list[Finding]:
    """lint_files' findings in these regular files of content/ alone (a kept build looks
    again only at the record files that changed; the issuers' addresses did not)."""
    allowed = public_addresses(site_dir)
    findings: list[Finding] = []
    for path in paths:
        if path.name.lower().endswith(SCANNED_SUFFIXES):
            findings.extend(plain_email_addresses(str(path), site_dir, allowed))
    return sorted(findings)


def _special_file(path: str, site_dir: Path) -> Iterator[Finding]:
    """A FIFO, socket or device is refused, never opened: reading one would hang the build."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # a dangling symlink: whatever reads it says it cannot
    yield Finding.error(display_path(Path(path), site_dir), 0, "", not_a_regular_file(mode))


def _escaping(path: Path, root: Path, site_dir: Path) -> Iterator[Finding]:
    if not path.resolve().is_relative_to(root):
        yield Finding.error(
            display_path(path, site_dir),
            0,
            "",
            f"is a symlink to {os.readlink(path)}, outside the site; refused (a build "
            "would publish or read files that are not part of the site)",
        )


def lint_settings(config: SiteConfig, site_dir: Path) -> list[Finding]:
    """Lints of site.yaml alone, which run even when records have errors."""
    return list(_base_url(config, site_dir))


def lint_site(site: Site, reconciliation: Reconciliation) -> list[Finding]:
    """Lints that need the validated site."""
    findings: list[Finding] = []
    findings.extend(_linkedin(site))
    findings.extend(_images(site))
    shown = display_path(withdrawn_path(site.root), site.root)
    # An id withdrawn twice is shown at its first line.
    withdrawn = reversed(reconciliation.record.withdrawn)
    withdrawn_lines = {item.award_id: item.line for item in withdrawn}
    for award_id in reconciliation.withdrawn_but_published:
        findings.append(
            Finding.warning(
                shown,
                withdrawn_lines[award_id],
                "",
                f"award '{award_id}' is recorded as withdrawn but is still published",
            )
        )
    return findings


def _base_url(config: SiteConfig, site_dir: Path) -> Iterator[Finding]:
    source = config.source
    line = setting_line(site_dir, "base_url")
    base_url = config.base_url
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if base_url == PLACEHOLDER_BASE_URL:
        yield Finding.warning(
            source,
            line,
            "base_url",
            f"still the placeholder '{base_url}': set it to the address the site is published "
            "at, before the first award is shared (award URLs are permanent)",
        )
    if parts.scheme != "https" and host not in _LOCAL_HOSTS:
        yield Finding.warning(
            source,
            line,
            "base_url",
            f"'{base_url}' is not https: verifiers, browsers and LinkedIn expect https, and "
            "GitHub Pages and Netlify serve it",
        )
    if host.endswith(".github.io") and parts.path in ("", "/"):
        owner = host.removesuffix(".github.io")
        yield Finding.warning(
            source,
            line,
            "base_url",
            f"'{base_url}' has no repository path: a GitHub Pages project site lives at "
            f"https://{owner}.github.io/REPO/ (only a repository named {host} is served at "
            "the root)",
        )


def _linkedin(site: Site) -> Iterator[Finding]:
    for issuer in site.issuers.values():
        value = issuer.linkedin_organization_id
        if value and int(value) <= 0:
            yield Finding.error(
                issuer.source,
                0,
                "linkedin_organization_id",
                f"'{value}' is not a LinkedIn organization id: use the company's positive "
                "numeric id (the number in its page admin URL)",
            )


def _images(site: Site) -> Iterator[Finding]:
    used: set[Path] = set()
    for badge in site.badges.values():
        used.add(badge.image.path.resolve())
        if badge.image.width != badge.image.height:
            yield Finding.warning(
                badge.source,
                0,
                "image",
                f"'{badge.image.path.name}' is {badge.image.width}x{badge.image.height}: badge "
                "images are shown square, so it will be cropped or padded",
            )
    for issuer in site.issuers.values():
        if issuer.image is not None:
            used.add(issuer.image.path.resolve())
    for earner in site.earners.values():
        if earner.image is not None:
            used.add(earner.image.path.resolve())
    images_dir = site.root / "content" / "images"
    if not images_dir.is_dir():
        return
    for path in sorted(images_dir.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and path.resolve() not in used:
            yield Finding.warning(
                display_path(path, site.root),
                0,
                "",
                "not used by any record (delete it, or refer to it as an image)",
            )
