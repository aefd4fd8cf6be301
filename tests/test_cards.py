"""Social cards: 1200x630 PNGs with the badge, names that wrap or shorten, non-Latin text."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageColor, ImageDraw, ImageStat

from badgesite.build import build, load_site
from badgesite.cache.image_cache import ImageCache
from badgesite.images import cards
from badgesite.images.cards import CardContent, can_draw, draw_base, draw_card
from badgesite.images.outputs import ImageMaker
from badgesite.render import Translations
from badgesite.templating.themes import resolve_theme_chain
from helpers import EXAMPLE_SITE, FIXED_NOW, GOLDEN_SITE, tree_bytes

PNG = (GOLDEN_SITE / "content/images/maker.png").read_bytes()
SVG = (GOLDEN_SITE / "content/images/solder.svg").read_bytes()


def content(**changes) -> CardContent:
    values: dict = dict(
        title="Certified Maker",
        person="Ada Lovelace",
        details=("Issued by Harbour Lab", "Issued on 2 March 2024"),
        status="valid",
        status_label="Certification",
        footer="Harbour Lab badges",
        image_format="png",
        image_width=128,
        image_height=128,
    )
    values.update(changes)
    return CardContent(**values)


def draw(card: CardContent, image: bytes = PNG) -> bytes:
    if card.image_format == "svg":
        image = cards.rasterize_svg(image, *cards.picture_size(card.image_width, card.image_height))
    return draw_card(card, draw_base(image, card.image_width, card.image_height))


def glyph(font_file: str, character: str) -> bytes:
    canvas = Image.new("L", (80, 80))
    ImageDraw.Draw(canvas).text((10, 10), character, font=cards._font(font_file, 40), fill=255)
    return canvas.tobytes()


def pixels(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image


@pytest.fixture(scope="module")
def example_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("cards") / "output"
    build(EXAMPLE_SITE, output, now=FIXED_NOW)
    return output


def test_every_published_award_and_every_badge_has_a_card(example_output: Path) -> None:
    site = load_site(EXAMPLE_SITE)
    paths = [f"assertions/{award.id}/card.png" for award in site.published_awards]
    paths += [f"badges/{slug}/card.png" for slug in site.badges]
    for path in paths:
        assert pixels((example_output / path).read_bytes()).size == (1200, 630), path
    for award in site.awards.values():
        if not award.is_published:
            assert not (example_output / f"assertions/{award.id}").exists()


def test_cards_with_svg_text_and_cjk_are_drawn_the_same_every_time() -> None:
    chinese = content(person="陈晓彤", image_format="svg")
    assert draw(chinese, SVG) == draw(chinese, SVG)


def test_the_earner_name_is_drawn_and_changes_the_card() -> None:
    with_name = draw(content())
    assert with_name != draw(content(person=""))
    assert with_name != draw(content(person="Ada Byron"))


@pytest.mark.parametrize(
    "name", ["陈晓彤", "Δήμητρα Παπαδάκη", "Inês Gonçalves", "山田 太郎", "김민준"]
)
def test_non_latin_names_are_drawn_with_real_glyphs(name: str) -> None:
    assert can_draw(name)
    missing = glyph(cards.REGULAR, "\ue000")  # a character no font has: the .notdef box
    for character in name.replace(" ", ""):
        font_file = cards._font_file(character, cards.REGULAR)
        assert font_file is not None
        assert glyph(font_file, character) not in (missing, glyph(font_file, "\ue000"))
    assert draw(content(person=name)) != draw(content(person=""))


def test_every_earner_name_of_the_example_site_can_be_drawn() -> None:
    site = load_site(EXAMPLE_SITE)
    assert all(can_draw(earner.name) for earner in site.earners.values())


def test_a_name_the_fonts_cannot_draw_is_left_off_rather_than_shown_as_boxes() -> None:
    assert not can_draw("محمد")
    assert draw(content(person="محمد")) == draw(content(person=""))


def test_long_names_wrap_then_shorten_with_an_ellipsis() -> None:
    long_title = " ".join(["Extraordinarily"] * 3 + ["Comprehensive Kubernetes Operations"] * 4)
    fitted = cards._fit(long_title, cards.BOLD, cards.TITLE_SIZES, cards.TEXT_WIDTH, 3)
    assert fitted.size == cards.TITLE_SIZES[-1]
    assert len(fitted.lines) == 3 and fitted.lines[-1].endswith("…")
    for line in fitted.lines:
        assert cards._width(line, cards.BOLD, fitted.size) <= cards.TEXT_WIDTH
    short = cards._fit("Soldering", cards.BOLD, cards.TITLE_SIZES, cards.TEXT_WIDTH, 3)
    assert short == cards._Fitted(cards.TITLE_SIZES[0], ("Soldering",))


def test_words_and_cjk_text_wider_than_a_line_break_between_characters() -> None:
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 2
    fitted = cards._fit(word, cards.REGULAR, (46,), cards.TEXT_WIDTH, 2)
    assert len(fitted.lines) == 2 and "".join(fitted.lines).rstrip("…") in word
    han = "陈晓彤" * 6
    lines = cards._fit(han, cards.REGULAR, (46,), cards.TEXT_WIDTH, 3).lines
    assert len(lines) == 2 and "".join(lines) == han
    for line in lines:
        assert cards._width(line, cards.REGULAR, 46) <= cards.TEXT_WIDTH


def test_svg_badges_are_rasterized_with_the_bundled_fonts_only(monkeypatch) -> None:
    commands = []
    real = subprocess.run

    def spy(command, **options):
        commands.append(command)
        return real(command, **options)

    monkeypatch.setattr(subprocess, "run", spy)
    card = draw(content(image_format="svg"), SVG)
    assert pixels(card).size == (1200, 630)
    assert card != draw(content())
    (command,) = commands
    assert "skip_system_fonts=True" in command[3]
    fonts = command[6:]
    assert fonts and all(Path(path).parent == cards.FONT_DIR for path in fonts)


def test_an_svg_the_rasterizer_refuses_gets_a_neutral_emblem() -> None:
    assert cards.rasterize_svg(b"<svg xmlns='http://www.w3.org/2000/svg'><rect", 10, 10) == b""
    card = draw_card(content(image_format="svg"), draw_base(b"", 128, 128))
    assert pixels(card).size == (1200, 630)
    assert card != draw(content())


def nested_groups(depth: int) -> bytes:
    return (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
        + b"<g>" * depth
        + b'<rect width="9" height="9"/>'
        + b"</g>" * depth
        + b"</svg>"
    )


def test_a_crash_of_the_rasterizer_is_an_error_not_a_dead_build() -> None:
    """resvg dies by SIGSEGV on 1,000 nested groups; the child it runs in reports that."""
    with pytest.raises(cards.RasterizeCrash, match=r"crashed on it \(SIGSEGV\)"):
        cards.rasterize_svg(nested_groups(1000), 100, 100)
    assert cards.rasterize_svg(nested_groups(64), 100, 100).startswith(b"\x89PNG")


def test_an_svg_is_drawn_once_however_many_cards_show_it(tmp_path: Path, monkeypatch) -> None:
    cache = ImageCache(tmp_path / "cache")
    first = cards.svg_picture(SVG, "digest", 200, 200, cache)
    monkeypatch.setattr(subprocess, "run", None)  # a second child process would fail
    assert cards.svg_picture(SVG, "digest", 200, 200, cache) == first


def test_cards_show_what_the_award_page_shows(site: Path) -> None:
    """Unlisted earners' pages exist and name them; their cards do too. Private: no card."""
    loaded = load_site(site)
    theme = resolve_theme_chain(loaded.config.theme, site)
    maker = ImageMaker(
        loaded, ImageCache(None), Translations(theme, "en"), lambda moment: "", FIXED_NOW
    )
    for award in loaded.published_awards:
        card = maker.award_card(award)
        assert card.person == award.earner.name
        assert card.title == award.badge.name
        assert award.badge.issuer.name in card.details[0]
    unlisted = [a for a in loaded.published_awards if a.earner.visibility == "unlisted"]
    assert unlisted, "the golden site has an unlisted earner"
    assert all(a.earner.visibility != "private" for a in loaded.published_awards)


