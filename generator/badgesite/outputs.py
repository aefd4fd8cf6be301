"""What plan, render and write share: each output, the recipe that makes it, what it reads."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from badgesite.model import Award, BadgeClass, Earner, ImportedBadge, Issuer

    Subject = Issuer | BadgeClass | Earner | Award | ImportedBadge

# The file that marks a folder as a build of badgesite's: write refuses to replace a
# non-empty folder without it, and the source stamp trusts no output folder without it.
BUILD_MARKER = ".nojekyll"


class Kind(enum.Enum):
    PAGE = "page"  # a Jinja template rendered to HTML
    JSON = "json"  # an Open Badges document
    COPY = "copy"  # a file copied as it is (theme assets)
    TEXT = "text"  # a small generated text file (robots.txt, sitemap.xml)
    IMAGE = "image"  # an image made from a source image: baked, resized or a social card


class Listing(enum.Enum):
    """A listing split into pages of `paginate` entries."""

    BADGES = "badges"
    EARNERS = "earners"
    SKILLS = "skills"
    HOLDERS = "holders"  # of one badge class, the page's subject


@dataclass(frozen=True, slots=True)
class Page:
    """A Jinja template of the theme chain, filled in for the output's subject."""

    template: str
    listing: Listing | None = None
    page_number: int = 0  # of the listing, from 1; 0 when the page shows none

    @property
    def kind(self) -> Kind:
        return Kind.PAGE


class Document(enum.Enum):
    """An Open Badges document of the output's subject."""

    ISSUER = "issuer"  # an issuer's Profile
    REVOCATIONS = "revocations"  # an issuer's RevocationList
    BADGE = "badge"  # a BadgeClass
    ASSERTION = "assertion"  # an award's hosted Assertion
    # Open Badges 3.0:
    DID_DOCUMENT = "did-document"  # an issuer's did:web document, its keys
    STATUS_LIST = "status-list"  # an issuer's signed BitstringStatusListCredential
    CREDENTIAL = "credential"  # an award's signed OpenBadgeCredential
    CONTEXTS = "contexts"  # the pinned JSON-LD contexts, by URL, for the verifier page

    @property
    def kind(self) -> Kind:
        return Kind.JSON


class TextFile(enum.Enum):
    """A small file the site's host or crawlers read."""

    ROBOTS = "robots.txt"
    SITEMAP = "sitemap.xml"
    NOJEKYLL = BUILD_MARKER
    HEADERS = "_headers"

    @property
    def kind(self) -> Kind:
        return Kind.TEXT


class ImageRecipe(enum.Enum):
    PUBLISHED = "published"  # the source image, a PNG without its metadata chunks
    BAKED = "baked"  # an award's badge image with its assertion URL baked in
    THUMBNAIL = "thumbnail"  # a badge image resized for srcset
    AVATAR = "avatar"  # an earner's picture, cleaned of metadata
    AWARD_CARD = "award-card"  # the 1200x630 link-preview card of an award
    BADGE_CARD = "badge-card"  # the card of a badge class


@dataclass(frozen=True, slots=True)
class Image:
    """An image made from a source image by a recipe."""

    recipe: ImageRecipe
    source: Path
    width: int = 0  # for THUMBNAIL: the width in pixels

    @property
    def kind(self) -> Kind:
        return Kind.IMAGE


@dataclass(frozen=True, slots=True)
class Copy:
    """A file published as it is."""

    source: Path

    @property
    def kind(self) -> Kind:
        return Kind.COPY


Recipe = Page | Document | TextFile | Image | Copy


class RecordType(enum.Enum):
    ISSUER = "Issuer"
    BADGE = "BadgeClass"
    EARNER = "Earner"
    AWARD = "Award"
    IMPORTED = "ImportedBadge"


@dataclass(frozen=True, slots=True)
class RecordKey:
    """One record of the site, by its type and slug, id or key."""

    type: RecordType
    key: str

    def __hash__(self) -> int:  # an enum's own hash runs in Python, and keys are hashed often
        return hash((self.type._value_, self.key))

    def __str__(self) -> str:
        return f"{self.type.value}:{self.key}"


@dataclass(frozen=True, slots=True)
class Dependencies:
    """Everything an output's bytes are made from besides badgesite's code and site.yaml
    (which every output reads). A record counts with its own values (records it refers to
    are dependencies of their own) and, for an award or imported badge, its status at the
    build's moment."""

    records: tuple[RecordKey, ...] = ()
    skill_index: bool = False  # which page of the skills index shows each skill (skill links)
    # Values computed across records that a page shows, each digested as it is computed:
    listings: tuple[Listing, ...] = ()  # how many entries an index has, on which pages
    holder_counts: tuple[str, ...] = ()  # how many hold each of these badge classes now
    badge_counts: bool = False  # how many badge classes each issuer has
    site_image: bool = False  # the image of pages without one of their own (its URL, size, alt)
    every_record: bool = False  # every record and status (templates of the site's own)
    files: tuple[Path, ...] = ()  # source files read (images, theme assets)
    templates: tuple[str, ...] = ()  # theme templates by name, all a page pulls in
    texts: bool = False  # the theme chain's translations
    build_day: bool = False  # the day of the build, in the site's time zone
    outputs: bool = False  # which outputs the plan holds (the sitemap)
    published: tuple[str, ...] = ()  # whether these URL paths are published (links to them)
    signing: bool = False  # the signing key, the keys recorded, the awards' status indices


@dataclass(frozen=True, slots=True)
class Output:
    """One file of the built site."""

    path: str
    url_path: str
    recipe: Recipe
    subject: Subject | None = None
    indexable: bool = True
    depends: Dependencies = Dependencies()

    @property
    def kind(self) -> Kind:
        return self.recipe.kind

    @property
    def source_file(self) -> Path | None:
        """The file an image is made from or a copy copies, if any."""
        recipe = self.recipe
        return recipe.source if isinstance(recipe, (Image, Copy)) else None


@dataclass(frozen=True, slots=True)
class Rendered:
    """The content of one output: bytes to write, or a file to copy as it is."""

    path: str
    data: bytes | None = None
    source_file: Path | None = None
