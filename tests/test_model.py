"""model: every bad input becomes a located error, and all of them are reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from badgesite.build import load_site
from badgesite.errors import ContentErrors
from helpers import write

ADA = "content/awards/ada.yaml"


def errors_of(site: Path) -> list[str]:
    with pytest.raises(ContentErrors) as caught:
        load_site(site)
    return [str(error) for error in caught.value.errors]


def replace_in(site: Path, relative: str, old: str, new: str) -> None:
    path = site / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_golden_site_is_valid(site: Path) -> None:
    loaded = load_site(site)
    assert len(loaded.awards) == 11
    assert loaded.badges["certified-maker"].requires == ("soldering", "laser-cutting")


def test_unknown_references_name_the_line_and_suggest(site: Path) -> None:
    replace_in(site, ADA, "badge: laser-cutting", "badge: laser-cuting")
    replace_in(
        site,
        ADA,
        "earner: ada\n  recipient:\n    identity: sha256$3",
        "earner: nobody\n  recipient:\n    identity: sha256$3",
    )
    replace_in(site, "content/badges/soldering.yaml", "name:", "issuer: harbor-lab\nname:")
    assert errors_of(site) == [
        "content/awards/ada.yaml:13: badge: no badge 'laser-cuting' in content/badges/ "
        "(did you mean 'laser-cutting'?)",
        "content/awards/ada.yaml:22: earner: no earner 'nobody' in content/earners/",
        "content/badges/soldering.yaml:1: issuer: no issuer 'harbor-lab' in content/issuers/ "
        "(did you mean 'harbour-lab'?)",
    ]


def test_duplicate_award_ids(site: Path) -> None:
    replace_in(
        site,
        "content/awards/bo-and-cy.yaml",
        "1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a06",
        "2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01",
    )
    assert errors_of(site) == [
        "content/awards/bo-and-cy.yaml:19: id: duplicate award id: also used in "
        "content/awards/ada.yaml:1"
    ]


def test_dates_that_are_not_dates_and_expiry_before_issue(site: Path) -> None:
    replace_in(site, ADA, "issued_on: 2024-03-02", "issued_on: March 2nd")
    replace_in(site, ADA, "expires: 2025-04-10", "expires: 2023-01-01")
    assert errors_of(site) == [
        "content/awards/ada.yaml:7: issued_on: 'March 2nd' is not a date: use YYYY-MM-DD "
        "or YYYY-MM-DDTHH:MM:SS+HH:MM",
        "content/awards/ada.yaml:19: expires: must be after issued_on",
    ]


def test_unknown_keys_are_errors_with_a_suggestion(site: Path) -> None:
    replace_in(site, "content/earners/ada.yaml", "headline:", "headlin:")
    replace_in(
        site, "content/badges/certified-maker.yaml", "    framework: ESCO", "    framwork: ESCO"
    )
    assert errors_of(site) == [
        "content/badges/certified-maker.yaml:11: alignment[0].framwork: unknown field "
        "(did you mean 'framework'?)",
        "content/earners/ada.yaml:2: headlin: unknown field (did you mean 'headline'?)",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "image: 'solder.svg' does not exist"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image: 'solder.svg' is not an image"),
        (b"just some text, not an image", "image: 'solder.svg' is not an image"),
        ("jpeg", "image: 'solder.svg' is JPEG; expected PNG or SVG"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
            "image: 'solder.svg' is damaged or truncated",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9" onload="alert(1)"/>',
            "image: 'solder.svg' has an event handler (onload), which is not allowed",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
            b"<script>x</script></svg>",
            "image: 'solder.svg' contains a <script> element, which is not allowed",
        ),
    ],
)
def test_bad_badge_images(site: Path, content: bytes | str | None, message: str) -> None:
    image = site / "content/images/solder.svg"
    if content is None:
        image.unlink()
    elif content == "jpeg":
        from PIL import Image

        Image.new("RGB", (128, 128), "red").save(image, format="JPEG")
    else:
        assert isinstance(content, bytes)
        image.write_bytes(content)
    errors = errors_of(site)
    assert len(errors) == 1
    assert errors[0].startswith(f"content/badges/soldering.yaml:4: {message}")


@pytest.mark.parametrize("path", ["../../../etc/passwd", "/etc/passwd", "images/../../x.png"])
def test_image_paths_cannot_leave_content(site: Path, path: str) -> None:
    replace_in(site, "content/badges/soldering.yaml", "image: images/solder.svg", f"image: {path}")
    assert errors_of(site) == [
        f"content/badges/soldering.yaml:4: image: '{path}' is outside content/; "
        "use a path like images/x.png"
    ]


@pytest.mark.parametrize("award_id", ["../x", "/abs/path", "UPPER", "a/b", "x.json"])
def test_award_ids_that_could_escape_output_are_refused(site: Path, award_id: str) -> None:
    replace_in(site, ADA, "id: 2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01", f"id: '{award_id}'")
    assert errors_of(site) == [
        f"content/awards/ada.yaml:1: id: '{award_id}' is not a valid id: use lowercase letters, "
        "digits and hyphens (badgesite award makes a UUID)"
    ]


def test_plain_recipient_and_numeric_salt(site: Path) -> None:
    replace_in(site, ADA, "identity: sha256$1b0a", "identity: ada@example.com\n    x: sha256$1b0a")
    replace_in(site, ADA, "salt: 6f2e3d4c", "salt: 6123")
    errors = errors_of(site)
    assert errors[0].startswith("content/awards/ada.yaml:5: recipient.identity: must be 'sha256$'")
    assert errors[1] == "content/awards/ada.yaml:6: recipient.x: unknown field"
    assert errors[2] == (
        "content/awards/ada.yaml:18: recipient.salt: YAML read this as a number; put it in quotes"
    )


def test_requirements_must_be_exams(site: Path) -> None:
    replace_in(
        site,
        "content/badges/certified-maker.yaml",
        "requires: [soldering, laser-cutting]",
        "requires:\n  - soldering\n  - certified-maker\n  - welding",
    )
    assert errors_of(site) == [
        "content/badges/certified-maker.yaml:8: requires[1]: 'certified-maker' is a "
        "certification; a certification requires exams",
        "content/badges/certified-maker.yaml:9: requires[2]: no badge 'welding' in content/badges/ "
        "(did you mean 'soldering'?)",
    ]


def test_awards_after_retirement_are_refused(site: Path) -> None:
    write(
        site,
        "content/badges/soldering.yaml",
        (site / "content/badges/soldering.yaml").read_text() + "retired: 2024-04-01\n",
    )
    assert errors_of(site) == [
        "content/awards/bo-and-cy.yaml:7: issued_on: badge 'soldering' was retired on "
        "2024-04-01; a retired badge is no longer awarded",
        "content/awards/bo-and-cy.yaml:25: issued_on: badge 'soldering' was retired on "
        "2024-04-01; a retired badge is no longer awarded",
    ]


def test_all_errors_across_files_are_reported_together(site: Path) -> None:
    write(site, "content/earners/ada.yaml", "name: Ada\nvisibility: secret\n")
    write(site, "content/issuers/harbour-lab.yaml", "name: Harbour Lab\nurl: not-a-url\n")
    write(site, "content/awards/broken.yaml", "- id: [oops\n")
    errors = errors_of(site)
    assert errors == [
        "content/awards/broken.yaml:1: invalid YAML: did not find expected ',' or ']'",
        "content/earners/ada.yaml:2: visibility: 'secret' is not one of: public, unlisted, private",
        "content/issuers/harbour-lab.yaml:1: required field 'email' is missing",
        "content/issuers/harbour-lab.yaml:2: url: 'not-a-url' is not an absolute http(s) URL",
    ]


def test_a_broken_record_file_does_not_cause_reference_errors(site: Path) -> None:
    write(site, "content/earners/ada.yaml", "name: [Ada\n")
    errors = errors_of(site)
    assert len(errors) == 1
    assert errors[0].startswith("content/earners/ada.yaml:1: invalid YAML")


def test_empty_content_folder(tmp_path: Path) -> None:
    write(tmp_path, "content/site.yaml", "title: T\nbase_url: https://x.example/\n")
    assert errors_of(tmp_path) == [
        "content: no records: add issuers, badges, earners and awards under content/"
    ]


def test_defaults_and_privacy_flags(site: Path) -> None:
    loaded = load_site(site)
    pending = loaded.awards["0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c05"]
    assert pending.accepted is False and pending.is_published and not pending.is_listed
    private = loaded.awards["1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a06"]
    assert not private.is_published
    assert loaded.badges["soldering"].image_alt == "Soldering exam badge"
    assert loaded.badges["soldering"].issuer.slug == "harbour-lab"


def test_slugs_cannot_end_in_a_newline() -> None:
    from badgesite.load import SLUG_PATTERN

    assert SLUG_PATTERN.match("ada")
    assert not SLUG_PATTERN.match("ada\n")  # `$` would have allowed it


def test_the_published_site_is_the_site_itself_when_nothing_is_a_draft(site: Path) -> None:
    """What a site derives from its records (holders, an earner's awards) is then derived
    once, for the checks and the plan alike."""
    from badgesite.model import without_drafts

    loaded = load_site(site)
    assert without_drafts(loaded) is loaded
    draft = "0d0d0d0d-0000-4000-8000-00000000d0d0"
    write(
        site,
        "content/awards/a-draft.yaml",
        f"id: {draft}\nbadge: soldering\nearner: ada\nissued_on: 2026-01-02\ndraft: true\n"
        f"recipient:\n  identity: sha256${'d' * 64}\n  salt: s\n",
    )
    with_draft = load_site(site)
    published = without_drafts(with_draft)
    assert draft in with_draft.awards and draft not in published.awards
    assert published.badges == with_draft.badges
