"""The snapshot format of content/imported/: its name, fields, statuses, limits and folder.

Shared by `badgesite import` (which writes snapshots) and the loader and model (which read
them), so reading a snapshot pulls in no fetching, verifying or importing code.
"""

from __future__ import annotations

from pathlib import Path

FORMAT = "badgesite-imported-badge/1"
IMPORTED_FOLDER = "imported"
IMAGE_FORMATS = ("png", "svg")
MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024
STATUSES = ("valid", "expired", "revoked", "invalid", "gone", "unverified")
SNAPSHOT_FIELDS = (
    "format",
    "earner",
    "source",
    "retrieved",
    "verified",
    "status",
    "problems",
    "recipient",
    "assertion",
    "badge",
    "issuer",
    "revocationList",
    "image",
    "standard",
    "credential",
    "unchecked",
)
# Why a copy was kept unchecked (its host's answer), as long as the snapshot keeps it.
MAX_UNCHECKED_WHY = 300
# The standard a badge was verified by: 2.0's hosted verification (0.5 to 2.0 assertions),
# or 3.0's proof; a snapshot made before snapshots said so is 2.0's.
OPEN_BADGES_2 = "Open Badges 2.0"
OPEN_BADGES_3 = "Open Badges 3.0"
STANDARDS = (OPEN_BADGES_2, OPEN_BADGES_3)
# How an Open Badges 3.0 credential was found (ob3_source's containers).
CREDENTIAL_FORMATS = ("json", "jwt", "png", "svg")


def imported_dir(site_dir: Path) -> Path:
    return site_dir / "content" / IMPORTED_FOLDER
