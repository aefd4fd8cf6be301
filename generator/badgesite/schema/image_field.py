"""The image field type: a path under content/ to an image checked by its bytes.

Apart from the other types so that reading site.yaml, which has no image, loads no
image decoder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from badgesite.images.inspection import ImageFile, ImageProblem, inspect_image
from badgesite.schema.declare import Context, Field, FieldType
from badgesite.schema.fields import FieldReader, shown


def image(formats: Sequence[str]) -> FieldType:
    """A path under content/ to an image of one of these formats, checked by its bytes."""

    def read(reader: FieldReader, field: Field, context: Any) -> ImageFile | None:
        return read_image(reader, field.name, tuple(formats), field.required, context)

    return FieldType("image path (" + ", ".join(name.upper() for name in formats) + ")", read)


def read_image(
    reader: FieldReader, key: str, allowed: tuple[str, ...], required: bool, context: Context
) -> ImageFile | None:
    """The image a path under content/ names, or None with the reason reported."""
    relative = reader.path(key, required=required)
    if not relative:
        return None
    content_dir = (context.root / "content").resolve()
    candidate = (context.root / "content" / relative).resolve()
    if Path(relative).is_absolute() or not candidate.is_relative_to(content_dir):
        reader.error(
            (key,), f"'{shown(relative)}' is outside content/; use a path like images/x.png"
        )
        return None
    try:
        return inspect_image(context.root / "content" / relative, allowed, context.cache)
    except ImageProblem as problem:
        reader.error((key,), str(problem))
        return None
