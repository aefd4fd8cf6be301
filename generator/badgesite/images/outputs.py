"""Image outputs: baked badges, srcset variants, avatars and social cards, through the cache."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from badgesite import urls
from badgesite.cache.image_cache import ImageCache
from badgesite.errors import BuildError
from badgesite.images import cards, thumbnails
from badgesite.images.inspection import ImageFile, ImageProblem
from badgesite.images.svg_checks import check_svg_bytes
from badgesite.model import Award, BadgeClass, Earner, ImportedBadge, Issuer, Site
from badgesite.openbadges.bake import BakeError, bake
from badgesite.outputs import Image, ImageRecipe, Output
from badgesite.primitives.png_chunks import PngDamaged, strip_png_metadata
from badgesite.urls import UrlResolver


class ImageMaker:
    """Makes the bytes of every Image output; Pillow runs only on a cache miss."""

    def __init__(
        self,
        site: Site,
        cache: ImageCache,
        translate: Callable[..., str],
        format_date: Callable[[dt.datetime | None], str],
        now: dt.datetime,
        credential_of: Callable[[Award], bytes] | None = None,
    ) -> None:
        self.site = site
        # The award's signed Open Badges 3.0 credential, baked beside the 2.0 assertion URL.
        self.credential_of = credential_of
        self.cache = cache
        self.translate = translate
        self.format_date = format_date
        self.now = now
        self.resolver = UrlResolver(site.config.base_url)
        # SVG badges drawn for cards, by digest: once per process even without a cache folder.
        self.pictures: dict[str, bytes] = {}
        # The cards' shared part per badge image, by digest (a palette PNG of some 20 KB).
        self.bases: dict[str, bytes] = {}

    def make(self, output: Output, image: Image) -> bytes:
        subject = output.subject
        recipe = image.recipe
        if recipe is ImageRecipe.BAKED and isinstance(subject, Award):
            return self.baked(subject)
        if recipe is ImageRecipe.PUBLISHED and isinstance(
            subject, (BadgeClass, Issuer, ImportedBadge)
        ):
            if subject.image is None:
                raise BuildError(f"{output.path}: {type(subject).__name__} has no image")
            return self.published(subject.image)
        if recipe is ImageRecipe.THUMBNAIL and isinstance(subject, BadgeClass):
            return self.thumbnail(subject, image.width)
        if recipe is ImageRecipe.AVATAR and isinstance(subject, Earner) and subject.image:
            return self.avatar(subject.image)
        if recipe is ImageRecipe.AWARD_CARD and isinstance(subject, Award):
            return self.card(self.award_card(subject), subject.badge)
        if recipe is ImageRecipe.BADGE_CARD and isinstance(subject, BadgeClass):
            return self.card(self.badge_card(subject), subject)
        raise BuildError(f"no image recipe '{recipe.value}' for {output.path}")

    def baked(self, award: Award) -> bytes:
        # The full-size image, never a resized one: resizing would drop the baked chunk.
        image = award.badge.image
        assertion_url = self.resolver.absolute(urls.award_json(award.id))
        credential = None if self.credential_of is None else self.credential_of(award)
        try:
            baked = bake(_read(image.path), assertion_url, credential)
        except BakeError as exc:
            raise BuildError(f"cannot bake {image.path.name}: {exc}") from exc
        if image.format == "svg":
            # What is written is judged, not only what was read: the checks that passed the
            # badge run again on each baked copy, and one that fails is never written.
            try:
                check_svg_bytes(baked, f"{image.path.name}, as baked for award {award.id},")
            except ImageProblem as exc:
                raise BuildError(f"refusing to publish a baked image: {exc}") from exc
        return baked

    def published(self, image: ImageFile) -> bytes:
        """A badge, issuer or imported badge's image as published: a PNG without its text,
        EXIF, time and unknown chunks (they can hold names and addresses, or a foreign baked
        assertion), losslessly; an SVG as it is (it passed the SVG checks)."""
        data = _read(image.path)
        if image.format != "png":
            return data
        try:
            return strip_png_metadata(data)
        except PngDamaged as exc:
            raise BuildError(f"{image.path.name} is {exc}") from exc

    def thumbnail(self, badge: BadgeClass, width: int) -> bytes:
        image = badge.image
        return self.cache.get_or_make(
            "thumbnail",
            (image.digest, str(width)),
            lambda: thumbnails.resize_png(_read(image.path), width),
        )

    def avatar(self, image: ImageFile) -> bytes:
        return self.cache.get_or_make(
            "avatar",
            (image.digest, image.format),
            lambda: thumbnails.clean_avatar(_read(image.path), image.format),
        )

    def card(self, content: cards.CardContent, badge: BadgeClass) -> bytes:
        image = badge.image
        return self.cache.get_or_make(
            "card",
            content.cache_parts(image.digest),
            lambda: cards.draw_card(content, self.card_base(image)),
        )

    def card_base(self, image: ImageFile) -> bytes:
        """What every card of a badge shares (cards.draw_base): drawn once per badge image,
        kept in the image cache for the next builds and here for the rest of this one."""
        if image.digest not in self.bases:
            size = cards.picture_size(image.width, image.height)
            self.bases[image.digest] = self.cache.get_or_make(
                "card-base",
                (image.digest, f"{size[0]}x{size[1]}"),
                lambda: cards.draw_base(self.card_picture(image), image.width, image.height),
            )
        return self.bases[image.digest]

    def card_picture(self, image: ImageFile) -> bytes:
        data = _read(image.path)
        if image.format != "svg":
            return data
        if image.digest not in self.pictures:
            try:
                self.pictures[image.digest] = cards.svg_picture(
                    data, image.digest, image.width, image.height, self.cache
                )
            except cards.RasterizeCrash as exc:
                raise BuildError(f"cannot draw {image.path.name}: {exc}") from exc
        return self.pictures[image.digest]

    def award_card(self, award: Award) -> cards.CardContent:
        badge = award.badge
        state = award.status(self.now)
        label = (
            self.translate("kind_" + badge.kind)
            if state == "valid"
            else self.translate("status_" + state.replace("-", "_"))
        )
        details = (
            f"{self.translate('badge_issued_by')} {badge.issuer.name}",
            f"{self.translate('award_issued_on')} {self.format_date(award.issued_on)}",
        )
        # Only published awards get a card, and their pages show the earner's name too;
        # a private earner's awards are not published at all.
        person = award.earner.name if award.earner.is_published else ""
        return cards.CardContent(
            title=badge.name,
            person=person,
            details=details,
            status=state,
            status_label=label,
            footer=self.site.config.title,
            image_format=badge.image.format,
            image_width=badge.image.width,
            image_height=badge.image.height,
        )

    def badge_card(self, badge: BadgeClass) -> cards.CardContent:
        return cards.CardContent(
            title=badge.name,
            person="",
            details=(f"{self.translate('badge_issued_by')} {badge.issuer.name}",),
            status="kind",
            status_label=self.translate("kind_" + badge.kind),
            footer=self.site.config.title,
            image_format=badge.image.format,
            image_width=badge.image.width,
            image_height=badge.image.height,
        )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BuildError(f"cannot read {path}: {exc.strerror or exc}") from exc
