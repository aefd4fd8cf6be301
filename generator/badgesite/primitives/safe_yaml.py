"""YAML record text -> data, refusing what records never need: aliases, duplicate keys,
deep nesting, huge mappings; and the locators that find the line of a key afterwards."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import yaml

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


# Where an alias can stand: first on a line, or after `:`, `-`, `?`, `[`, `{` or `,`.
_POSSIBLE_ALIAS = re.compile(r"(?:^[ \t]*|[:\[{,?-][ \t]*)\*", re.MULTILINE)


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


def syntax_error_line(exc: yaml.MarkedYAMLError, text: str) -> int:
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
