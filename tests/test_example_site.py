"""The example site in content/ keeps the variety the demo promises (see README)."""

from __future__ import annotations

import datetime as dt
import hashlib

import yaml

from badgesite.build import load_site
from helpers import EXAMPLE_SITE, FIXED_NOW, REPO


def test_example_site_has_the_promised_variety() -> None:
    site = load_site(EXAMPLE_SITE)
    badges = list(site.badges.values())
    awards = list(site.awards.values())
    earners = list(site.earners.values())
    assert len(site.issuers) >= 2
    assert len(badges) >= 8
    assert sum(badge.kind == "exam" for badge in badges) >= 2
    assert any(b.kind == "certification" and len(b.requires) >= 2 for b in badges)
    assert any(b.kind == "certification" and len(b.requires) == 1 for b in badges)
    assert any(b.kind == "certification" and b.retired for b in badges)
    assert any(b.skills for b in badges) and any(b.alignments for b in badges)
    assert len(earners) >= 6
    assert {e.visibility for e in earners} == {"public", "unlisted", "private"}
    assert len(awards) >= 20
    assert any(a.status(FIXED_NOW) == "expired" for a in awards)
    assert any(a.revocation and a.revocation.reason for a in awards)
    assert any(not a.accepted for a in awards)
    assert sum(bool(a.evidence) and bool(a.narrative) for a in awards) >= 2
    assert all(a.issued_on < FIXED_NOW for a in awards)


def test_example_expiries_stay_clear_of_the_near_future() -> None:
    # The conformance test runs on the real clock: a valid award must not expire soon.
    site = load_site(EXAMPLE_SITE)
    soon = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    for award in site.awards.values():
        if award.expires and award.expires > FIXED_NOW:
            assert award.expires >= soon, award.id


def test_example_recipients_hash_to_the_published_identities() -> None:
    site = load_site(EXAMPLE_SITE)
    fixture = yaml.safe_load((REPO / "tests/fixtures/example_recipients.yaml").read_text())
    emails = {entry["award"]: entry["email"] for entry in fixture}
    assert set(emails) == set(site.awards)
    for award in site.awards.values():
        digest = hashlib.sha256((emails[award.id] + award.recipient.salt).encode()).hexdigest()
        assert award.recipient.identity == f"sha256${digest}"
    content_text = "".join(
        path.read_text(encoding="utf-8") for path in (REPO / "content").rglob("*.yaml")
    )
    assert not any(email in content_text for email in emails.values())
