"""A stored snapshot read back: its documents in the reader's shape, and its checked image."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from badgesite.cache.image_cache import ImageCache
from badgesite.images.inspection import ImageFile, ImageProblem, inspect_image
from badgesite.importing.snapshot_format import IMAGE_FORMATS
from badgesite.openbadges.documents import Retrieved, RetrievedDocument
from badgesite.openbadges.reader import parse_date, text
from badgesite.schema.fields import quoted, relative_path_problem

UNKNOWN_TIME = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def retrieved_from_snapshot(snapshot: dict[str, Any]) -> Retrieved:
    """The documents a snapshot holds, in the shape the reader and verifier take."""

    def document(name: str) -> RetrievedDocument | None:
        entry = snapshot.get(name)
        if not isinstance(entry, dict):
            return None
        url = entry.get("url")
        return RetrievedDocument(url if isinstance(url, str) else "", entry.get("json"))

    def embedded(name: str) -> bool:
        entry = snapshot.get(name)
        return isinstance(entry, dict) and entry.get("embedded") is True

    assertion = document("assertion") or RetrievedDocument("", {})
    retrieved = parse_date(snapshot.get("retrieved"))
    return Retrieved(
        source=text(snapshot.get("source"), 2000),
        assertion=assertion,
        badge=document("badge"),
        badge_embedded=embedded("badge"),
        issuer=document("issuer"),
        issuer_embedded=embedded("issuer"),
        revocation_list=document("revocationList"),
        badge_image=None,
        problems=(),
        retrieved_at=retrieved.moment if retrieved else UNKNOWN_TIME,
    )


def snapshot_image(
    path: Path, snapshot: dict[str, Any], cache: ImageCache | None = None
) -> ImageFile | None:
    """The snapshot's badge image, checked again; ImageProblem when it is not usable."""
    entry = snapshot.get("image")
    if not isinstance(entry, dict):
        return None
    relative = entry.get("file")
    if (
        not isinstance(relative, str)
        or relative_path_problem(relative)
        or ".." in relative.split("/")
        or relative.startswith("/")
    ):
        raise ImageProblem(f"{quoted(relative)} is not a file under content/imported/")
    return inspect_image(path.parent / relative, IMAGE_FORMATS, cache, min_side=1)
