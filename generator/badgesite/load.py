"""Record files -> raw records that can tell the file and line of every key."""

from __future__ import annotations

import os
import re
import stat
import warnings
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from badgesite.errors import ContentError
from badgesite.importing.snapshot_format import MAX_SNAPSHOT_BYTES, imported_dir
from badgesite.openbadges.json_text import FetchProblem, parse_json, read_local
from badgesite.primitives.parallel import map_parallel

if TYPE_CHECKING:
    from badgesite.cache.parsed_cache import ParsedYamlCache

try:
    _FAST_LOADER: type = yaml.CSafeLoader
    USING_LIBYAML = True
except AttributeError:  # PyYAML built without libyaml: 8x slower, so say so
    _FAST_LOADER = yaml.SafeLoader
    USING_LIBYAML = False
    warnings.warn(
        "PyYAML has no libyaml support here; loading records will be slow",
        RuntimeWarning,
        stacklevel=1,
    )


class DuplicateKey(yaml.YAMLError):
    """A mapping names one key twice: YAML would silently keep the last value."""

    def __init__(self, key: str, line: int, first_line: int) -> None:
        super().__init__(f"duplicate key '{key}'")
        self.key = key
        self.line = line
        self.first_line = first_line


MAX_MAPPING_KEYS = 1_000


class _RecordLoader(_FAST_LOADER):  # type: ignore[misc, valid-type]
    """The fast safe loader, refusing duplicate keys (a typo must not pass silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):  # `!!map x`: YAML's own error, at its line
            return super().construct_mapping(node, deep)
        if len(node.value) > MAX_MAPPING_KEYS:
            raise RefusedYaml(
                node.start_mark.line + 1,
                f"a mapping of {len(node.value):,} keys; the limit is {MAX_MAPPING_KEYS:,} "
                "(records have a few dozen fields at most)",
            )
        first_lines: dict[str, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            line = key_node.start_mark.line + 1
            if key_node.value in first_lines:
                raise DuplicateKey(key_node.value, line, first_lines[key_node.value])
            first_lines[key_node.value] = line
        return super().construct_mapping(node, deep)


# Past this many bits an int cannot be written out again (Python refuses to print integers
# of over 4,300 digits); hexadecimal and base-60 YAML integers reach it without that limit.
_MAX_INT_BITS = 10_000


def _total_scalar(tag: str, construct: Callable[[Any, yaml.ScalarNode], Any]) -> Any:
    """A constructor for tag that never raises anything but a ConstructorError at the node.

    YAML's own constructors raise ValueError, KeyError or AttributeError for values they
    cannot read (`2025-02-30`, `!!int abc`, `!!bool maybe`, `!!timestamp x`). A plain
    scalar that only looked like the type (an impossible date, a number too long) is kept as
    the text written, and the field that reads it says what is wrong with it; an explicit tag
    on a value it does not fit is an error at its line.
    """

    def construct_total(loader: Any, node: yaml.ScalarNode) -> Any:
        try:
            value = construct(loader, node)
            if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
                raise ValueError("integer too large")
            return value
        except (ValueError, OverflowError, KeyError, AttributeError, TypeError):
            implied = not node.style and (  # a plain scalar: no quotes, no block
                loader.resolve(yaml.ScalarNode, node.value, (True, False)) == tag
            )
            if implied:
                return node.value
            name = tag.rsplit(":", 1)[-1]
            shown_value = node.value if len(node.value) <= 40 else node.value[:39] + "…"
            raise yaml.constructor.ConstructorError(
                None, None, f"{shown_value!r} cannot be read as !!{name}", node.start_mark
            ) from None

    return construct_total


for _tag, _construct in (
    ("tag:yaml.org,2002:bool", yaml.constructor.SafeConstructor.construct_yaml_bool),
    ("tag:yaml.org,2002:int", yaml.constructor.SafeConstructor.construct_yaml_int),
    ("tag:yaml.org,2002:float", yaml.constructor.SafeConstructor.construct_yaml_float),
    ("tag:yaml.org,2002:timestamp", yaml.constructor.SafeConstructor.construct_yaml_timestamp),
):
    _RecordLoader.add_constructor(_tag, _total_scalar(_tag, _construct))


# Slugs and ids become file names (`<slug>.json`, `<id>/index.html`, a staging copy's
# suffix): 200 characters leave room within the 255 bytes every file system allows.
MAX_SLUG_LENGTH = 200
# \Z: `$` would allow a final newline. The length is part of the pattern, so no user of it
# can forget the cap.
SLUG_PATTERN = re.compile(rf"\A[a-z0-9][a-z0-9-]{{0,{MAX_SLUG_LENGTH - 1}}}\Z")
MAX_RECORD_BYTES = 2 * 1024 * 1024
# Where an alias can stand: first on a line, or after `:`, `-`, `?`, `[`, `{` or `,`.
_POSSIBLE_ALIAS = re.compile(r"(?:^[ \t]*|[:\[{,?-][ \t]*)\*", re.MULTILINE)
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


class LineLocator:
    """Finds the line of a key path in one YAML text, composing its nodes only when asked.

    The fast path loads plain values; the node tree (slower to build) is only needed when
    something in the file is wrong and an error has to name a line.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._root: yaml.Node | None = None
        self._composed = False

    def _tree(self) -> yaml.Node | None:
        if not self._composed:
            self._composed = True
            try:
                self._root = yaml.compose(self.text, Loader=_FAST_LOADER)
            except yaml.YAMLError:
                self._root = None
        return self._root

    def line(self, key_path: Sequence[Hashable]) -> int:
        """1-based line of the last key (or list item) in key_path that exists."""
        node = self._tree()
        if node is None:
            return 1
        line = node.start_mark.line + 1
        for key in key_path:
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(key):
                        line = key_node.start_mark.line + 1
                        node = value_node
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
                if not 0 <= key < len(node.value):
                    return line
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                return line
        return line


