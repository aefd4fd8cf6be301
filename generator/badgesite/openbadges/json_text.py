"""Reading JSON documents safely: local files capped in size, JSON capped in size and depth.

Plain parsing with no network code, so the loader can read imported snapshots with it.
"""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32


class FetchProblem(Exception):
    """Why a document could not be retrieved or read; the message is shown to the user."""


def read_local(path: Path, max_bytes: int) -> bytes:
    """A local file's bytes, refused past max_bytes before reading them all."""
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):  # a FIFO or a device would never end: never opened
            raise FetchProblem(f"{path}: not a regular file")
        if status.st_size > max_bytes:
            raise FetchProblem(f"{path}: {status.st_size} bytes; the limit is {max_bytes}")
        return path.read_bytes()
    except OSError as error:
        raise FetchProblem(f"{path}: cannot read ({error.strerror or error})") from None


def parse_json(data: bytes, where: str) -> Any:
    """JSON text to values, refusing oversize input and nesting deeper than MAX_JSON_DEPTH."""
    if len(data) > MAX_JSON_BYTES:
        raise FetchProblem(f"{where}: {len(data)} bytes of JSON; the limit is {MAX_JSON_BYTES}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FetchProblem(f"{where}: not UTF-8 text") from None
    # Measured before parsing: a deep enough document would exhaust the parser's recursion.
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise FetchProblem(
            f"{where}: JSON nested {depth} levels deep; the limit is {MAX_JSON_DEPTH}"
        )
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        raise FetchProblem(f"{where}: not JSON ({error})") from None


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """The deepest nesting of [ and { in JSON text, not counting brackets inside strings."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_JSON_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest
