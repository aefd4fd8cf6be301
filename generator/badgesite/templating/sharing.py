"""Sharing: LinkedIn and social share links, the pages' social image, schema.org JSON-LD."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from badgesite import urls
from badgesite.images import cards
from badgesite.images.thumbnails import avatar_size
from badgesite.model import Award, BadgeClass, Earner, Issuer, Site
from badgesite.primitives.moments import timestamp
from badgesite.templating.markdown_text import plain_text
from badgesite.urls import UrlResolver

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"
LINKEDIN_SHARE = "https://www.linkedin.com/sharing/share-offsite/"
FACEBOOK_SHARE = "https://www.facebook.com/sharer/sharer.php"
X_SHARE = "https://twitter.com/intent/tweet"
# The Digital Credentials Consortium's verifier: it verifies the Open Badges 3.0 credential
# at the URL given as `vc` in its fragment.
VERIFIER_PLUS = "https://verifierplus.org/#verify"
# Formats that every social network shows as a preview; SVG is not one of them.
SOCIAL_IMAGE_FORMATS = ("png", "jpeg")


def _query(url: str, params: list[tuple[str, str]]) -> str:
    """url with the non-empty params, percent-encoded (spaces as %20, never '+'): what
    urlencode(..., quote_via=quote) gives, without its checks on every pair."""
    pairs = (f"{_quoted(key)}={_quoted(value)}" for key, value in params if value)
    return url + "?" + "&".join(pairs)


@lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    """text percent-encoded, every reserved character too: a page's links repeat its URL,
    its badge's and issuer's names, and every page the same keys."""
    return quote(text, safe="")


@dataclass(frozen=True)
class LinkedInCertification:
    """What LinkedIn's "Add licence or certification" form asks for, as this award fills it
    in: the add-to-profile link carries it, and the award page shows it to paste by hand
    (LinkedIn does not always prefill the form from the link)."""

    name: str
    organization_name: str
    organization_id: str  # LinkedIn's company page id, or ""
    issued: dt.date  # in the site's time zone: the form asks for a month and a year
    expires: dt.date | None
    url: str  # the award page
    id: str


def linkedin_certification(award: Award, page_url: str, zone: ZoneInfo) -> LinkedInCertification:
    issuer = award.badge.issuer
    return LinkedInCertification(
        name=award.badge.name,
        organization_name=issuer.name,
        organization_id=issuer.linkedin_organization_id or "",
        issued=award.issued_on.astimezone(zone).date(),
        expires=award.expires.astimezone(zone).date() if award.expires else None,
        url=page_url,
        id=award.id,
    )


def linkedin_add_to_profile(certification: LinkedInCertification) -> str:
    """LinkedIn's "Add to profile" link for Licenses & certifications, prefilled."""
    expires = certification.expires
    by_id = certification.organization_id
    params = [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", certification.name),
        # LinkedIn links the issuer's company page only by id; a name is plain text.
        ("organizationId", by_id),
        ("organizationName", "" if by_id else certification.organization_name),
        ("issueYear", str(certification.issued.year)),
        ("issueMonth", str(certification.issued.month)),
        ("expirationYear", str(expires.year) if expires else ""),
        ("expirationMonth", str(expires.month) if expires else ""),
        ("certUrl", certification.url),
        ("certId", certification.id),
    ]
    return _query(LINKEDIN_ADD_TO_PROFILE, params)


@dataclass(frozen=True)
class ShareLink:
    """A link that opens a network's share dialog; `network` names its i18n label."""

    network: str
    url: str


def share_links(page_url: str, text: str) -> tuple[ShareLink, ...]:
    return (
        ShareLink("linkedin", _query(LINKEDIN_SHARE, [("url", page_url)])),
        ShareLink("facebook", _query(FACEBOOK_SHARE, [("u", page_url)])),
        ShareLink("x", _query(X_SHARE, [("url", page_url), ("text", text)])),
    )


@dataclass(frozen=True)
class SocialImage:
    """The og:image of a page: absolute URL, pixel size, and what it shows."""

    url: str
    width: int
    height: int
    alt: str

    @property
    def is_large(self) -> bool:
        """Wide enough for a large preview card rather than a thumbnail."""
        return self.width >= 600 and self.width > self.height


def verifierplus_url(credential_url: str) -> str:
    """VerifierPlus checking the credential at credential_url (fully percent-encoded)."""
    return f"{VERIFIER_PLUS}?vc={_quoted(credential_url)}"


def site_image_badge(site: Site) -> BadgeClass | None:
    """The badge class whose image pages that have none of their own show: the first
    with a raster image."""
    return next(
        (badge for badge in site.badges.values() if badge.image.format in SOCIAL_IMAGE_FORMATS),
        None,
    )


