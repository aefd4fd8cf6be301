"""Site -> the list of every output file, with what makes it and what it depends on."""

from __future__ import annotations

import datetime as dt
import enum
import posixpath
from dataclasses import dataclass
from pathlib import Path

from badgesite import urls
from badgesite.errors import BuildError
from badgesite.images.variants import variant_widths
from badgesite.model import Award, BadgeClass, Earner, ImportedBadge, Issuer, Listings, Site
from badgesite.templating.themes import ThemeChain


class Kind(enum.Enum):
    PAGE = "page"  # a Jinja template rendered to HTML
    JSON = "json"  # an Open Badges document
    COPY = "copy"  # a file copied as it is (images, theme assets)
    TEXT = "text"  # a small generated text file (robots.txt, sitemap.xml)
    IMAGE = "image"  # an image made from a source image: baked, resized or a social card


@dataclass(frozen=True, slots=True)
class Output:
    """One file of the built site."""

    path: str
    kind: Kind
    url_path: str
    template: str = ""
    subject: Issuer | BadgeClass | Earner | Award | ImportedBadge | None = None
    source_file: Path | None = None
    indexable: bool = True
    width: int = 0  # for resized images: the width in pixels
    page_number: int = 0  # for a listing split into pages: which page, from 1


@dataclass(frozen=True)
class Plan:
    outputs: tuple[Output, ...]

    def by_kind(self, kind: Kind) -> tuple[Output, ...]:
        return tuple(output for output in self.outputs if output.kind is kind)

    @property
    def sitemap_urls(self) -> tuple[str, ...]:
        return tuple(
            output.url_path
            for output in self.outputs
            if output.kind is Kind.PAGE and output.indexable and output.url_path != urls.NOT_FOUND
        )


def _page(
    url_path: str, template: str, subject=None, indexable: bool = True, page_number: int = 0
) -> Output:
    return Output(
        path=urls.file_path(url_path),
        kind=Kind.PAGE,
        url_path=url_path,
        template=template,
        subject=subject,
        indexable=indexable,
        page_number=page_number,
    )


def _json(url_path: str, document: str, subject) -> Output:
    return Output(
        path=url_path, kind=Kind.JSON, url_path=url_path, template=document, subject=subject
    )


def _copy(url_path: str, source: Path) -> Output:
    return Output(path=url_path, kind=Kind.COPY, url_path=url_path, source_file=source)


def _image(url_path: str, recipe: str, subject, source: Path, width: int = 0) -> Output:
    return Output(
        path=url_path,
        kind=Kind.IMAGE,
        url_path=url_path,
        template=recipe,
        subject=subject,
        source_file=source,
        width=width,
    )


