"""YAML that badgesite writes: one dumper, whose output the record loader always accepts."""

from __future__ import annotations

from typing import Any

import yaml


class _NoAliasDumper(yaml.SafeDumper):
    """Writes every value out in full.

    PyYAML writes an object met twice (one date shared by many awards) once, with an anchor,
    and aliases it after that; the record loader refuses aliases, so none may be written.
    """

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def represent_str(self, data: str) -> yaml.ScalarNode:
        # PyYAML writes these line breaks as they are inside single quotes, and the reader
        # then folds them into spaces: only double quotes, which escape them, keep them.
        if any(character in _UNICODE_LINE_BREAKS for character in data):
            return self.represent_scalar("tag:yaml.org,2002:str", data, style='"')
        return super().represent_str(data)


_UNICODE_LINE_BREAKS = frozenset("\x85\u2028\u2029")
_NoAliasDumper.add_representer(str, _NoAliasDumper.represent_str)


def dump_yaml(data: Any, *, flow: bool = False, indent: int = 2, width: float = 88) -> str:
    """data as YAML, keys in their given order, non-ASCII text kept as it is: block style
    unless `flow` (a one-line value for an edit in place), nested blocks `indent` deep."""
    return yaml.dump(
        data,
        Dumper=_NoAliasDumper,
        default_flow_style=flow,
        allow_unicode=True,
        sort_keys=False,
        width=width,
        indent=indent,
    )
