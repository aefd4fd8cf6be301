"""The image cache and srcset variants: no Pillow work on rebuilds, no change in the output."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import resvg_py
from click.testing import CliRunner
from PIL import Image

from badgesite.build import build
from badgesite.cli import main
from helpers import EXAMPLE_SITE, FIXED_NOW, GOLDEN_SITE, tree_bytes


class PillowSpy:
    """Counts every entry into Pillow's decoders and canvases, and into the SVG rasterizer."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        for owner, name in ((Image, "open"), (Image, "new"), (resvg_py, "svg_to_bytes")):
            real = getattr(owner, name)
            monkeypatch.setattr(owner, name, self._counting(name, real))

    def _counting(self, name, real):
        def counted(*args, **kwargs):
            self.calls.append(name)
            return real(*args, **kwargs)

        return counted


def test_cold_warm_and_deleted_caches_give_identical_bytes_and_warm_does_no_pillow_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    build(GOLDEN_SITE, tmp_path / "cold", now=FIXED_NOW, cache_dir=cache)
    assert any(cache.rglob("*")), "the first build filled the cache"
    with monkeypatch.context() as patches:
        spy = PillowSpy(patches)
        build(GOLDEN_SITE, tmp_path / "warm", now=FIXED_NOW, cache_dir=cache)
        assert spy.calls == []
    shutil.rmtree(cache)
    build(GOLDEN_SITE, tmp_path / "deleted", now=FIXED_NOW, cache_dir=cache)
    cold = tree_bytes(tmp_path / "cold")
    assert cold == tree_bytes(tmp_path / "warm") == tree_bytes(tmp_path / "deleted")
    assert any(path.endswith("card.png") for path in cold)


def test_the_example_site_rebuilds_identically_with_no_pillow_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    build(EXAMPLE_SITE, tmp_path / "first", now=FIXED_NOW, cache_dir=cache)
    spy = PillowSpy(monkeypatch)
    build(EXAMPLE_SITE, tmp_path / "second", now=FIXED_NOW, cache_dir=cache)
    assert spy.calls == []
    assert tree_bytes(tmp_path / "first") == tree_bytes(tmp_path / "second")


def test_a_changed_image_is_processed_again_and_then_kept(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    build(site, tmp_path / "first", now=FIXED_NOW, cache_dir=cache)
    image = site / "content/images/maker.png"
    with Image.open(image) as original:
        changed = original.convert("RGBA").rotate(90)
    changed.save(image, format="PNG")
    spy = PillowSpy(monkeypatch)
    build(site, tmp_path / "second", now=FIXED_NOW, cache_dir=cache)
    assert spy.calls, "the changed image was processed"
    calls = len(spy.calls)
    build(site, tmp_path / "third", now=FIXED_NOW, cache_dir=cache)
    assert len(spy.calls) == calls, "and then kept"


def test_the_default_cache_lives_in_the_site_and_cli_can_move_it(site: Path, tmp_path: Path):
    build(site, site / "output", now=FIXED_NOW)
    assert any((site / ".cache/badgesite/images").rglob("*"))
    elsewhere = tmp_path / "elsewhere"
    result = CliRunner().invoke(main, ["build", "--site", str(site), "--cache-dir", str(elsewhere)])
    assert result.exit_code == 0, result.output
    assert any(elsewhere.rglob("card"))


def test_png_badges_get_srcset_variants_made_from_the_original(site: Path) -> None:
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    with Image.open(output / "badges/certified-maker/image-64.png") as variant:
        assert variant.size == (64, 64)
    # the original is 128 pixels wide: no variant as large, none larger
    assert sorted(p.name for p in output.glob("badges/certified-maker/image-*")) == ["image-64.png"]
    page = (output / "badges/certified-maker/index.html").read_text()
    assert (
        'src="../../badges/certified-maker.png" srcset="../../badges/certified-maker/image-64.png'
        ' 64w, ../../badges/certified-maker.png 128w" sizes="160px"'
    ) in page
    svg_page = (output / "badges/soldering/index.html").read_text()
    assert 'src="../../badges/soldering.svg" alt=' in svg_page  # vector images need no variants
    assert not list(output.glob("badges/soldering/image-*"))


def test_variants_are_real_downscales_of_the_image(site: Path) -> None:
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    with Image.open(site / "content/images/maker.png") as original:
        expected = original.convert("RGBA").resize((64, 64), Image.Resampling.LANCZOS)
    with Image.open(output / "badges/certified-maker/image-64.png") as variant:
        assert variant.convert("RGBA").tobytes() == expected.tobytes()
    original_bytes = (site / "content/images/maker.png").read_bytes()
    assert (output / "badges/certified-maker.png").read_bytes() == original_bytes


def test_changed_image_code_does_not_reuse_what_the_old_code_made(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from badgesite.images import cards
    from badgesite.images import outputs as image_outputs

    cache = tmp_path / "cache"
    build(site, tmp_path / "first", now=FIXED_NOW, cache_dir=cache)
    monkeypatch.setattr(image_outputs, "code_fingerprint", lambda path: "edited " + path)
    monkeypatch.setattr(cards, "code_fingerprint", lambda path: "edited " + path)
    spy = PillowSpy(monkeypatch)
    build(site, tmp_path / "second", now=FIXED_NOW, cache_dir=cache)
    assert "new" in spy.calls  # cards and variants were made again
