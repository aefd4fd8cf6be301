"""The schema of content/issuers/<slug>.yaml, and the Issuer it becomes."""

from __future__ import annotations

from dataclasses import dataclass

from badgesite.images.inspection import ImageFile
from badgesite.schema.declare import EMAIL, INTEGER, LINE, MARKDOWN, URL, Field, Schema
from badgesite.schema.image_field import image

ISSUER_IMAGE_FORMATS = ("png", "svg")


@dataclass(frozen=True)
class Issuer:
    slug: str
    name: str
    url: str
    email: str
    description: str
    image: ImageFile | None
    linkedin_organization_id: str
    source: str


ISSUER = Schema(
    "issuer",
    (
        Field("name", LINE, "the issuer's name", required=True),
        Field("url", URL, "the issuer's own web site", required=True),
        Field("email", EMAIL, "public contact address (Open Badges publishes it)", required=True),
        Field("description", MARKDOWN, "what the issuer is"),
        Field(
            "image", image(ISSUER_IMAGE_FORMATS), "path under `content/` (`images/northwind.svg`)"
        ),
        Field(
            "linkedin_organization_id",
            INTEGER,
            'numeric LinkedIn company id: "Add to profile" links then name the issuer\'s '
            "company page instead of a plain `organizationName`",
        ),
    ),
)
