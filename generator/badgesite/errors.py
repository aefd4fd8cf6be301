"""The error types: a content error names its file, line, field and message; lint findings."""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ContentError:
    """One problem in the content, located as precisely as the input allows."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        location = f"{self.path}:{self.line}" if self.line else self.path
        if self.field:
            return f"{location}: {self.field}: {self.message}"
        return f"{location}: {self.message}"


ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Finding:
    """One lint result: an error stops a build, a warning only fails `check --strict`."""

    severity: str
    problem: ContentError

    @classmethod
    def error(cls, path: str, line: int, field: str, message: str) -> Finding:
        return cls(ERROR, ContentError(path, line, field, message))

    @classmethod
    def warning(cls, path: str, line: int, field: str, message: str) -> Finding:
        return cls(WARNING, ContentError(path, line, field, message))

    def __str__(self) -> str:
        if self.severity == ERROR:
            return str(self.problem)
        problem = self.problem
        location = f"{problem.path}:{problem.line}" if problem.line else problem.path
        field = f"{problem.field}: " if problem.field else ""
        return f"{location}: warning: {field}{problem.message}"


class BadgesiteError(Exception):
    """Base class of every error badgesite reports to a user."""


class ContentErrors(BadgesiteError):
    """Every content problem found by a stage, reported together."""

    def __init__(self, errors: Iterable[ContentError]) -> None:
        self.errors: tuple[ContentError, ...] = tuple(sorted(set(errors)))
        super().__init__("\n".join(str(error) for error in self.errors))


class BuildError(BadgesiteError):
    """A problem that is not in one content file (plan clashes, a theme, the file system)."""


# difflib compares the word with each choice in turn (close to a millisecond each for
# slugs): past this many, only the choices nearest the word in sorted order are compared,
# so a thousand misspelt references to 10,000 earners cost seconds, not a quarter hour.
MAX_SUGGESTION_CANDIDATES = 100
MAX_SUGGESTED_WORD = 200


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """Return ` (did you mean 'x'?)` for the closest choice, or an empty string."""
    if len(word) > MAX_SUGGESTED_WORD:
        return ""
    candidates = list(choices)
    if len(candidates) > MAX_SUGGESTION_CANDIDATES:
        candidates.sort()
        middle = bisect.bisect_left(candidates, word)
        half = MAX_SUGGESTION_CANDIDATES // 2
        start = max(0, min(middle - half, len(candidates) - MAX_SUGGESTION_CANDIDATES))
        candidates = candidates[start : start + MAX_SUGGESTION_CANDIDATES]
    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""
