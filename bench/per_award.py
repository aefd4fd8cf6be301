"""What each award costs a build with nothing cached: its card, QR codes, credential, baked image.

    python bench/per_award.py [--count 200] [--work /dev/shm/badgesite-per-award]

Generates a site of COUNT awards (bench/generate.py: COUNT/100 badge classes, so each card
base is drawn once for 100 cards, as in the full benchmark), then makes, for every award,
its social card (cards drawn with no image cache, their shared per-badge part made once per
badge), its two QR codes (its page shows one of its credential's URL, and its printed
certificate one of the page's own URL), its signed Open Badges 3.0 credential and its baked
badge image (the credential and the 2.0 assertion's URL in it). It
prints CPU milliseconds per award for each (time.process_time over all COUNT awards, in
this process) and the mean size of a card, then what reading each back from a warm image
cache costs. A first build from a fresh checkout without a restored cache pays the first
figures for every award; a build with the cache restored pays the second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

from badgesite import urls
from badgesite.build import load_site
from badgesite.cache.image_cache import ImageCache
from badgesite.guards.credentials import prepare_signing
from badgesite.images.outputs import ImageMaker
from badgesite.publishing import ob3
from badgesite.render import Translations
from badgesite.templating.qr_codes import cached_qr_modules
from badgesite.templating.themes import resolve_theme_chain
from badgesite.urls import UrlResolver

NOW = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)


def per_award(count: int, work: Path) -> dict[str, float]:
    site_dir = work / "site"
    generate(count, site_dir)
    site = load_site(site_dir)
    awards = site.published_awards
    theme = resolve_theme_chain(site.config.theme, site_dir)
    translations = Translations(theme, site.config.language)
    resolver = UrlResolver(site.config.base_url)
    signing = prepare_signing(site, {}, NOW.date(), frozen=False, writes=False)
    figures: dict[str, float] = {}

    def cpu_ms(make, cache: ImageCache) -> float:
        started = time.process_time()
        for award in awards:
            make(award, cache)
        return (time.process_time() - started) * 1000 / len(awards)

    sizes: list[int] = []
    makers: dict[Path | None, ImageMaker] = {}

    def maker_for(cache: ImageCache) -> ImageMaker:
        maker = makers.get(cache.folder)
        if maker is None:
            maker = makers[cache.folder] = ImageMaker(
                site, cache, translations, lambda moment: f"{moment:%d %B %Y}", NOW
            )
        return maker

    def card(award, cache: ImageCache) -> None:
        maker = maker_for(cache)
        sizes.append(len(maker.card(maker.award_card(award), award.badge)))

    def qr_codes(award, cache: ImageCache) -> None:
        for path in (urls.award_credential(award.id), urls.award_page(award.id)):
            cached_qr_modules(resolver.absolute(path), cache)

    def credential(award, cache: ImageCache) -> None:
        ob3.signed_credential(award, site, resolver, signing, cache)

    signed = {award.id: ob3.signed_credential(award, site, resolver, signing) for award in awards}

    def baked(award, cache: ImageCache) -> None:
        # The credential as the build has it by then (made once for its JSON and its image).
        maker = maker_for(cache)
        maker.credential_of = lambda award: signed[award.id]
        maker.baked(award)

    folder = work / "image-cache"
    shutil.rmtree(folder, ignore_errors=True)
    for name, make in (
        ("social card", card),
        ("QR codes (2)", qr_codes),
        ("signed credential", credential),
        ("baked image", baked),
    ):
        figures[f"{name}, made"] = cpu_ms(make, ImageCache(None))
        if sizes and name == "social card":
            figures["social card, bytes"] = sum(sizes) / len(sizes)
        if name == "baked image":
            continue  # not cached: baking only adds chunks to the badge's bytes
        cpu_ms(make, ImageCache(folder))  # fills the cache
        figures[f"{name}, read from the cache"] = cpu_ms(make, ImageCache(folder))
    shutil.rmtree(work)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--work", type=Path, default=Path("/dev/shm/badgesite-per-award"))
    options = parser.parse_args()
    figures = per_award(options.count, options.work)
    print(f"| per award, {options.count} awards | CPU |")
    print("|---|---|")
    for name, value in figures.items():
        shown = f"{value / 1024:.1f} KiB" if name.endswith("bytes") else f"{value:.2f} ms"
        print(f"| {name} | {shown} |")


if __name__ == "__main__":
    main()
