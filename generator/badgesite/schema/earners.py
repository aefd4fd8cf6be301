"""The schema of content/earners/<slug>.yaml, and the Earner (with its Links) it becomes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from badgesite.images.inspection import ImageFile
from badgesite.schema.declare import (
    BOOLEAN,
    LINE,
    MARKDOWN,
    URL,
    Field,
    Schema,
    SiteDefault,
    choice,
    mapping_list,
)
from badgesite.schema.fields import FieldReader
from badgesite.schema.image_field import image
from badgesite.schema.site import VISIBILITIES

AVATAR_FORMATS = ("png", "jpeg", "webp")


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Earner:
    slug: str
    name: str
    visibility: str
    auto_accept: bool
    bio: str
    headline: str
    image: ImageFile | None
    links: tuple[Link, ...]
    source: str

    @property
    def is_published(self) -> bool:
        return self.visibility != "private"

    @property
    def is_listed(self) -> bool:
        return self.visibility == "public"


def _link(reader: FieldReader, values: dict[str, Any], context: Any) -> Link | None:
    if not (values["label"] and values["url"]):
        return None
    return Link(values["label"], values["url"])


LINK = Schema(
    "link",
    (
        Field("label", LINE, "the text of the link", required=True),
        Field("url", URL, "where it leads", required=True),
    ),
    make=_link,
)

EARNER = Schema(
    "earner",
    (
        Field("name", LINE, "the earner's name", required=True),
        Field(
            "visibility",
            choice(VISIBILITIES),
            "`public`: listed everywhere; `unlisted`: at its own URLs only; `private`: "
            "nothing published",
            default=SiteDefault("default_visibility"),
        ),
        Field("auto_accept", BOOLEAN, "default for awards' `accepted`", default=True),
        Field("bio", MARKDOWN, "about the earner"),
        Field("headline", LINE, "one line under the name"),
        Field("image", image(AVATAR_FORMATS), "avatar, a path under `content/`"),
        Field("links", mapping_list(LINK), "links shown on the profile"),
    ),
)
