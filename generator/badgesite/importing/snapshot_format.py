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
    "unchecked",
)
# Why a copy was kept unchecked (its host's answer), as long as the snapshot keeps it.
MAX_UNCHECKED_WHY = 300


def imported_dir(site_dir: Path) -> Path:
    return site_dir / "content" / IMPORTED_FOLDER