def test_a_rebuild_with_a_warm_cache_starts_no_rasterizer(tmp_path: Path, monkeypatch) -> None:
    """Every SVG of the example site (badges, issuers, imported badges) was drawn once, in
    the first build: the next one finds the pictures in the cache."""
    cache = tmp_path / "cache"
    build(EXAMPLE_SITE, tmp_path / "first", now=FIXED_NOW, cache_dir=cache)

    def no_child(*args, **options):
        raise AssertionError(f"a child process was started: {args[0][:3]}")

    monkeypatch.setattr(subprocess, "run", no_child)
    build(EXAMPLE_SITE, tmp_path / "second", now=FIXED_NOW, cache_dir=cache, clean=True)


def test_a_card_is_a_palette_png_that_keeps_the_badge_and_the_inks() -> None:
    """256 colours at most (a third of RGB's bytes to compress): the badge panel in its own
    colours, drawn once per badge, and every ink of the texts exactly, with steps to white."""
    card = pixels(draw(content(status="revoked", status_label="Revoked")))
    assert card.mode == "P"
    rgb = card.convert("RGB")
    colours = {colour for _, colour in rgb.getcolors(256)}
    for ink in (cards.INK, cards.MUTED, cards.FAINT, cards.STATUS_COLOURS["revoked"]):
        assert ImageColor.getrgb(ink) in colours
    assert cards.BASE_COLOURS + len(cards._ink_ramps()) // 3 <= 256
    # The panel as an RGB drawing would have it, within a few levels per channel.
    panel = Image.new("RGB", (cards.PANEL_WIDTH, cards.HEIGHT), cards.PANEL)
    badge = cards._badge_picture(PNG, 128, 128)
    panel.paste(
        badge, ((cards.PANEL_WIDTH - badge.width) // 2, (cards.HEIGHT - badge.height) // 2), badge
    )
    difference = ImageChops.difference(panel, rgb.crop((0, 0, cards.PANEL_WIDTH, cards.HEIGHT)))
    assert max(ImageStat.Stat(difference).mean) < 2


def test_a_badge_base_is_drawn_once_for_all_its_cards_and_kept_for_the_next_build(
    site: Path, tmp_path: Path, monkeypatch
) -> None:
    loaded = load_site(site)
    real_base, real_card = cards.draw_base, cards.draw_card
    calls = {"base": 0, "card": 0}

    def base(*args):
        calls["base"] += 1
        return real_base(*args)

    def card(*args):
        calls["card"] += 1
        return real_card(*args)

    monkeypatch.setattr(cards, "draw_base", base)
    monkeypatch.setattr(cards, "draw_card", card)
    cache = tmp_path / "cache"
    build(site, tmp_path / "first", now=FIXED_NOW, cache_dir=cache)
    images = {badge.image.digest for badge in loaded.badges.values()}
    assert calls == {"base": len(images), "card": len(loaded.published_awards) + len(loaded.badges)}
    assert calls["card"] > calls["base"]
    # Cards cached too: none drawn. Without them (a new day's statuses, say), only texts are.
    calls.update(base=0, card=0)
    build(site, tmp_path / "second", now=FIXED_NOW, cache_dir=cache, clean=True)
    assert calls == {"base": 0, "card": 0}
    shutil.rmtree(cache / "images" / "card")
    build(site, tmp_path / "third", now=FIXED_NOW, cache_dir=cache, clean=True)
    assert calls["base"] == 0 and calls["card"] > 0
    assert tree_bytes(tmp_path / "third") == tree_bytes(tmp_path / "first")


def test_a_base_is_read_once_for_a_badges_cards_and_the_cards_are_unchanged(monkeypatch) -> None:
    """A badge's cards are made side by side from the same base: its pixels are read once,
    and the texts a badge's cards share (title, label, issuer, footer) are measured once."""
    base = draw_base(PNG, 128, 128)
    people = ("Ada Lovelace", "Grace Hopper", "Katherine Johnson")
    cards._canvas.cache_clear()
    cards._fit.cache_clear()
    fresh = []
    for person in people:  # each as if alone: nothing kept from the card before
        fresh.append(draw_card(content(person=person), base))
        cards._canvas.cache_clear()
        cards._fit.cache_clear()
    opened = []
    real_open = Image.open

    def counting(*args, **kwargs):
        opened.append(1)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(Image, "open", counting)
    assert [draw_card(content(person=person), base) for person in people] == fresh
    assert len(opened) == 1
    assert cards._fit.cache_info().hits >= 2 * 4  # title, label, issuer, footer again


@pytest.mark.parametrize("fraction", [0.0, 0.25, 0.4375, 0.7, 0.999])
def test_a_kept_line_mask_inks_as_image_draw_text_does(fraction: float) -> None:
    """A line is drawn once into a mask and inked through it on each card: pixel for pixel
    what ImageDraw.text draws at that pen position, over other ink too."""
    for text, font_file, size in (
        ("Certified Maker", cards.BOLD, 60),
        ("Ågot Þórsdóttir-Quay", cards.REGULAR, 46),
        ("陈晓彤", cards.CJK, 40),
        ("jy", cards.REGULAR, 24),
    ):
        x, baseline = 37 + fraction, 80
        direct = Image.new("RGB", (700, 160), cards.BACKGROUND)
        kept = direct.copy()
        for image in (direct, kept):
            ImageDraw.Draw(image).rectangle((40, 60, 90, 100), fill=cards.MUTED)
        ImageDraw.Draw(direct).text(
            (x, baseline), text, font=cards._font(font_file, size), fill=cards.INK, anchor="ls"
        )
        pen = cards._Pen(ImageDraw.Draw(kept))
        whole = int(x)
        mask, left, top = cards._line_mask(text, font_file, size, x - whole)
        pen.draw.bitmap((whole + left, baseline + top), mask, fill=cards.INK)
        assert kept.tobytes() == direct.tobytes(), (text, fraction)


def test_the_texts_a_badges_cards_share_are_drawn_once() -> None:
    base = draw_base(PNG, 128, 128)
    cards._line_mask.cache_clear()
    draw_card(content(person="Ada Lovelace"), base)
    first = cards._line_mask.cache_info()
    draw_card(content(person="Grace Hopper"), base)
    second = cards._line_mask.cache_info()
    # Label, title, issuer, date and footer come from the masks kept; only the name is new.
    assert second.misses - first.misses == 1
    assert second.hits - first.hits >= 5


class _WholePen(cards._Pen):
    """How cards were drawn before the kept masks: ImageDraw.text straight onto the texts,
    every row of them mapped to the palette."""

    def line(self, x: int, baseline: int, text: str, primary: str, size: int, fill: str) -> None:
        position = float(x)
        for name, part in cards._runs(text, primary):
            font = cards._font(name, size)
            self.draw.text((position, baseline), part, font=font, fill=fill, anchor="ls")
            position += cards._length(name, size, part)

    def inked_rows(self) -> list[tuple[int, int]]:
        return [(0, cards.HEIGHT)]


@pytest.mark.parametrize(
    "person",
    [
        "Ada Lovelace",
        "Ågot Þórsdóttir-Quay jy",
        "陈晓彤 and Zoë",
        "a" + "\u0301" * 120,  # combining marks stacked far above the line
        "W" * 120,  # wraps, then shortened
        "\u200b",
    ],
)
def test_a_card_has_the_pixels_of_text_drawn_straight_onto_it(person: str, monkeypatch) -> None:
    """Kept masks, the rows they record and the spliced PNG give the pixels of drawing each
    line with ImageDraw.text and mapping the whole text area to the palette."""
    base = draw_base(PNG, 128, 128)
    card = content(person=person, status="revoked", status_label="Revoked")
    kept = pixels(draw_card(card, base))
    monkeypatch.setattr(cards, "_Pen", _WholePen)
    whole = pixels(draw_card(card, base))
    assert kept.tobytes() == whole.tobytes() and kept.getpalette() == whole.getpalette()


def test_a_canvas_made_again_reuses_its_compressed_bands() -> None:
    """Cards come in the order of their awards' ids, so a badge's canvas can be dropped from
    the 8 kept between two of its cards: its bands, kept apart, are not compressed again."""
    base = draw_base(PNG, 128, 128)
    cards._canvas.cache_clear()
    cards._bands.cache_clear()
    draw_card(content(person="Ada Lovelace"), base)
    bands = dict(cards._bands(base))
    assert bands
    cards._canvas.cache_clear()  # as if 8 other badges' cards came between
    draw_card(content(person="Grace Hopper"), base)
    assert cards._canvas(base).segments is cards._bands(base)
    assert all(cards._bands(base)[band] is segment for band, segment in bands.items())