def site_image(site: Site, resolver: UrlResolver) -> SocialImage | None:
    """The image of pages that have none of their own (see site_image_badge)."""
    badge = site_image_badge(site)
    if badge is None:
        return None
    return SocialImage(
        resolver.absolute(urls.badge_image(badge.slug, badge.image.extension)),
        badge.image.width,
        badge.image.height,
        badge.image_alt,
    )


def social_image(
    subject: Issuer | BadgeClass | Earner | Award | None,
    fallback: SocialImage | None,
    resolver: UrlResolver,
) -> SocialImage | None:
    """Award and badge pages use their social card; other pages their own image or the
    site's (see site_image)."""
    if isinstance(subject, Award):
        return SocialImage(
            resolver.absolute(urls.award_card(subject.id)),
            cards.WIDTH,
            cards.HEIGHT,
            subject.badge.image_alt,
        )
    if isinstance(subject, BadgeClass):
        return SocialImage(
            resolver.absolute(urls.badge_card(subject.slug)),
            cards.WIDTH,
            cards.HEIGHT,
            subject.image_alt,
        )
    own_image = subject.image if isinstance(subject, (Issuer, Earner)) else None
    if own_image is not None and own_image.format in SOCIAL_IMAGE_FORMATS:
        make_path = urls.issuer_image if isinstance(subject, Issuer) else urls.earner_image
        width, height = own_image.width, own_image.height
        if isinstance(subject, Earner):  # avatars are published as smaller squares
            width = height = avatar_size(own_image)
        return SocialImage(
            resolver.absolute(make_path(subject.slug, own_image.extension)),
            width,
            height,
            subject.name,
        )
    return fallback


def _organization(issuer: Issuer, resolver: UrlResolver) -> dict[str, Any]:
    organization: dict[str, Any] = {
        "@type": "Organization",
        "name": issuer.name,
        "url": issuer.url,
    }
    if issuer.image is not None:
        organization["logo"] = resolver.absolute(
            urls.issuer_image(issuer.slug, issuer.image.extension)
        )
    return organization


def _credential(badge: BadgeClass, resolver: UrlResolver) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "EducationalOccupationalCredential",
        "name": badge.name,
        "description": plain_text(badge.description),  # schema.org Text, not markup
        "image": resolver.absolute(urls.badge_image(badge.slug, badge.image.extension)),
        "credentialCategory": badge.kind,
        "recognizedBy": _organization(badge.issuer, resolver),
    }
    if badge.skills:
        document["competencyRequired"] = [
            {"@type": "DefinedTerm", "name": skill} for skill in badge.skills
        ]
    return document


def credential_jsonld(subject: BadgeClass | Award, resolver: UrlResolver) -> str:
    """schema.org EducationalOccupationalCredential for a badge or an award's page, as
    JSON safe to place inside a <script> element."""
    return CredentialJsonLd(resolver)(subject)


class CredentialJsonLd:
    """credential_jsonld, with the part of an award's document that is its badge class's
    written once per badge class: an award page's JSON-LD is that text and a few keys of
    its own, the same bytes as writing the whole document."""

    def __init__(self, resolver: UrlResolver) -> None:
        self.resolver = resolver
        self._badge_parts: dict[int, tuple[BadgeClass, str]] = {}

    def __call__(self, subject: BadgeClass | Award) -> str:
        resolver = self.resolver
        if isinstance(subject, Award):
            award: dict[str, Any] = {
                "url": resolver.absolute(urls.award_page(subject.id)),
                "identifier": subject.id,
                "dateCreated": timestamp(subject.issued_on),
            }
            if subject.expires is not None:
                award["expires"] = timestamp(subject.expires)
            if subject.revocation is not None:
                award["creativeWorkStatus"] = "Revoked"
            award["about"] = {"@type": "Person", "name": subject.earner.name}
            return _script_safe(self._badge_part(subject.badge) + _more_members(award))
        document = _credential(subject, resolver)
        document["url"] = resolver.absolute(urls.badge_page(subject.slug))
        document["identifier"] = subject.slug
        return _script_safe(json.dumps(document, ensure_ascii=False, indent=1))

    def _badge_part(self, badge: BadgeClass) -> str:
        """The badge class's members, as json.dumps(indent=1) writes them, without the
        closing brace."""
        found = self._badge_parts.get(id(badge))
        if found is None:
            text = json.dumps(_credential(badge, self.resolver), ensure_ascii=False, indent=1)
            found = self._badge_parts[id(badge)] = (badge, text[: -len("\n}")])
        return found[1]


def _more_members(members: dict[str, Any]) -> str:
    """members as json.dumps(indent=1) writes them after others at the top level: each
    value's lines one more space in (no JSON text holds a raw newline), then the brace."""
    return (
        "".join(
            ",\n "
            + json.dumps(key, ensure_ascii=False)
            + ": "
            + json.dumps(value, ensure_ascii=False, indent=1).replace("\n", "\n ")
            for key, value in members.items()
        )
        + "\n}"
    )


def _script_safe(text: str) -> str:
    # "</script>" or "<!--" inside a name must not end the script element.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
