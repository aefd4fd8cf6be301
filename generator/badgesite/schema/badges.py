"""The schema of content/badges/<slug>.yaml, and the BadgeClass (with Alignments) it becomes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from badgesite.images.inspection import ImageFile
from badgesite.schema.declare import (
    BOOLEAN,
    LINE,
    MARKDOWN,
    PARAGRAPH,
    SLUG,
    TEXT_LIST,
    TIMESTAMP,
    URL,
    Field,
    Schema,
    SiteDefault,
    choice,
    mapping_list,
)
from badgesite.schema.fields import FieldReader
from badgesite.schema.image_field import image
from badgesite.schema.issuers import Issuer

BADGE_KINDS = ("badge", "exam", "certification")
BADGE_IMAGE_FORMATS = ("png", "svg")


@dataclass(frozen=True)
class Alignment:
    name: str
    url: str
    framework: str
    code: str
    description: str


@dataclass(frozen=True)
class BadgeClass:
    slug: str
    name: str
    description: str
    image: ImageFile
    image_alt: str
    issuer: Issuer
    kind: str
    criteria: str
    criteria_url: str
    requires: tuple[str, ...]
    skills: tuple[str, ...]
    alignments: tuple[Alignment, ...]
    tags: tuple[str, ...]
    retired: dt.datetime | None
    source: str
    draft: bool = False  # never published; built only by `build --drafts`, marked DRAFT
    renewal_url: str = ""  # where an earner renews it; reminders of `badgesite notify` say

    @property
    def is_draft(self) -> bool:
        return self.draft


def _alignment(reader: FieldReader, values: dict[str, Any], context: Any) -> Alignment | None:
    if not (reader.valid and values["name"] and values["url"]):
        return None
    return Alignment(**values)


ALIGNMENT = Schema(
    "alignment",
    (
        Field("name", LINE, "the name of the skill or standard", required=True),
        Field("url", URL, "a page that describes it", required=True),
        Field("framework", LINE, "the framework it belongs to"),
        Field("code", LINE, "its code in the framework"),
        Field("description", PARAGRAPH, "a short description"),
    ),
    make=_alignment,
)


def _badge_checks(reader: FieldReader, values: dict[str, Any], context: Any) -> dict[str, Any]:
    """The checks across fields; which issuer and which exams exist is the model's to say."""
    if not values["criteria"] and not values["criteria_url"] and reader.valid:
        reader.error((), "needs 'criteria' (what an earner must do) or 'criteria_url'")
    if values["requires"] and values["kind"] != "certification":
        reader.error(("requires",), "only a certification can require exams")
    return values


BADGE = Schema(
    "badge",
    (
        Field("name", LINE, "the badge's name", required=True),
        Field("description", MARKDOWN, "what the badge attests", required=True),
        Field(
            "image",
            image(BADGE_IMAGE_FORMATS),
            "path under `content/`, PNG or SVG by its bytes",
            required=True,
        ),
        Field(
            "image_alt", PARAGRAPH, "alternative text for the image", default_doc="`<name> badge`"
        ),
        Field("issuer", SLUG, "who issues it", default=SiteDefault("default_issuer")),
        Field("kind", choice(BADGE_KINDS), "what the badge is", default="badge"),
        Field(
            "criteria",
            MARKDOWN,
            "what an earner had to do",
            required_doc="yes*",
        ),
        Field(
            "criteria_url",
            URL,
            "a page that describes the criteria (*one of the two, or both)",
            required_doc="yes*",
        ),
        Field("requires", TEXT_LIST, "certification only: the exam slugs it requires"),
        Field("skills", TEXT_LIST, "skill names"),
        Field("alignment", mapping_list(ALIGNMENT), "the skills or standards it aligns to"),
        Field("tags", TEXT_LIST, "tags"),
        Field("retired", TIMESTAMP, "date the badge stopped being awarded"),
        Field(
            "renewal_url",
            URL,
            "where an earner renews it: `badgesite notify --expiring-within` and `--expired` "
            "reminders link to it",
        ),
        Field(
            "draft",
            BOOLEAN,
            "`true`: never published (nor its awards) until removed; `badgesite build "
            "--drafts` previews it, marked DRAFT",
            default=False,
        ),
    ),
    make=_badge_checks,
)
