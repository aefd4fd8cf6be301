"""The URL scheme, in one place: every published path is made here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass

# The base_url `badgesite new` writes until the owner sets the real one.
PLACEHOLDER_BASE_URL = "https://badges.example.org/"

# Paths are relative to base_url. They are permanent once published: change none of them.
HOME = ""
SKILLS = "skills/"
NOT_FOUND = "404.html"
STATIC = "static/"
EARNERS = "earners/"  # the index of every public earner
BADGES = "badges/"  # the index of every badge class
VERIFY = "verify/"  # the verifier page: any baked image, JSON or URL, checked in the browser
VERIFY_CONTEXTS = "verify/contexts.json"  # the pinned JSON-LD contexts the verifier page reads


def listing_page(first_page: str, number: int) -> str:
    """Page `number` of a listing whose first page is `first_page`, Hugo's way:
    `earners/`, `earners/page/2/`, ... The first page keeps its own URL."""
    return first_page if number == 1 else f"{first_page}page/{number}/"


def earners_index(number: int = 1) -> str:
    return listing_page(EARNERS, number)


def badges_index(number: int = 1) -> str:
    return listing_page(BADGES, number)


def skills_index(number: int = 1) -> str:
    return listing_page(SKILLS, number)


def badge_holders(slug: str, number: int) -> str:
    """Page `number` of a badge's public holders; the first is the badge's own page."""
    return badge_page(slug) if number == 1 else listing_page(f"badges/{slug}/earners/", number)


def issuer_page(slug: str) -> str:
    return f"issuers/{slug}/"


def issuer_json(slug: str) -> str:
    return f"issuers/{slug}.json"


def issuer_image(slug: str, extension: str) -> str:
    return f"issuers/{slug}.{extension}"


def revocation_list(slug: str) -> str:
    return f"issuers/{slug}/revocations.json"


def issuer_did_document(slug: str) -> str:
    """The issuer's DID document: did:web:HOST[:PATH]:issuers:SLUG resolves to it."""
    return f"issuers/{slug}/did.json"


def issuer_status_list(slug: str) -> str:
    """The issuer's signed Open Badges 3.0 revocation list (BitstringStatusListCredential)."""
    return f"issuers/{slug}/status-list.json"


def badge_page(slug: str) -> str:
    return f"badges/{slug}/"


def badge_json(slug: str) -> str:
    return f"badges/{slug}.json"


def badge_image(slug: str, extension: str) -> str:
    return f"badges/{slug}.{extension}"


def earner_page(slug: str) -> str:
    return f"earners/{slug}/"


def earner_image(slug: str, extension: str) -> str:
    return f"earners/{slug}/avatar.{extension}"


def imported_page(slug: str, key: str) -> str:
    """A badge another issuer awarded to the earner, imported into their portfolio."""
    return f"earners/{slug}/imported/{key}/"


def imported_image(slug: str, key: str, extension: str) -> str:
    """The imported badge's image, copied to this site after its checks."""
    return f"earners/{slug}/imported/{key}/badge.{extension}"


def award_page(award_id: str) -> str:
    return f"assertions/{award_id}/"


def award_json(award_id: str) -> str:
    return f"assertions/{award_id}.json"


def award_credential(award_id: str) -> str:
    """The award's signed Open Badges 3.0 credential (OpenBadgeCredential)."""
    return f"assertions/{award_id}/credential.json"


def award_image(award_id: str, extension: str) -> str:
    """The badge image baked with this award's assertion URL (PNG or SVG, as the badge's)."""
    return f"assertions/{award_id}.{extension}"


def badge_image_variant(slug: str, width: int) -> str:
    """A smaller copy of a PNG badge image, for srcset; the original stays for baking."""
    return f"badges/{slug}/image-{width}.png"


def award_card(award_id: str) -> str:
    """The 1200x630 social card (og:image) of a verification page."""
    return f"assertions/{award_id}/card.png"


def badge_card(slug: str) -> str:
    """The 1200x630 social card (og:image) of a badge page."""
    return f"badges/{slug}/card.png"


def static_file(name: str) -> str:
    return STATIC + name


def file_path(url_path: str) -> str:
    """The file that serves a URL path: `badges/x/` is served by `badges/x/index.html`."""
    return url_path + "index.html" if url_path == "" or url_path.endswith("/") else url_path


@dataclass(frozen=True)
class UrlResolver:
    """Turns scheme paths into absolute URLs, or into links relative to the current page."""

    base_url: str

    def absolute(self, url_path: str) -> str:
        return self.base_url + url_path

    @staticmethod
    def relative(url_path: str, from_page: str) -> str:
        """A link from the page at from_page to url_path that works under any base path.

        Scheme paths are already normal (no `.` or `..`), so climbing to the root and down
        again is exact, and much cheaper than os.path.relpath on every link of every page.
        """
        depth = from_page.count("/")
        return "../" * depth + url_path or "./"
