"""Where this badgesite was installed from, as the requirements.txt line that installs it again."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from badgesite import __version__
from badgesite.errors import BadgesiteError

DISTRIBUTION = "badgesite"
REMOTE_SCHEMES = ("https://", "http://", "ssh://", "git://")
RUNNING_MODULE = Path(__file__).parents[1] / "__init__.py"
# How a requirements file names a secret without holding it (pip expands it when installing).
ENVIRONMENT_REFERENCE = re.compile(r"\$\{[A-Z0-9_]+\}")


class RequirementError(BadgesiteError):
    """An override that does not name an installable badgesite."""


@dataclass(frozen=True)
class SelfRequirement:
    """The requirements.txt line that installs this badgesite, and why it may not work."""

    line: str
    warning: str = ""


def installed_distribution() -> metadata.Distribution | None:
    """The installed badgesite distribution, or None when running from a source folder."""
    try:
        return metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


def requirement_of(
    distribution: metadata.Distribution | None, running_module: Path = RUNNING_MODULE
) -> SelfRequirement:
    """The line that installs the same badgesite as distribution on a deploy host.

    pip records how a distribution was installed in its `direct_url.json` (PEP 610): absent
    for an install from a package index, `vcs_info` for a git checkout, `archive_info` for a
    wheel or sdist named by URL, `dir_info` for a local folder (editable or not). The line
    is the index version, the repository URL at the installed commit, or the archive URL
    with its hash; a local folder or file cannot be reached by a deploy, so then it is the
    index pin, with a warning saying so.
    running_module is badgesite's `__init__.py` as imported now: an installed distribution
    whose files are elsewhere is another badgesite than the one running.
    """
    pin = f"{DISTRIBUTION}=={__version__}"  # the code running now, whatever else is installed
    source_folder = "its source folder (it is not the installed package)"
    if distribution is None or distribution.version != __version__:
        return _unreachable(source_folder)
    text = distribution.read_text("direct_url.json")
    if text is None:  # from an index, which has this version, if it is the code running now
        installed_module = Path(str(distribution.locate_file(f"{DISTRIBUTION}/__init__.py")))
        if installed_module.resolve() != running_module.resolve():
            return _unreachable(source_folder)
        return SelfRequirement(pin)
    try:
        record: Any = json.loads(text)
    except ValueError:
        record = None
    url = record.get("url", "") if isinstance(record, dict) else ""
    if not isinstance(url, str) or not url:
        return _unreachable("a location pip did not record readably (direct_url.json)")
    return _recorded_requirement(record, url)


def _recorded_requirement(record: dict[str, Any], url: str) -> SelfRequirement:
    """The line for an install from url as direct_url.json records it: a repository at a
    commit (`vcs_info`), an archive (`archive_info`) or a folder (`dir_info`)."""
    password = urlsplit(url).password
    if password and not ENVIRONMENT_REFERENCE.fullmatch(password):
        # pip records no secret but ${VARIABLE} references; never copy one into the site.
        return _unreachable("a URL with credentials", "which are never written into a site")
    remote = url.startswith(REMOTE_SCHEMES)
    vcs = record.get("vcs_info")
    if isinstance(vcs, dict):
        commit = vcs.get("commit_id")
        kind = vcs.get("vcs", "git")
        if not remote or not isinstance(commit, str) or not commit:
            return _unreachable(f"the {kind} repository at {url}")
        subdirectory = record.get("subdirectory")
        fragment = f"#subdirectory={subdirectory}" if isinstance(subdirectory, str) else ""
        return SelfRequirement(f"{DISTRIBUTION} @ {kind}+{url}@{commit}{fragment}")
    archive = record.get("archive_info")
    if isinstance(archive, dict):
        if not remote:
            return _unreachable(f"the file {url}")
        return SelfRequirement(f"{DISTRIBUTION} @ {url}{_hash_fragment(archive)}")
    folder = record.get("dir_info")
    editable = isinstance(folder, dict) and folder.get("editable") is True
    return _unreachable(f"{'an editable install of ' if editable else ''}the folder {url}")


def _unreachable(where: str, why: str = "which a deploy cannot reach") -> SelfRequirement:
    """The index pin of the running version, with a warning that where cannot serve it."""
    pin = f"{DISTRIBUTION}=={__version__}"
    return SelfRequirement(
        pin,
        f"badgesite {__version__} was installed from {where}, {why}: requirements.txt pins "
        f"{pin}, so the site deploys only once that version is on the package index. "
        "Pass --badgesite-requirement (e.g. 'badgesite @ "
        "git+https://HOST/OWNER/REPO@COMMIT') to name a badgesite the deploy can install.",
    )


def _hash_fragment(archive: dict[str, Any]) -> str:
    """`#sha256=...`, so that pip refuses an archive that changed since it was installed."""
    hashes = archive.get("hashes")
    if isinstance(hashes, dict) and isinstance(hashes.get("sha256"), str):
        return f"#sha256={hashes['sha256']}"
    legacy = archive.get("hash")  # "<algorithm>=<hex>", before `hashes` existed
    return f"#{legacy}" if isinstance(legacy, str) and "=" in legacy else ""


def checked_override(line: str) -> SelfRequirement:
    """A --badgesite-requirement value, refused unless it is one requirement for badgesite."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    text = line.strip()
    if not text or "\n" in text or "\r" in text:
        raise RequirementError("--badgesite-requirement: give one requirement on one line")
    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        raise RequirementError(f"--badgesite-requirement: {error}") from None
    if canonicalize_name(requirement.name) != DISTRIBUTION:
        raise RequirementError(
            f"--badgesite-requirement: '{text}' names {requirement.name}, not badgesite"
        )
    return SelfRequirement(text)
