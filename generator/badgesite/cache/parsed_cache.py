"""Parsed YAML kept by the hash of its text, so a rebuild does not parse unchanged records."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from badgesite.primitives.atomic import write_atomic

CACHE_FILE = Path(".cache") / "badgesite" / "build" / "records.pickle"
_FORMAT = "badgesite-parsed-yaml-2"  # 2: the loader refuses more and reads more as text
# YAML's safe loader makes only plain data; these are its only types pickle has to name.
_ALLOWED_CLASSES = {
    ("datetime", "datetime"): dt.datetime,
    ("datetime", "date"): dt.date,
    ("datetime", "timezone"): dt.timezone,
    ("datetime", "timedelta"): dt.timedelta,
}


class _PlainDataUnpickler(pickle.Unpickler):
    """Unpickles plain data only: a cache file can never make code run."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED_CLASSES[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not plain data") from None


class ParsedYamlCache:
    """Text hash -> parsed data, read at the start of a build and saved at its end."""

    def __init__(self, site_dir: Path, reuse: bool = True) -> None:
        self.path = site_dir / CACHE_FILE
        self._previous = self._read() if reuse else {}
        self._used: dict[bytes, Any] = {}

    def _read(self) -> dict[bytes, Any]:
        try:
            stored = _PlainDataUnpickler(io.BytesIO(self.path.read_bytes())).load()
        except Exception:  # missing or damaged, in whatever way: parse everything again
            return {}
        if not (isinstance(stored, tuple) and len(stored) == 2 and stored[0] == _FORMAT):
            return {}
        entries = stored[1]
        return entries if isinstance(entries, dict) else {}

    @staticmethod
    def _key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest()

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
        if self._used.keys() == self._previous.keys():
            return
        data = pickle.dumps((_FORMAT, self._used), protocol=pickle.HIGHEST_PROTOCOL)
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            write_atomic(self.path, data)