class JsonKeyLocator:
    """Finds the line of a top-level key in a snapshot, which `badgesite import` writes indented.

    Only top-level keys are looked up: the snapshot is written by us, and its nested documents
    are foreign JSON whose errors are reported against the key that holds them.
    """

    def __init__(self, text: str) -> None:
        self._text = text

    def line(self, key_path: Sequence[Hashable]) -> int:
        """1-based line of the first key in key_path, or 1 when it is not found."""
        if not key_path:
            return 1
        key = str(key_path[0])
        match = re.search(rf'^  "{re.escape(key)}":', self._text, re.MULTILINE)
        return self._text.count("\n", 0, match.start()) + 1 if match else 1


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
        return ContentError(shown, _syntax_error_line(exc, text), "", f"invalid YAML: {problem}")
    except yaml.YAMLError as exc:
        return ContentError(shown, 0, "", f"invalid YAML: {exc}")
    return data, LineLocator(text)


class RefusedYaml(yaml.YAMLError):
    """Valid YAML that records never need and that would cost too much to load."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


MAX_YAML_DEPTH = 64  # records nest four levels deep at most
_FLOW_BRACKET = re.compile(r"[\[\]{}]")
# What a line may open block collections with: its indentation, `- `, `? ` and `: `.
_BLOCK_OPENERS = re.compile(r"^[ \t]*(?:[-?:][ \t]+)*", re.MULTILINE)


def parse_record(text: str) -> Any:
    """A record's YAML text as data; RefusedYaml for aliases and deep nesting (libyaml
    takes quadratic time to parse deep nesting, and its node builder overflows the C stack
    on it), other YAMLErrors for the rest."""
    deep_line = _too_deep_line(text)
    if deep_line:
        raise RefusedYaml(
            deep_line, f"nested more than {MAX_YAML_DEPTH} levels deep; records need a few"
        )
    alias_line = _alias_line(text)
    if alias_line:
        raise RefusedYaml(
            alias_line,
            "YAML aliases (*name) are not allowed in content: write the value out in full",
        )
    return yaml.load(text, Loader=_RecordLoader)


def _too_deep_line(text: str) -> int:
    """The line of the first collection nested deeper than MAX_YAML_DEPTH, or 0.

    A linear count of brackets and line openers bounds the depth from above; only a text
    over the bound is parsed for its events, and only as far as the first too deep one.
    """
    flow = deepest_flow = 0
    for match in _FLOW_BRACKET.finditer(text):
        if match.group() in "[{":
            flow += 1
            deepest_flow = max(deepest_flow, flow)
        else:
            flow = max(flow - 1, 0)
    block = max((len(match.group()) for match in _BLOCK_OPENERS.finditer(text)), default=0)
    if deepest_flow + block <= MAX_YAML_DEPTH:
        return 0
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_FAST_LOADER):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    return event.start_mark.line + 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        # libyaml 0.2.5 and later stop at 1,000 levels themselves, before any event shows it.
        if "nesting depth" in (exc.problem or "") and exc.problem_mark is not None:
            return exc.problem_mark.line + 1
        return 0  # the load reports the syntax error with its line
    except yaml.YAMLError:
        return 0
    return 0


# What PyYAML's context names when a bracket or quote opened there is never closed: the
# parser notices only where the text stops making sense, often lines later or at the end.
_UNCLOSED_CONTEXTS = ("while parsing a flow", "while scanning a quoted scalar")


def _syntax_error_line(exc: yaml.MarkedYAMLError, text: str) -> int:
    """The 1-based line where a syntax error starts, never past the file's last line.

    Within an unclosed bracket or quote that is where it opened (the context mark). Any
    other context (a block mapping, a plain scalar) opens at a line before the mistake,
    so there the problem mark is the mistake's own line.
    """
    unclosed = exc.context_mark is not None and (exc.context or "").startswith(_UNCLOSED_CONTEXTS)
    mark = exc.context_mark if unclosed else exc.problem_mark or exc.context_mark
    if mark is None:
        return 0
    last_line = max(1, len(text.splitlines()))
    return min(mark.line + 1, last_line)


def _alias_line(text: str) -> int:
    """The line of the first YAML alias (`*name`) in text, or 0 when it has none.

    Records never need aliases, and nested ones expand exponentially (a "billion laughs"
    file), so they are refused outright. Only texts with a `*` where a node can start are
    scanned at all: markdown's `*emphasis*` inside a sentence costs nothing.
    """
    if "*" not in text or not _POSSIBLE_ALIAS.search(text):
        return 0
    try:
        for event in yaml.parse(text, Loader=_FAST_LOADER):
            if isinstance(event, yaml.AliasEvent):
                return event.start_mark.line + 1
    except yaml.YAMLError:
        return 0  # the full load reports the syntax error with its line
    return 0


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
    site_dir: Path, parsed: ParsedYamlCache | None = None, processes: int | None = None
) -> LoadResult:
    """Read every record file and imported snapshot under content/, collecting every problem.

    With a cache of parsed texts, files it does not know are parsed on every core first.
    """
    found = _record_files(site_dir)
    if parsed is not None:
        paths = [item[1] for item in found if not isinstance(item, ContentError)]
        parse_new_files(paths, site_dir, parsed, processes)
    records: list[RawRecord] = []
    errors: list[ContentError] = []
    broken: set[tuple[str, str]] = set()
    for item in found:
        if isinstance(item, ContentError):
            errors.append(item)
            continue
        kind, path, shown, slug = item
        result = read_yaml(path, site_dir, parsed)
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
    records.extend(_imported_records(site_dir, errors, broken))
    return LoadResult(tuple(records), frozenset(broken), tuple(errors))


# kind, path, path as shown in errors, slug (the file name's stem)
_RecordFile = tuple[str, Path, str, str]


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
        for path in sorted(folder.iterdir()):
            if path.name.startswith("."):
                continue
            shown = display_path(path, site_dir)
            if path.is_dir() or path.suffix != ".yaml":
                found.append(
                    ContentError(shown, 0, "", f"not a record: {folder_name}/ holds .yaml files")
                )
                continue
            slug = path.stem
            if kind != "award" and not SLUG_PATTERN.match(slug):
                found.append(ContentError(shown, 0, "", _file_name_problem(slug)))
                continue
            found.append((kind, path, shown, slug))
    return found


def _file_name_problem(stem: str, hint: str = ": use lowercase letters, digits and hyphens") -> str:
    if len(stem) > MAX_SLUG_LENGTH:
        return (
            f"file name is {len(stem):,} characters long; slugs are limited to "
            f"{MAX_SLUG_LENGTH} (they become file names in output/)"
        )
    return f"file name '{stem}' is not a slug{hint}"


def _imported_records(
    site_dir: Path, errors: list[ContentError], broken: set[tuple[str, str]]
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
