"""Parsed YAML kept by the hash of its text, so a rebuild does not parse unchanged records."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from badgesite.cache.code_identity import hash_bytes, identity
from badgesite.cache.store import Store

_SHAPE = {str: object}  # text hash -> what the loader made of it (plain data only)


@cache
def loader_identity() -> str:
    """What parsed the texts: badgesite's code (the loader's rules are in it), PyYAML and
    the libyaml it runs on (libyaml 0.2.5 reads some texts otherwise than 0.2.2 did)."""
    import yaml  # the loader imported it already: a cache is only used when parsing

    try:
        from yaml import _yaml

        libyaml = _yaml.get_version_string() if yaml.__with_libyaml__ else "none"
    except ImportError:
        libyaml = "none"
    return identity("records", yaml.__version__, libyaml)


class ParsedYamlCache:
    """Text hash -> parsed data, read at the start of a build and saved at its end."""

    def __init__(self, store: Store | None, reuse: bool = True) -> None:
        """store None keeps nothing past this build; reuse False ignores what it holds."""
        self.store = store
        stored = store.read(loader_identity(), _SHAPE) if store is not None and reuse else None
        self._previous: dict[str, Any] = stored or {}
        self._used: dict[str, Any] = {}

    @staticmethod
    def _key(text: str) -> str:
        return hash_bytes(text.encode("utf-8", "surrogatepass"))

    def load(self, text: str, parse: Callable[[str], Any]) -> Any:
        key = self._key(text)
        if key in self._used:
            return self._used[key]
        data = self._previous[key] if key in self._previous else parse(text)
        self._used[key] = data
        return data

    def knows(self, text: str) -> bool:
        key = self._key(text)
        return key in self._used or key in self._previous

    def remember(self, text: str, data: Any) -> None:
        """Keep data parsed elsewhere (another process) for load to find."""
        self._used[self._key(text)] = data

    def save(self) -> None:
        """Keep what this build parsed; drop the rest. Unchanged means nothing to write."""
        if self.store is None or self._used.keys() == self._previous.keys():
            return
        self.store.write(loader_identity(), self._used)
