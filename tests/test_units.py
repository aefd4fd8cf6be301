"""Unit tests of the small stages: urls, Open Badges documents, plan checks, hashing."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from badgesite import urls
from badgesite.build import load_site
from badgesite.errors import BuildError
from badgesite.openbadges.hashing import (
    HASHED_IDENTITY,
    RECORD_HASHED_IDENTITY,
    hash_identity,
    identity_matches,
    looks_hashed,
)
from badgesite.outputs import Document, Output, Page
from badgesite.plan import check_paths, plan_site
from badgesite.publishing import ob2
from badgesite.templating.themes import resolve_theme_chain
from badgesite.urls import UrlResolver
from helpers import FIXED_NOW


@pytest.mark.parametrize(
    ("target", "page", "link"),
    [
        ("badges/x/", "", "badges/x/"),
        ("", "assertions/abc/", "../../"),
        ("static/style.css", "earners/ada/", "../../static/style.css"),
        ("badges/x.json", "badges/x/", "../../badges/x.json"),
        ("badges/x/", "404.html", "badges/x/"),
        ("issuers/a/", "issuers/a/", "../../issuers/a/"),
        ("", "", "./"),
    ],
)
def test_relative_links_work_under_any_base_path(target: str, page: str, link: str) -> None:
    assert UrlResolver.relative(target, page) == link


def test_file_paths_of_urls() -> None:
    assert urls.file_path("") == "index.html"
    assert urls.file_path("badges/x/") == "badges/x/index.html"
    assert urls.file_path("badges/x.json") == "badges/x.json"


def test_one_timestamp_writer_serves_open_badges_and_snapshots() -> None:
    from badgesite.importing import snapshot
    from badgesite.primitives import moments

    assert ob2.timestamp is moments.timestamp
    berlin = dt.datetime(2025, 1, 2, 4, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert snapshot.utc_timestamp(berlin) == "2025-01-02T03:04:05Z"


def test_timestamps_always_carry_a_zone() -> None:
    utc = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    assert ob2.timestamp(utc) == "2025-01-02T03:04:05Z"
    plus_one = utc.astimezone(dt.timezone(dt.timedelta(hours=1)))
    assert ob2.timestamp(plus_one) == "2025-01-02T04:04:05+01:00"


def test_recipient_hashing_matches_the_open_badges_definition() -> None:
    digest = hash_identity("alice@example.org", "abc")
    assert digest.startswith("sha256$") and len(digest) == 71
    assert identity_matches(" Alice@Example.org ", "abc", digest)
    assert not identity_matches("bob@example.org", "abc", digest)


def test_recipient_matching_reads_md5_and_plain_identities() -> None:
    # Imported badges, verified with the same function, may use either.
    md5 = "md5$" + hashlib.md5(b"alice@example.orgabc").hexdigest().upper()
    assert identity_matches("Alice@Example.org", "abc", md5)
    assert not identity_matches("alice@example.org", "abd", md5)
    assert identity_matches(" alice@example.org", "", "Alice@Example.org", hashed=False)
    assert not identity_matches("bob@example.org", "", "alice@example.org", hashed=False)
    assert not identity_matches("alice@example.org", "abc", "sha1$" + "0" * 40)


def test_one_definition_of_a_hashed_identity_for_records_and_for_foreign_badges() -> None:
    """Records hold only what badgesite writes; foreign badges may use md5 and upper case."""
    written = hash_identity("alice@example.org", "abc")
    assert RECORD_HASHED_IDENTITY.match(written) and HASHED_IDENTITY.match(written)
    foreign = "md5$" + "A" * 32
    assert HASHED_IDENTITY.match(foreign) and not RECORD_HASHED_IDENTITY.match(foreign)
    assert not RECORD_HASHED_IDENTITY.match(written.upper().replace("SHA256", "sha256"))
    assert looks_hashed(written) and looks_hashed(foreign)
    assert not looks_hashed("alice@example.org")


def test_recipient_hash_exact_value() -> None:
    # `printf 'alice@example.orgabc' | sha256sum`, computed outside Python
    assert hash_identity("alice@example.org", "abc") == (
        "sha256$6cd9db8146ed4ae205ac0cf88f2f843be32bc325a52e4ad5e07239697d480411"
    )


def test_documents_of_the_golden_site(site: Path) -> None:
    loaded = load_site(site)
    resolver = UrlResolver(loaded.config.base_url)
    base = "https://badges.harbour-lab.example/pages/"
    badge = ob2.badge_class(loaded.badges["certified-maker"], resolver)
    assert badge == {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "BadgeClass",
        "id": base + "badges/certified-maker.json",
        "name": "Certified Maker",
        "description": "Trusted to run the workshop's machines unsupervised.",
        "image": base + "badges/certified-maker.png",
        "criteria": {"narrative": "Pass both exams."},
        "issuer": base + "issuers/harbour-lab.json",
        "tags": ["Soldering", "Laser cutting"],
        "alignment": [
            {
                "targetName": "Operate laser cutting machines",
                "targetUrl": "https://esco.example/skill/laser",
                "targetFramework": "ESCO",
                "targetCode": "S1.2.3",
            }
        ],
    }
    issuer = ob2.issuer_profile(loaded.issuers["harbour-lab"], resolver)
    assert issuer["email"] == "badges@harbour-lab.example"
    assert issuer["revocationList"] == base + "issuers/harbour-lab/revocations.json"
    award = ob2.assertion(loaded.awards["2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01"], resolver)
    assert award["recipient"]["hashed"] is True
    assert award["issuedOn"] == "2024-03-02T00:00:00+01:00"  # a bare date, in Europe/Berlin
    assert award["evidence"] == [{"id": "https://ada.example/pedal", "name": "Pedal build log"}]
    assert "revoked" not in award


def test_revocation_list_holds_exactly_the_published_revoked_awards(site: Path) -> None:
    loaded = load_site(site)
    document = ob2.revocation_list(
        loaded.issuers["harbour-lab"], loaded, UrlResolver(loaded.config.base_url)
    )
    assert [entry["id"].rsplit("/", 1)[1] for entry in document["revokedAssertions"]] == [
        "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d08.json",  # public Ada's
        "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c04.json",  # unlisted Bo's; private Cy's is not published
    ]


def test_plan_refuses_clashing_and_escaping_paths() -> None:
    page = Output(path="a/index.html", url_path="a/", recipe=Page("home.html"))
    with pytest.raises(BuildError, match=r"two outputs at one path 'A/index\.html'"):
        check_paths([page, Output(path="A/index.html", url_path="A/", recipe=Document.BADGE)])
    for bad in ("../x.html", "/etc/passwd", "a/../../b", "a//b", "a\\b"):
        with pytest.raises(BuildError, match="not a plain path inside output"):
            check_paths([Output(path=bad, url_path=bad, recipe=Document.BADGE)])


def test_plan_lists_every_published_output(site: Path) -> None:
    loaded = load_site(site)
    plan = plan_site(loaded, resolve_theme_chain("default", site), FIXED_NOW)
    paths = {output.path for output in plan.outputs}
    assert "earners/ada/index.html" in paths and "earners/bo/index.html" in paths
    assert "earners/cy/index.html" not in paths
    assert "issuers/harbour-lab/revocations.json" in paths
    assert "badges/certified-maker.png" in paths
    assert plan.sitemap_urls[:4] == ("", "skills/", "verify/", "issuers/harbour-lab/")
    assert "earners/bo/" not in plan.sitemap_urls


def test_atomic_writes_are_readable_like_plain_writes(tmp_path: Path) -> None:
    import os

    from badgesite.primitives.atomic import write_atomic

    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"x")
    atomic = tmp_path / "atomic.txt"
    write_atomic(atomic, b"x")
    assert atomic.stat().st_mode == plain.stat().st_mode
    os.chmod(atomic, 0o600)
    write_atomic(atomic, b"y")
    assert atomic.stat().st_mode & 0o777 == 0o600 and atomic.read_bytes() == b"y"
