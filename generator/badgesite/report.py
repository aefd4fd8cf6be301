"""The report of a build: what it made, reused, wrote and warned about."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from badgesite.errors import Finding


@dataclass(frozen=True)
class BuildReport:
    output_dir: Path
    pages: int
    documents: int
    files: int
    seconds: float
    warnings: tuple[Finding, ...] = ()
    newly_recorded: tuple[str, ...] = ()
    rendered: int = 0  # outputs made this time; the others were reused from the last build
    written: int = 0  # files whose bytes changed
    removed: int = 0
    incremental: bool = False

    @property
    def reused(self) -> int:
        return self.pages + self.documents + self.files - self.rendered

    def summary(self) -> str:
        text = (
            f"Built {self.pages} pages, {self.documents} Open Badges documents and "
            f"{self.files} other files into {self.output_dir} in {self.seconds:.2f} s"
        )
        if self.incremental:
            text += (
                f" ({self.reused} reused from the last build, {self.written} written, "
                f"{self.removed} removed)"
            )
        if self.newly_recorded:
            from badgesite.published import PUBLISHED_FILE  # loads the model: only needed here

            count = len(self.newly_recorded)
            text += (
                f"\nRecorded {count} newly published award{'s' if count != 1 else ''} in "
                f"content/{PUBLISHED_FILE}: commit it."
            )
        return text
