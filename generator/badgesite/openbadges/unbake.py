"""Reading the Open Badges payload out of a baked PNG or SVG image, for the importer."""

from __future__ import annotations

from badgesite.openbadges.bake import BakeError, image_kind, unbake


class UnbakeProblem(Exception):
    """Why no payload could be read from an image; the message is shown to the user."""


def baked_payload(data: bytes) -> str:
    """The payload baked into a PNG or SVG badge: an assertion URL or assertion JSON text.

    The same reader as the `unbake` command's (bake.unbake), with its limits."""
    try:
        kind = image_kind(data)
        payload = unbake(data)
    except BakeError as problem:
        raise UnbakeProblem(str(problem)) from None
    if payload is None:
        where = "'openbadges' text chunk" if kind == "png" else "<openbadges:assertion> element"
        raise UnbakeProblem(f"the {kind.upper()} carries no {where}: it is not baked")
    return payload
