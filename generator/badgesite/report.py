"""The report of a build: what it made, reused, wrote and warned about, in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from badgesite.errors import Finding


def counted(count: int, noun: str) -> str:
    """'1 award', '2 awards': every count badgesite prints agrees with its noun (a noun
    whose plural is not noun + 's' is not counted here)."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


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
    made_signing_key: Path | None = None  # the key file this build made (a site's first)
    new_status_indices: int = 0  # awards given their permanent status index

    @property
    def reused(self) -> int:
        return self.pages + self.documents + self.files - self.rendered

    def summary(self) -> str:
        text = (
            f"Built {counted(self.pages, 'page')}, "
            f"{counted(self.documents, 'Open Badges document')} and "
            f"{counted(self.files, 'other file')} into {self.output_dir} in {self.seconds:.2f} s"
        )
        if self.incremental:
            text += (
                f" ({self.reused} reused from the last build, {self.written} written, "
                f"{self.removed} removed)"
            )
        if self.newly_recorded:
            from badgesite.guards.published import (
                PUBLISHED_FILE,  # loads the model: only needed here
            )

            newly = counted(len(self.newly_recorded), "newly published award")
            text += f"\nRecorded {newly} in content/{PUBLISHED_FILE}: commit it."
        if self.made_signing_key is not None:
            text += (
                f"\nMade a signing key for the Open Badges 3.0 credentials: "
                f"{self.made_signing_key} (private: keep it out of git and back it up; a CI "
                "build needs it as the BADGESITE_SIGNING_KEY secret, see the README). Its "
                "public key is in content/signing-keys.txt: commit it."
            )
        if self.new_status_indices:
            awards = counted(self.new_status_indices, "award")
            text += (
                f"\nGave {awards} a permanent status index in content/credential-status.txt:"
                " commit it."
            )
        return text
