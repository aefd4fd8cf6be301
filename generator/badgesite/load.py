"""Record files -> raw records that can tell the file and line of every key."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from badgesite.errors import ContentError
from badgesite.importing.snapshot_format import MAX_SNAPSHOT_BYTES, imported_dir
from badgesite.openbadges.json_text import FetchProblem, parse_json, read_local
from badgesite.primitives.parallel import map_parallel
from badgesite.primitives.safe_yaml import (
    DuplicateKey,
    JsonKeyLocator,
    LineLocator,
    RefusedYaml,
    parse_record,
    syntax_error_line,
)

if TYPE_CHECKING:
    from badgesite.cache.parsed_cache import ParsedYamlCache

# Slugs and ids become file names (`<slug>.json`, `<id>/index.html`, a staging copy's
# suffix): 200 characters leave room within the 255 bytes every file system allows.
MAX_SLUG_LENGTH = 200
# \Z: `$` would allow a final newline. The length is part of the pattern, so no user of it
# can forget the cap.
SLUG_PATTERN = re.compile(rf"\A[a-z0-9][a-z0-9-]{{0,{MAX_SLUG_LENGTH - 1}}}\Z")
MAX_RECORD_BYTES = 2 * 1024 * 1024
RECORD_FOLDERS = {
    "issuer": "issuers",
    "badge": "badges",
    "earner": "earners",
    "award": "awards",
}


def slug_problem(value: str, what: str = "id") -> str | None:
    """Why value cannot be a slug or an id, or None when it can."""
    if SLUG_PATTERN.match(value):
        return None
    if len(value) > MAX_SLUG_LENGTH:
        return (
            f"{what} is {len(value):,} characters long; the limit is {MAX_SLUG_LENGTH} "
            "(it becomes a file name)"
        )
    shown_value = value if len(value) <= 80 else value[:79] + "…"
    return f"{shown_value!r} is not a valid {what}: use lowercase letters, digits and hyphens"


@dataclass(frozen=True)
class RawRecord:
    """One record as parsed, before validation: its data and where it came from."""

    kind: str
    slug: str | None
    source: str
    data: Any
    locator: LineLocator | JsonKeyLocator = field(repr=False, compare=False)
    prefix: tuple[Hashable, ...] = ()

    def line(self, *key_path: Hashable) -> int:
        return self.locator.line((*self.prefix, *key_path))


@dataclass(frozen=True)
class LoadResult:
    """Every record found, every file that could not be read, and the errors."""

    records: tuple[RawRecord, ...]
    broken_slugs: frozenset[tuple[str, str]]
    errors: tuple[ContentError, ...]


def display_path(path: Path, site_dir: Path) -> str:
    """The path as errors show it: relative to the site folder where possible."""
    try:
        return path.relative_to(site_dir).as_posix()
    except ValueError:
        return str(path)


def read_capped_text(
    path: Path,
    shown: str,
    limit: int,
    limit_phrase: str = "the limit is",
    encoding: str = "utf-8",
) -> str | ContentError:
    """The text of a file of at most limit bytes, or why it cannot be read.

    The size is checked before a byte is read, so a huge file costs nothing.
    """
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):
            return ContentError(shown, 0, "", not_a_regular_file(status.st_mode))
        size = status.st_size
        if size > limit:
            return ContentError(shown, 0, "", f"file is {size} bytes; {limit_phrase} {limit}")
        return path.read_bytes().decode(encoding)
    except UnicodeDecodeError:
        return ContentError(shown, 0, "", "not UTF-8 text")
    except OSError as exc:
        return ContentError(shown, 0, "", f"cannot read: {exc.strerror or exc}")
    except ValueError:  # a NUL in the path
        return ContentError(shown, 0, "", "cannot read: the path holds a NUL character")


_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def not_a_regular_file(mode: int) -> str:
    """The error for a file that is not a regular file, which is never opened: reading a
    FIFO or a device would wait forever or never end."""
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
    return f"is {kind}, not a regular file; refused"


def read_yaml(
    path: Path, site_dir: Path, parsed: ParsedYamlCache | None = None
) -> tuple[Any, LineLocator] | ContentError:
    """Parse one YAML file safely, or describe why it cannot be parsed.

    With a cache of parsed texts, a text parsed in an earlier build is not parsed again.
    """
    shown = display_path(path, site_dir)
    # Only a symlink can lead out: load_records has checked the folders on the way here.
    if path.is_symlink() and escapes_site(path, site_dir):
        return ContentError(shown, 0, "", "is a symlink to a file outside the site; refused")
    text = read_capped_text(path, shown, MAX_RECORD_BYTES, "records are limited to")
    if isinstance(text, ContentError):
        return text
    try:
        data = parse_record(text) if parsed is None else parsed.load(text, parse_record)
    except RefusedYaml as exc:
        return ContentError(shown, exc.line, "", exc.message)
    except DuplicateKey as exc:
        return ContentError(
            shown, exc.line, exc.key, f"duplicate key (first on line {exc.first_line})"
        )
    except yaml.reader.ReaderError as exc:  # a character YAML forbids; libyaml counts bytes
        line = text.encode("utf-8")[: exc.position].count(b"\n") + 1
        code = ord(exc.character) if isinstance(exc.character, str) else int(exc.character)
        return ContentError(
            shown, line, "", f"invalid YAML: character U+{code:04X} is not allowed ({exc.reason})"
        )
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or exc.context or "cannot parse"
        return ContentError(shown, syntax_error_line(exc, text), "", f"invalid YAML: {problem}")
    except yaml.YAMLError as exc:
        return ContentError(shown, 0, "", f"invalid YAML: {exc}")
    return data, LineLocator(text)


def escapes_site(path: Path, site_dir: Path) -> bool:
    """Whether path is, or passes through, a symlink leading outside the site folder."""
    return not path.resolve().is_relative_to(site_dir.resolve())


# Below this many files new to the parsed cache, parsing them on more cores costs more.
PARALLEL_PARSE_THRESHOLD = 200


def parse_new_files(
    paths: list[Path], site_dir: Path, parsed: ParsedYamlCache, processes: int | None = None
) -> None:
    """Parse, on every core, the record files whose text the cache does not know yet, and
    put the results in the cache; read_yaml then finds them there. Files that fail are left
    for read_yaml to report."""
    new = [path for path in paths if _new_text(path, parsed)]
    if len(new) < PARALLEL_PARSE_THRESHOLD:
        return  # read_yaml parses them one by one
    for result in map_parallel(
        lambda path: read_yaml(path, site_dir), new, processes, threshold=PARALLEL_PARSE_THRESHOLD
    ):
        if not isinstance(result, ContentError):
            data, locator = result
            parsed.remember(locator.text, data)


def _new_text(path: Path, parsed: ParsedYamlCache) -> bool:
    if path.is_symlink():
        return False  # read_yaml checks where it leads before reading it
    text = read_capped_text(path, "", MAX_RECORD_BYTES)
    return not isinstance(text, ContentError) and not parsed.knows(text)


def load_records(
    site_dir: Path,
    parsed: ParsedYamlCache | None = None,
    processes: int | None = None,
    kept: Mapping[str, tuple[RawRecord, ...]] | None = None,
) -> LoadResult:
    """Read every record file and imported snapshot under content/, collecting every problem.

    With a cache of parsed texts, files it does not know are parsed on every core first.
    kept holds the records of files known to be unchanged since they were read (by their
    path as shown, RawRecord.source): those files are not read again (a kept build state).
    """
    found = _record_files(site_dir)
    if parsed is not None:
        paths = [item[1] / item[2] for item in found if not isinstance(item, ContentError)]
        parse_new_files(paths, site_dir, parsed, processes)
    records: list[RawRecord] = []
    errors: list[ContentError] = []
    broken: set[tuple[str, str]] = set()
    for item in found:
        if isinstance(item, ContentError):
            errors.append(item)
            continue
        kind, folder, name, shown, slug = item
        if kept is not None and shown in kept:
            records.extend(kept[shown])
            continue
        result = read_yaml(folder / name, site_dir, parsed)
        if isinstance(result, ContentError):
            errors.append(result)
            if kind != "award":
                broken.add((kind, slug))
            continue
        data, locator = result
        if kind == "award":
            records.extend(_award_records(data, shown, locator, errors))
        else:
            records.append(RawRecord(kind, slug, shown, data, locator))
    records.extend(_imported_records(site_dir, errors, broken, kept))
    return LoadResult(tuple(records), frozenset(broken), tuple(errors))


# kind, folder, file name, path as shown in errors, slug (the file name's stem); the path is
# made only for a file that is read (a kept build reads few)
_RecordFile = tuple[str, Path, str, str, str]


def _record_files(site_dir: Path) -> list[_RecordFile | ContentError]:
    """Every record file under content/, in the order they are read, and in their places
    why a folder or a file is not one."""
    content_dir = site_dir / "content"
    found: list[_RecordFile | ContentError] = []
    for kind, folder_name in RECORD_FOLDERS.items():
        folder = content_dir / folder_name
        if not folder.is_dir():
            continue
        if escapes_site(folder, site_dir):
            found.append(
                ContentError(
                    display_path(folder, site_dir),
                    0,
                    "",
                    "is a symlink to a folder outside the site; refused",
                )
            )
            continue
        # By name, as a folder's paths sort; a DirEntry knows whether it is a folder without
        # a status call, and the path as shown is display_path's (site_dir/content/...).
        with os.scandir(folder) as entries:
            listed = sorted((entry.name, entry) for entry in entries)
        for name, entry in listed:
            if name.startswith("."):
                continue
            shown = f"content/{folder_name}/{name}"
            stem, dot, suffix = name.rpartition(".")
            if entry.is_dir() or not dot or not stem or suffix != "yaml":
                found.append(
                    ContentError(shown, 0, "", f"not a record: {folder_name}/ holds .yaml files")
                )
                continue
            if kind != "award" and not SLUG_PATTERN.match(stem):
                found.append(ContentError(shown, 0, "", _file_name_problem(stem)))
                continue
            found.append((kind, folder, name, shown, stem))
    return found


def _file_name_problem(stem: str, hint: str = ": use lowercase letters, digits and hyphens") -> str:
    if len(stem) > MAX_SLUG_LENGTH:
        return (
            f"file name is {len(stem):,} characters long; slugs are limited to "
            f"{MAX_SLUG_LENGTH} (they become file names in output/)"
        )
    return f"file name '{stem}' is not a slug{hint}"


def _imported_records(
    site_dir: Path,
    errors: list[ContentError],
    broken: set[tuple[str, str]],
    kept: Mapping[str, tuple[RawRecord, ...]] | None = None,
) -> list[RawRecord]:
    """The snapshots `badgesite import` saved, parsed but not yet checked; folders hold images."""
    folder = imported_dir(site_dir)
    if not folder.is_dir():
        return []
    if escapes_site(folder, site_dir):
        shown = display_path(folder, site_dir)
        errors.append(
            ContentError(shown, 0, "", "is a symlink to a folder outside the site; refused")
        )
        return []
    records = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        shown = display_path(path, site_dir)
        if kept is not None and shown in kept:
            records.extend(kept[shown])
            continue
        if escapes_site(path, site_dir):
            errors.append(
                ContentError(shown, 0, "", "is a symlink to a file outside the site; refused")
            )
            broken.add(("imported", path.stem))
            continue
        if path.suffix != ".json":
            errors.append(ContentError(shown, 0, "", "not a snapshot: imported/ holds .json"))
            continue
        if not SLUG_PATTERN.match(path.stem):
            problem = _file_name_problem(path.stem, hint="")
            errors.append(ContentError(shown, 0, "", problem))
            continue
        try:
            mode = os.stat(path).st_mode
        except OSError:
            mode = stat.S_IFREG  # read_local says why it cannot be read
        if not stat.S_ISREG(mode):
            errors.append(ContentError(shown, 0, "", not_a_regular_file(mode)))
            broken.add(("imported", path.stem))
            continue
        try:
            raw = read_local(path, MAX_SNAPSHOT_BYTES)
            data = parse_json(raw, shown)
        except FetchProblem as problem:
            errors.append(ContentError(shown, 0, "", str(problem)))
            broken.add(("imported", path.stem))
            continue
        locator = JsonKeyLocator(raw.decode("utf-8", "replace"))
        records.append(RawRecord("imported", path.stem, shown, data, locator))
    return records


def _award_records(
    data: Any, shown: str, locator: LineLocator, errors: list[ContentError]
) -> list[RawRecord]:
    if isinstance(data, list):
        if not data:
            errors.append(ContentError(shown, 1, "", "empty list: an awards file needs awards"))
        return [
            RawRecord("award", None, shown, item, locator, (index,))
            for index, item in enumerate(data)
        ]
    return [RawRecord("award", None, shown, data, locator)]
