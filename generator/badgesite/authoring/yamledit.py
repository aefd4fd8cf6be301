"""Surgical edits of one award inside a YAML text, keeping every other byte (comments too).

Every edit is checked before it is returned: the edited text is parsed again and must hold
exactly the original data plus the one intended change. An edit that cannot be made that
way is refused (EditProblem), never written half-right.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import yaml

from badgesite.authoring.yamltext import dump_yaml

# libyaml's marks count characters as Python's do (its line and column differ at the end of
# a file, so only indexes are used), and it composes a large file of awards 10x faster. A
# byte order mark, which libyaml skips and Python counts, is set aside before composing.
_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BYTE_ORDER_MARK = "\ufeff"
_BLOCK_SCALAR_STYLES = ("|", ">")


class EditProblem(Exception):
    """Why an award cannot be edited in place; the message is shown to the user."""


def _pair(node: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _records(document: Any) -> list[Any]:
    """The records of a file: one mapping, or a list of them."""
    return document if isinstance(document, list) else [document]


def _id_of(record: Any) -> str:
    """The id as the model reads it: text, or a number taken as text, trimmed."""
    value = record.get("id") if isinstance(record, dict) else None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    return str(value).strip()


def _position(document: Any, award_id: str) -> int:
    for position, record in enumerate(_records(document)):
        if _id_of(record) == award_id:
            return position
    raise EditProblem(f"no award '{award_id}' in this file")


def _award_node(text: str, position: int) -> yaml.MappingNode:
    root = yaml.compose(text, Loader=_LOADER)
    nodes = root.value if isinstance(root, yaml.SequenceNode) else [root]
    node = nodes[position]
    if not isinstance(node, yaml.MappingNode) or not node.value:
        raise EditProblem("the award is not a mapping")  # the model would have refused it
    return node


def _newline_of(text: str) -> str:
    """The file's line ending: a CRLF file stays CRLF."""
    return "\r\n" if "\r\n" in text else "\n"


def _flow(value: Any) -> str:
    """value as one line of YAML in flow style, e.g. `true` or `{date: 2025-05-01, ...}`."""
    dumped = dump_yaml([value], flow=True, width=float("inf"))
    return dumped.strip()[1:-1]  # the brackets of the list around it


def _flow_pair(key: str, value: Any) -> str:
    """`key: value` as one line of YAML in flow style."""
    return _flow({key: value})[1:-1]


def _block_lines(key: str, value: Any, indent: int, step: int, newline: str) -> str:
    dumped = dump_yaml({key: value}, indent=step)
    return "".join(" " * indent + line + newline for line in dumped.splitlines())


def _indent_step(node: yaml.MappingNode, indent: int) -> int:
    """How far the award's nested block mappings are indented (2 unless it shows otherwise),
    so that a nested value added to it looks like the rest."""
    for _, value in node.value:
        if isinstance(value, yaml.MappingNode) and value.value and not value.flow_style:
            step = value.value[0][0].start_mark.column - indent
            if 2 <= step <= 9:  # what the emitter can write
                return step
    return 2


def _last_content(node: yaml.Node) -> yaml.Node:
    """The innermost node a block collection ends with (a block collection's own end mark
    lies beyond the blank lines and comments that follow it)."""
    while True:
        if isinstance(node, yaml.MappingNode) and node.value and not node.flow_style:
            node = node.value[-1][1]
        elif isinstance(node, yaml.SequenceNode) and node.value and not node.flow_style:
            node = node.value[-1]
        else:
            return node


def _keeps_trailing_lines(text: str, scalar: yaml.ScalarNode) -> bool:
    """Whether a block scalar's header says `+` (keep): its trailing blank lines are content."""
    start = scalar.start_mark.index
    line_end = text.find("\n", start)
    header = text[start : len(text) if line_end < 0 else line_end].split("#", 1)[0]
    indicator = header.split()[-1] if header.split() else ""
    return "+" in indicator


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _after_block_value(text: str, value: yaml.Node) -> int:
    """Where a new line goes after a block-mapping value: the start of the line after it."""
    last = _last_content(value)
    end = last.end_mark.index
    if isinstance(last, yaml.ScalarNode) and last.style in _BLOCK_SCALAR_STYLES:
        line_start = _line_start(text, end)
        if text[line_start:end].strip(" "):
            return end  # ends in the middle of the last line: at the end of the file
        position = line_start
        if not _keeps_trailing_lines(text, last):
            # Trailing blank lines of a clipped or stripped scalar are not its content.
            while position > 0:
                previous = _line_start(text, position - 1)
                if text[previous:position].strip():
                    break
                position = previous
        return position
    line_end = text.find("\n", end)
    return len(text) if line_end < 0 else line_end + 1


def _insert_line(text: str, position: int, block: str, newline: str) -> str:
    before, after = text[:position], text[position:]
    if before and not before.endswith("\n"):
        if not after:
            block = block.removesuffix(newline)  # a file without a final newline stays so
        block = newline + block
    return before + block + after


def _insertions(text: str, node: yaml.MappingNode, key: str, value: Any) -> Iterator[str]:
    """Texts with key added to the mapping node, best place first: after its last key,
    then after each earlier one (for when a line added at the end would change the last
    value, as after a block scalar that ends the file without a final newline)."""
    newline = _newline_of(text)
    pairs = list(reversed(node.value))
    if node.flow_style:
        addition = ", " + _flow_pair(key, value)
        for _, value_node in pairs:
            position = value_node.end_mark.index
            yield text[:position] + addition + text[position:]
        return
    indent = node.value[0][0].start_mark.column
    block = _block_lines(key, value, indent, _indent_step(node, indent), newline)
    for _, value_node in pairs:
        yield _insert_line(text, _after_block_value(text, value_node), block, newline)


def _replacement(text: str, value_node: yaml.Node, value: Any) -> str:
    start, end = value_node.start_mark.index, value_node.end_mark.index
    if start == end:  # an empty value (`key:`), whose marks sit right after the colon
        return text[:start] + " " + _flow(value) + text[start:]
    return text[:start] + _flow(value) + text[end:]


def _load(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)


def set_key(text: str, award_id: str, key: str, value: Any) -> str:
    """text with key set to value in the award award_id, and nothing else changed.

    An existing value is replaced where it stands; a new key goes after the award's last
    key at its indentation (inside the braces of a flow mapping). The file's line endings,
    comments and every other byte are kept.
    """
    if text.startswith(_BYTE_ORDER_MARK):
        return _BYTE_ORDER_MARK + set_key(text[1:], award_id, key, value)
    try:
        original = _load(text)
    except yaml.YAMLError as error:
        raise EditProblem(f"the file is not valid YAML ({error})") from None
    position = _position(original, award_id)
    node = _award_node(text, position)
    expected = copy.deepcopy(original)
    _records(expected)[position][key] = value
    existing = _pair(node, key)
    candidates = (
        iter([_replacement(text, existing[1], value)])
        if existing is not None
        else _insertions(text, node, key, value)
    )
    for candidate in candidates:
        try:
            if _load(candidate) == expected:
                return candidate
        except yaml.YAMLError:
            continue
    raise EditProblem(
        f"award '{award_id}' is written in a form this edit cannot change without touching "
        f"other values; edit it by hand: set `{_flow_pair(key, value)}`"
    )
