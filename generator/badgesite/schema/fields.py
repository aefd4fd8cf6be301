"""Typed readers for record fields that turn every problem into a located ContentError."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from badgesite.errors import ContentError, did_you_mean
from badgesite.load import RawRecord
from badgesite.primitives.http_urls import MAX_URL as MAX_URL
from badgesite.primitives.http_urls import http_url_problem as http_url_problem
from badgesite.primitives.http_urls import is_http_url as is_http_url
from badgesite.primitives.http_urls import published_url_problem
from badgesite.primitives.moments import read_moment
from badgesite.primitives.shown_text import CONTROL_CHARACTERS, shown

# Caps on what one field may hold (docs/content.md lists them). Past them a value is refused
# before anything parses, renders or wraps it, so no field can make a build slow.
MAX_LINE = 200  # names, titles, labels, slugs: one line
MAX_PARAGRAPH = 2_000  # plain text that may wrap: alternative text, reasons, descriptions
MAX_MARKDOWN = 20_000  # markdown: descriptions, criteria, biographies, narratives
MAX_EMAIL = 254  # what SMTP allows
# An address, at most MAX_EMAIL characters: every reader (record field, --email, a CSV
# cell) takes addresses through this one pattern. \Z: `$` would allow a final newline.
EMAIL_PATTERN = re.compile(rf"\A(?=.{{3,{MAX_EMAIL}}}\Z)[^@\s]+@[^@\s]+\.[^@\s]+\Z")
MAX_PATH = 1_000
MAX_FILE_NAME_BYTES = 255  # what Linux, macOS and Windows file systems allow
MAX_LIST_ITEMS = 100
MAX_INTEGER_DIGITS = 18
MAX_UNKNOWN_FIELDS_SHOWN = 20


def field_name(key_path: Sequence[Hashable]) -> str:
    """`alignment[1].url` for ("alignment", 1, "url")."""
    name = ""
    for key in key_path:
        if isinstance(key, int):
            name += f"[{key}]"
        else:
            name += f".{key}" if name else str(key)
    return name


def quoted(value: Any) -> str:
    """Text in quotes, anything else as Python shows it; both shortened by shown()."""
    return f"'{shown(value)}'" if isinstance(value, str) else shown(value)


def text_problem(value: str, limit: int, multiline: bool) -> str | None:
    """Why text cannot stand in a field of at most limit characters, or None when it can."""
    if len(value) > limit:
        return f"is {len(value):,} characters long; the limit here is {limit:,}"
    if not multiline and "\n" in value:
        return "must be one line"
    control = CONTROL_CHARACTERS.search(value)
    if control:
        return f"holds the control character U+{ord(control.group()):04X}; remove it"
    return None


def relative_path_problem(value: str) -> str | None:
    """Why value cannot name a file (a NUL, a name too long for any file system), or None.

    Where it leads is the caller's to check: only the caller knows the folder it must stay in.
    """
    problem = text_problem(value, MAX_PATH, multiline=False)
    if problem:
        return problem
    for part in value.split("/"):
        if len(part.encode("utf-8")) > MAX_FILE_NAME_BYTES:
            return f"a file name in it is over {MAX_FILE_NAME_BYTES} bytes long"
    return None


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
        # Every key asked for, present or not: a test holds it to the record's schema.
        self.asked: set[str] = set()
        if not self.valid:
            self.error((), f"expected a mapping of fields, found {_kind(self.data)}")
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
        """Unknown keys are errors; past the first few, one error counts the rest (a file
        of 50,000 stray keys must not cost 50,000 suggestions)."""
        unknown = [key for key in self.data if key not in allowed]
        for key in unknown[:MAX_UNKNOWN_FIELDS_SHOWN]:
            self.error((key,), f"unknown field{did_you_mean(str(key), allowed)}")
        hidden = len(unknown) - MAX_UNKNOWN_FIELDS_SHOWN
        if hidden > 0:
            self.error((), f"and {hidden:,} more unknown field{'s' if hidden != 1 else ''}")

    def value(self, key: str) -> Any:
        """The raw value of a key, None when it is missing."""
        self.asked.add(key)
        return self.data.get(key)

    def has(self, key: str) -> bool:
        return self.value(key) is not None

    def _missing(self, key: str) -> None:
        if key in self.data:
            self.error((key,), "must not be empty")
        else:
            self.error((), f"required field '{key}' is missing")

    def text(
        self,
        key: str,
        required: bool = False,
        default: str = "",
        exact: bool = False,
        limit: int = MAX_LINE,
        multiline: bool = False,
    ) -> str:
        """Text of at most limit characters, one line unless multiline; numbers are accepted
        as text unless exact (where `0123` or `1e5` would change)."""
        value = self.value(key)
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
        text = str(value).strip()
        problem = text_problem(text, limit, multiline)
        if problem:
            self.error((key,), problem)
            return default
        return text

    def paragraph(self, key: str) -> str:
        """Plain text that may span lines, such as alternative text or a reason."""
        return self.text(key, limit=MAX_PARAGRAPH, multiline=True)

    def markdown(self, key: str, required: bool = False) -> str:
        return self.text(key, required=required, limit=MAX_MARKDOWN, multiline=True)

    def choice(self, key: str, choices: Sequence[str], default: str) -> str:
        value = self.text(key, default=default)
        if value not in choices:
            listed = ", ".join(choices)
            self.error(
                (key,), f"'{shown(value)}' is not one of: {listed}{did_you_mean(value, choices)}"
            )
            return default
        return value

    def boolean(self, key: str, default: bool | None) -> bool | None:
        value = self.value(key)
        if value is None:
            return default
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            self.error(
                (key,),
                f"expected true or false, found the quoted text {value!r}: remove the quotes",
            )
            return default
        if not isinstance(value, bool):
            self.error((key,), f"expected true or false, found {quoted(value)}")
            return default
        return value

    def integer(self, key: str) -> int | None:
        """A whole number of at most MAX_INTEGER_DIGITS digits, or its ASCII digits as text
        (`isdigit` alone would take '²' or Arabic-Indic digits)."""
        value = self.value(key)
        if value is None:
            return None
        if isinstance(value, str) and _is_short_ascii_number(value.strip()):
            return int(value.strip())
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and len(str(abs(value))) <= MAX_INTEGER_DIGITS
        ):
            return value
        self.error(
            (key,),
            f"expected a whole number of at most {MAX_INTEGER_DIGITS} digits, "
            f"found {quoted(value)}",
        )
        return None

    def url(self, key: str, required: bool = False) -> str:
        value = self.text(key, required=required, limit=MAX_URL)
        problem = published_url_problem(value) if value else None
        if problem:
            self.error((key,), problem)
            return ""
        return value

    def email(self, key: str, required: bool = False) -> str:
        value = self.text(key, required=required, limit=MAX_EMAIL)
        if value and not EMAIL_PATTERN.match(value):
            self.error((key,), f"'{shown(value)}' is not an email address")
            return ""
        return value

    def path(self, key: str, required: bool = False) -> str:
        """A relative file path; where it leads is for the caller to check."""
        value = self.text(key, required=required, limit=MAX_PATH)
        problem = relative_path_problem(value) if value else None
        if problem:
            self.error((key,), problem)
            return ""
        return value

    def timestamp(self, key: str, zone: ZoneInfo, required: bool = False) -> dt.datetime | None:
        """A date or timestamp in range; one without an offset is read in the site's zone."""
        value = self.value(key)
        if value is None:
            if required:
                self._missing(key)
            return None
        read = read_moment(value, zone)
        if read.moment is None:
            quoted = (
                f"'{shown(value)}'"
                if isinstance(value, (str, dt.date, int, float))
                else _kind(value)
            )
            self.error((key,), f"{quoted} {read.problem}")
        return read.moment

    def string_list(self, key: str) -> tuple[str, ...]:
        value = self.value(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error((key,), f"expected a list, found {_kind(value)}")
            return ()
        if len(value) > MAX_LIST_ITEMS:
            self.error((key,), f"has {len(value):,} items; the limit is {MAX_LIST_ITEMS}")
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
            text = str(item).strip()
            problem = text_problem(text, MAX_LINE, multiline=False)
            if problem:
                self.error((key, index), problem)
                continue
            items.append(text)
        return tuple(items)

    def mapping_list(self, key: str) -> list[FieldReader]:
        value = self.value(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error((key,), f"expected a list, found {_kind(value)}")
            return []
        if len(value) > MAX_LIST_ITEMS:
            self.error((key,), f"has {len(value):,} items; the limit is {MAX_LIST_ITEMS}")
            return []
        return [
            FieldReader(self.record, self.errors, item, (*self.prefix, key, index))
            for index, item in enumerate(value)
        ]

    def mapping(self, key: str) -> FieldReader | None:
        value = self.value(key)
        if value is None:
            return None
        return FieldReader(self.record, self.errors, value, (*self.prefix, key))


def _is_short_ascii_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= MAX_INTEGER_DIGITS


def _kind(value: Any) -> str:
    """What YAML made of a value, in the words of an error message."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (set, frozenset)):
        return "a set"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dt.datetime):
        return "a timestamp"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, bytes):
        return "binary data"
    return "text"
