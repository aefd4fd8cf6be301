"""Open Badges 2.0 JSON-LD documents for hosted verification, built from the model."""

from __future__ import annotations

from typing import Any

from badgesite import urls
from badgesite.model import Award, BadgeClass, Issuer, Site
from badgesite.primitives.moments import timestamp
from badgesite.templating.markdown_text import plain_text
from badgesite.urls import UrlResolver

CONTEXT = "https://w3id.org/openbadges/v2"


def issuer_profile(issuer: Issuer, resolver: UrlResolver) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "Profile",
        "id": resolver.absolute(urls.issuer_json(issuer.slug)),
        "name": issuer.name,
        "url": issuer.url,
        "email": issuer.email,
    }
    if issuer.description:
        # Open Badges `description` is plain text (only narratives may be markdown).
        document["description"] = plain_text(issuer.description)
    if issuer.image is not None:
        document["image"] = resolver.absolute(
            urls.issuer_image(issuer.slug, issuer.image.extension)
        )
    document["revocationList"] = resolver.absolute(urls.revocation_list(issuer.slug))
    return document


def badge_class(badge: BadgeClass, resolver: UrlResolver) -> dict[str, Any]:
    criteria: dict[str, Any] = {}
    if badge.criteria_url:
        criteria["id"] = badge.criteria_url
    if badge.criteria:
        criteria["narrative"] = badge.criteria
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": resolver.absolute(urls.badge_json(badge.slug)),
        "name": badge.name,
        "description": plain_text(badge.description),
        "image": resolver.absolute(urls.badge_image(badge.slug, badge.image.extension)),
        "criteria": criteria,
        "issuer": resolver.absolute(urls.issuer_json(badge.issuer.slug)),
    }
    tags = list(dict.fromkeys((*badge.skills, *badge.tags)))
    if tags:
        document["tags"] = tags
    if badge.alignments:
        document["alignment"] = [
            {
                key: value
                for key, value in (
                    ("targetName", alignment.name),
                    ("targetUrl", alignment.url),
                    ("targetDescription", alignment.description),
                    ("targetFramework", alignment.framework),
                    ("targetCode", alignment.code),
                )
                if value
            }
            for alignment in badge.alignments
        ]
    return document


def assertion(award: Award, resolver: UrlResolver) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": resolver.absolute(urls.award_json(award.id)),
        "recipient": {
            "type": award.recipient.type,
            "hashed": True,
            "salt": award.recipient.salt,
            "identity": award.recipient.identity,
        },
        "badge": resolver.absolute(urls.badge_json(award.badge.slug)),
        "image": resolver.absolute(urls.award_image(award.id, award.badge.image.extension)),
        "verification": {"type": "hosted"},
        "issuedOn": timestamp(award.issued_on),
    }
    if award.expires is not None:
        document["expires"] = timestamp(award.expires)
    if award.narrative:
        document["narrative"] = award.narrative
    if award.evidence:
        document["evidence"] = [
            {
                key: value
                for key, value in (
                    ("id", item.url),
                    ("name", item.name),
                    ("description", item.description),
                    ("narrative", item.narrative),
                )
                if value
            }
            for item in award.evidence
        ]
    if award.revocation is not None:
        document["revoked"] = True
        document["revocationReason"] = award.revocation.reason
    return document


def revocation_list(issuer: Issuer, site: Site, resolver: UrlResolver) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "RevocationList",
        "id": resolver.absolute(urls.revocation_list(issuer.slug)),
        "issuer": resolver.absolute(urls.issuer_json(issuer.slug)),
        "revokedAssertions": [
            {
                "id": resolver.absolute(urls.award_json(award.id)),
                "revocationReason": award.revocation.reason if award.revocation else "",
            }
            for award in site.revoked_awards_by_issuer[issuer.slug]
        ],
    }
