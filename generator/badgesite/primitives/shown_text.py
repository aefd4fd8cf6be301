"""Text as an error message quotes it: short, with control characters escaped."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

MAX_SHOWN_VALUE = 80
# C0 and C1 controls, DEL and lone surrogates: never text a person wrote (tab and newline
# are allowed where a field may span lines).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def shown(value: Any) -> str:
    """A value as an error message quotes it: short, and with control characters escaped."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, (dt.date, dt.datetime)):
        text = value.isoformat()
    else:
        text = repr(value)
    if len(text) > MAX_SHOWN_VALUE:
        text = text[: MAX_SHOWN_VALUE - 1] + "…"
    return CONTROL_CHARACTERS.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
