"""Surgical edits of one award inside a YAML text, keeping every other byte (comments too)."""

from __future__ import annotations

from typing import Any

import yaml

from badgesite.yamltext import dump_yaml


class EditProblem(Exception):
    """Why an award cannot be edited in place; the message is shown to the user."""


def _award_nodes(root: yaml.Node | None) -> list[yaml.MappingNode]:
    if isinstance(root, yaml.MappingNode):
        return [root]
    if isinstance(root, yaml.SequenceNode):
        return [item for item in root.value if isinstance(item, yaml.MappingNode)]
    return []


def _value(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node
    return None


def find_award(text: str, award_id: str) -> yaml.MappingNode:
    """The mapping node of the award with award_id in text; EditProblem if absent or odd."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    for node in _award_nodes(root):
        id_node = _value(node, "id")
        if isinstance(id_node, yaml.ScalarNode) and id_node.value == award_id:
            if node.flow_style:
                raise EditProblem(
                    f"award '{award_id}' is written in flow style ({{...}}); edit it by hand"
                )
            return node
    raise EditProblem(f"no award '{award_id}' in this file")


def has_key(node: yaml.MappingNode, key: str) -> bool:
    return _value(node, key) is not None


def _indented_block(mapping: dict[str, Any], indent: int) -> list[str]:
    dumped = dump_yaml(mapping)
    return [" " * indent + line + "\n" for line in dumped.splitlines()]


def _end_mark(node: yaml.Node) -> yaml.Mark:
    """Where the last scalar of a block collection ends (a block's own end mark lies beyond
    the comments that follow it)."""
    while True:
        if isinstance(node, yaml.MappingNode) and node.value and not node.flow_style:
            node = node.value[-1][1]
        elif isinstance(node, yaml.SequenceNode) and node.value and not node.flow_style:
            node = node.value[-1]
        else:
            return node.end_mark


def add_keys(text: str, node: yaml.MappingNode, mapping: dict[str, Any]) -> str:
    """Insert mapping's keys at the end of the block mapping node, at its indentation."""
    lines = text.splitlines(keepends=True)
    indent = node.value[0][0].start_mark.column
    end = _end_mark(node)
    # A block scalar's end mark sits at column 0 of the line after it; a plain or quoted
    # scalar's right after its last character. Either way: insert after that line, and
    # before any blank lines and comments that lead to the next record.
    insert_at = end.line if end.column == 0 else end.line + 1
    while insert_at > 0 and not lines[insert_at - 1].strip():
        insert_at -= 1
    if insert_at > 0 and insert_at - 1 < len(lines) and not lines[insert_at - 1].endswith("\n"):
        lines[insert_at - 1] += "\n"
    lines[insert_at:insert_at] = _indented_block(mapping, indent)
    return "".join(lines)


def replace_scalar(text: str, node: yaml.MappingNode, key: str, replacement: str) -> str:
    """Replace the one-line scalar value of key in node with replacement text."""
    value = _value(node, key)
    if not isinstance(value, yaml.ScalarNode) or value.start_mark.line != value.end_mark.line:
        raise EditProblem(f"'{key}' is not a one-line value; edit it by hand")
    lines = text.splitlines(keepends=True)
    line = lines[value.start_mark.line]
    start, end = value.start_mark.column, value.end_mark.column
    lines[value.start_mark.line] = line[:start] + replacement + line[end:]
    return "".join(lines)