def plan_site(site: Site, theme: ThemeChain, as_of: dt.datetime) -> Plan:
    """Every output of the site as of the build's moment (which decides how many pages the
    listings fill), in a stable order; refuses clashes and escaping paths."""
    listings = Listings(site, as_of)
    outputs: list[Output] = [_page(urls.HOME, "home.html")]
    for pager in listings.skill_pages:
        outputs.append(
            _page(pager.paths[pager.number - 1], "skills.html", page_number=pager.number)
        )
    outputs.append(_page(urls.NOT_FOUND, "404.html", indexable=False))
    for issuer in site.issuers.values():
        outputs.append(_page(urls.issuer_page(issuer.slug), "issuer.html", issuer))
        outputs.append(_json(urls.issuer_json(issuer.slug), "issuer", issuer))
        outputs.append(_json(urls.revocation_list(issuer.slug), "revocations", issuer))
        if issuer.image is not None:
            # "published": a PNG loses its metadata chunks on the way (image_outputs.py).
            url_path = urls.issuer_image(issuer.slug, issuer.image.extension)
            outputs.append(_image(url_path, "published", issuer, issuer.image.path))
    for pager in listings.badge_pages:
        outputs.append(
            _page(pager.paths[pager.number - 1], "badges.html", page_number=pager.number)
        )
    for badge in site.badges.values():
        outputs.append(
            _page(
                urls.badge_page(badge.slug),
                "badge.html",
                badge,
                indexable=not badge.draft,
                page_number=1,
            )
        )
        for pager in listings.holder_pages(badge.slug)[1:]:
            path = pager.paths[pager.number - 1]
            outputs.append(
                _page(
                    path, "holders.html", badge, indexable=not badge.draft, page_number=pager.number
                )
            )
        outputs.append(_json(urls.badge_json(badge.slug), "badge", badge))
        url_path = urls.badge_image(badge.slug, badge.image.extension)
        outputs.append(_image(url_path, "published", badge, badge.image.path))
        for width in variant_widths(badge.image):
            outputs.append(
                _image(
                    urls.badge_image_variant(badge.slug, width),
                    "thumbnail",
                    badge,
                    badge.image.path,
                    width,
                )
            )
        outputs.append(_image(urls.badge_card(badge.slug), "badge-card", badge, badge.image.path))
    for pager in listings.earner_pages:
        outputs.append(
            _page(pager.paths[pager.number - 1], "earners.html", page_number=pager.number)
        )
    for earner in site.earners.values():
        if not earner.is_published:
            continue
        outputs.append(
            _page(urls.earner_page(earner.slug), "earner.html", earner, indexable=earner.is_listed)
        )
        if earner.image is not None:
            outputs.append(
                _image(
                    urls.earner_image(earner.slug, earner.image.extension),
                    "avatar",
                    earner,
                    earner.image.path,
                )
            )
    for award in site.published_awards:
        outputs.append(
            _page(
                urls.award_page(award.id),
                "award.html",
                award,
                indexable=award.is_listed and not award.is_draft,
            )
        )
        outputs.append(_json(urls.award_json(award.id), "assertion", award))
        image = award.badge.image
        outputs.append(
            _image(urls.award_image(award.id, image.extension), "baked", award, image.path)
        )
        outputs.append(_image(urls.award_card(award.id), "award-card", award, image.path))
    for imported in site.published_imported:
        slug = imported.earner.slug
        outputs.append(
            _page(
                urls.imported_page(slug, imported.key),
                "imported.html",
                imported,
                indexable=imported.is_listed,
            )
        )
        if imported.image is not None:
            url_path = urls.imported_image(slug, imported.key, imported.image.extension)
            outputs.append(_image(url_path, "published", imported, imported.image.path))
    for name, path in theme.static_files().items():
        outputs.append(_copy(urls.static_file(name), path))
    for name in ("robots.txt", "sitemap.xml", ".nojekyll", "_headers"):
        outputs.append(Output(path=name, kind=Kind.TEXT, url_path=name, template=name))
    check_paths(outputs)
    return Plan(tuple(outputs))


def check_paths(outputs: list[Output]) -> None:
    """Refuse two outputs at one path and any path that would land outside output/."""
    seen: dict[str, Output] = {}
    for output in outputs:
        path = output.path
        normalized = posixpath.normpath(path)
        if (
            path.startswith("/")
            or "\\" in path
            or normalized.startswith("..")
            or normalized != path.rstrip("/")
            or any(part in ("", ".", "..") for part in path.split("/"))
        ):
            raise BuildError(f"refusing to write '{path}': it is not a plain path inside output/")
        key = path.lower()  # case-insensitive file systems would merge these
        if key in seen:
            raise BuildError(
                f"two outputs at one path '{path}' ({_describe(seen[key])} and {_describe(output)})"
            )
        seen[key] = output


def _describe(output: Output) -> str:
    subject = output.subject
    if subject is None:
        return output.template or str(output.source_file or output.url_path)
    source = getattr(subject, "source", "")
    return f"{type(subject).__name__} from {source}" if source else type(subject).__name__
