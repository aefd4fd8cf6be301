"""`badgesite new`: a site folder that builds at once, from the templates in site_template/."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from badgesite.authoring.edits import AwardRequest, award_record
from badgesite.authoring.install_source import (
    SelfRequirement,
    installed_distribution,
    requirement_of,
)
from badgesite.authoring.keys import make_signing_key
from badgesite.authoring.yamltext import dump_yaml
from badgesite.build import load_site
from badgesite.config import base_url_problem, normalize_base_url
from badgesite.errors import BadgesiteError
from badgesite.guards import credentials, published
from badgesite.model import Site
from badgesite.options import SIGNING_KEY_VARIABLE
from badgesite.primitives.atomic import write_atomic
from badgesite.primitives.slugs import slugify
from badgesite.urls import PLACEHOLDER_BASE_URL

TEMPLATES = Path(__file__).parent / "site_template"
SAMPLE_EARNER = "sample-earner"
SAMPLE_BADGE = "first-badge"
# Template files whose names cannot be their final ones inside a Python package.
RENAMED = {"gitignore": ".gitignore", "github/workflows/pages.yml": ".github/workflows/pages.yml"}


class ScaffoldError(BadgesiteError):
    """The new site cannot be created where asked; nothing was written."""


@dataclass(frozen=True)
class NewSite:
    root: Path
    files: tuple[str, ...]  # every file written, the signing key's too
    sample_award: str
    requirement: SelfRequirement
    key_file: Path  # the site's signing key (.badgesite/signing-key)
    key_warning: str = ""  # when builds here would not sign with the new site's key


def _target_name(relative: str, issuer: str) -> str:
    if relative == "content/issuers/issuer.yaml.in":
        return f"content/issuers/{issuer}.yaml"
    return RENAMED.get(relative, relative)


def new_site(
    target: Path,
    title: str = "My Badges",
    base_url: str = PLACEHOLDER_BASE_URL,
    today: dt.date | None = None,
    requirement: SelfRequirement | None = None,
) -> NewSite:
    """Create a site in target (absent or empty) with one of each record; return its files.

    Its requirements.txt installs requirement, by default the badgesite running now, as it
    was installed (see install_source): a deploy then builds with the same code.
    """
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} already exists and is not empty; choose a new folder")
    problem = base_url_problem(base_url)
    if problem:
        raise ScaffoldError(f"--base-url: {problem}")
    if not title.strip():
        raise ScaffoldError("--title must not be empty")
    requirement = requirement or requirement_of(installed_distribution())
    files = _template_files(title, normalize_base_url(base_url), requirement)
    today = today or dt.date.today()
    award_id = str(uuid.uuid4())
    files[f"content/awards/{today.isoformat()}-{SAMPLE_EARNER}-{SAMPLE_BADGE}.yaml"] = (
        _sample_award(award_id, today)
    )
    # Up to date from the start (the sample is not recorded), so a deploy's frozen build passes.
    files[f"content/{published.PUBLISHED_FILE}"] = published.render_record([]).encode("utf-8")
    for name, data in files.items():
        write_atomic(target / name, data)
    site = load_site(target)  # a template error shows up here, not in the owner's first build
    made = _signing_key(site, today)
    written = (*files, *(path.relative_to(target).as_posix() for path in made))
    warning = ""
    if os.environ.get(SIGNING_KEY_VARIABLE, "").strip():
        warning = (
            f"{SIGNING_KEY_VARIABLE} is set here, and builds sign with it rather than with "
            "the new site's key: unset it to build the new site."
        )
    return NewSite(target, tuple(sorted(written)), award_id, requirement, made[0], warning)


def _signing_key(site: Site, today: dt.date) -> tuple[Path, ...]:
    """Make the site's signing key (as `badgesite keys new`) and record the sample award's
    status index, so that a CI build given the key as its secret passes before any local
    build. The key is the site's own: one in BADGESITE_SIGNING_KEY is not used."""
    made = make_signing_key(site.root, today, environ={})
    # A sample needs no index (it is issued to nobody), but one makes its credential show
    # what a real award's carries: revocation through the status list.
    samples = [award.id for award in site.published_awards]
    credentials.record_indices(site.root, credentials.assign_indices({}, samples))
    records = (credentials.keys_path(site.root), credentials.status_path(site.root))
    return (made.key_file, made.key_file.parent / ".gitignore", *records)


def _template_files(title: str, base_url: str, requirement: SelfRequirement) -> dict[str, bytes]:
    """The files of site_template/ with their placeholders filled: path -> bytes."""
    issuer = slugify(title)
    quoted = {  # values inside YAML are written as JSON strings, which YAML reads as they are
        "__TITLE__": json.dumps(title.strip(), ensure_ascii=False),
        "__DESCRIPTION__": json.dumps(
            f"Verifiable Open Badges awarded by {title.strip()}.", ensure_ascii=False
        ),
        "__BASE_URL__": base_url,
        "__ISSUER__": issuer,
    }
    plain = {"__TITLE__": title.strip(), "__REQUIREMENT__": requirement.line}
    files: dict[str, bytes] = {}
    for path in sorted(TEMPLATES.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(TEMPLATES).as_posix()
        name = _target_name(relative, issuer)
        if path.suffix == ".svg":
            files[name] = path.read_bytes()
            continue
        text = path.read_text(encoding="utf-8")
        for placeholder, value in (quoted if name.endswith(".yaml") else plain).items():
            text = text.replace(placeholder, value)
        files[name] = text.encode("utf-8")
    return files


def _sample_award(award_id: str, today: dt.date) -> bytes:
    """The sample award's file, issued today to nobody (with a random salt: the site's key
    is made once its files are checked)."""
    record = award_record(
        award_id,
        AwardRequest(SAMPLE_BADGE, SAMPLE_EARNER, "sample-earner@example.org"),
        today,
        salt_key=None,
    )
    record["narrative"] = "A sample award: delete it, or replace it with a real one."
    # Issued to nobody, so its URL promises nothing: it is never recorded as published and
    # may be deleted at any time without a withdrawal (see published.recorded_awards).
    record["sample"] = True
    return (
        "# A sample award, made the way `badgesite award` makes them. `sample: true`: issued\n"
        "# to nobody, it is never recorded as published; delete it whenever you like.\n"
        + dump_yaml(record)
    ).encode("utf-8")
