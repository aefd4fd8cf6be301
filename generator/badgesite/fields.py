"""Typed readers for record fields that turn every problem into a located ContentError."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable, Sequence
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from badgesite.errors import ContentError, did_you_mean
from badgesite.load import RawRecord

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def field_name(key_path: Sequence[Hashable]) -> str:
    """`alignment[1].url` for ("alignment", 1, "url")."""
    name = ""
    for key in key_path:
        if isinstance(key, int):
            name += f"[{key}]"
        else:
            name += f".{key}" if name else str(key)
    return name


def is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class FieldReader:
    """Reads the fields of one mapping inside a record, appending errors as it goes."""

    def __init__(
        self,
        record: RawRecord,
        errors: list[ContentError],
        data: Any = None,
        prefix: tuple[Hashable, ...] = (),
    ) -> None:
        self.record = record
        self.errors = errors
        self.prefix = prefix
        self.data = record.data if data is None and not prefix else data
        self.valid = isinstance(self.data, dict)
        if not self.valid:
            what = type(self.data).__name__ if self.data is not None else "nothing"
            self.error((), f"expected a mapping of fields, found {what}")
            self.data = {}

    def error(self, key_path: Sequence[Hashable], message: str) -> None:
        full_path = (*self.prefix, *key_path)
        self.errors.append(
            ContentError(
                self.record.source,
                self.record.line(*full_path),
                field_name(full_path),
                message,
            )
        )

    def check_keys(self, allowed: Sequence[str]) -> None:
        for key in self.data:
            if key not in allowed:
                hint = did_you_mean(str(key), allowed)
                self.error((key,), f"unknown field{hint}")

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def _missing(self, key: str) -> None:
        if key in self.data:
            self.error((key,), "must not be empty")
        else:
            self.error((), f"required field '{key}' is missing")

    def text(self, key: str, required: bool = False, default: str = "", exact: bool = False) -> str:
        """Text; numbers are accepted as text unless exact (where `0123` or `1e5` would change)."""
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self._missing(key)
            return default
        if exact and not isinstance(value, str):
            self.error((key,), f"YAML read this as {_kind(value)}; put it in quotes")
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error((key,), f"expected text, found {_kind(value)}")
            return default
        return str(value).strip()

    def choice(self, key: str, choices: Sequence[str], default: str) -> str:
        value = self.text(key, default=default)
        if value not in choices:
            listed = ", ".join(choices)
            self.error((key,), f"'{value}' is not one of: {listed}{did_you_mean(value, choices)}")
            return default
        return value

    def boolean(self, key: str, default: bool | None) -> bool | None:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            self.error(
                (key,),
                f"expected true or false, found the quoted text {value!r}: remove the quotes",
            )
            return default
        if not isinstance(value, bool):
            self.error((key,), f"expected true or false, found {value!r}")
            return default
        return value

    def integer(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.isdigit():
                return int(value)
            self.error((key,), f"expected a whole number, found {value!r}")
            return None
        return value

    def url(self, key: str, required: bool = False) -> str:
        value = self.text(key, required=required)
        if value and not is_http_url(value):
            self.error((key,), f"'{value}' is not an absolute http(s) URL")
            return ""
        return value

    def email(self, key: str, required: bool = False) -> str:
        value = self.text(key, required=required)
        if value and not EMAIL_PATTERN.match(value):
            self.error((key,), f"'{value}' is not an email address")
            return ""
        return value

    def timestamp(self, key: str, zone: ZoneInfo, required: bool = False) -> dt.datetime | None:
        """A date or timestamp; one without an offset is read in the site's time zone."""
        value = self.data.get(key)
        if value is None:
            if required:
                self._missing(key)
            return None
        parsed: dt.datetime | None = None
        if isinstance(value, dt.datetime):
            parsed = value
        elif isinstance(value, dt.date):
            parsed = dt.datetime.combine(value, dt.time())
        elif isinstance(value, str):
            try:
                text = value.strip()
                if text.endswith("Z"):
                    text = text[:-1] + "+00:00"
                parsed = dt.datetime.fromisoformat(text)
            except ValueError:
                parsed = None
        if parsed is None:
            self.error(
                (key,),
                f"'{value}' is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+HH:MM",
            )
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone)
        return parsed

    def string_list(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error((key,), f"expected a list, found {_kind(value)}")
            return ()
        items: list[str] = []
        for index, item in enumerate(value):
            if (
                isinstance(item, bool)
                or not isinstance(item, (str, int, float))
                or not str(item).strip()
            ):
                self.error((key, index), "expected non-empty text")
                continue
            items.append(str(item).strip())
        return tuple(items)

    def mapping_list(self, key: str) -> list[FieldReader]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error((key,), f"expected a list, found {_kind(value)}")
            return []
        return [
            FieldReader(self.record, self.errors, item, (*self.prefix, key, index))
            for index, item in enumerate(value)
        ]

    def mapping(self, key: str) -> FieldReader | None:
        value = self.data.get(key)
        if value is None:
            return None
        return FieldReader(self.record, self.errors, value, (*self.prefix, key))


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return "text"
