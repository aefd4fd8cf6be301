"""The image cache and srcset variants: no Pillow work on rebuilds, no change in the output."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from badgesite.build import build
from badgesite.cache import code_identity
from badgesite.cli import main
from badgesite.images import cards
from helpers import EXAMPLE_SITE, FIXED_NOW, GOLDEN_SITE, tree_bytes


class PillowSpy:
    """Counts every entry into Pillow's decoders and canvases, and every child process
    started to run the SVG rasterizer (resvg runs in one, see cards.rasterize_svg)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        for owner, name in ((Image, "open"), (Image, "new"), (subprocess, "run")):
            real = getattr(owner, name)
            monkeypatch.setattr(owner, name, self._counting(name, real))

    def _counting(self, name, real):
        def counted(*args, **kwargs):
            command = args[0] if args else kwargs.get("args")
            if name != "run":
                self.calls.append(name)
            elif isinstance(command, list) and cards._RASTERIZE in command:
                self.calls.append("rasterizer")
            return real(*args, **kwargs)

        return counted


def test_cold_warm_and_deleted_caches_give_identical_bytes_and_warm_does_no_pillow_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    with monkeypatch.context() as patches:
        spy = PillowSpy(patches)
        build(GOLDEN_SITE, tmp_path / "cold", now=FIXED_NOW, cache_dir=cache)
        assert {"open", "new", "rasterizer"} <= set(spy.calls), "the spy sees all the work"
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


STORES = ["outputs.store", "records.store", "sources.store"]


def _stores(root: Path) -> list[str]:
    return sorted(path.name for path in (root / "build").glob("*/*.store"))


def test_the_default_cache_lives_in_the_site_and_cli_can_move_all_of_it(
    site: Path, tmp_path: Path
) -> None:
    pristine = tmp_path / "pristine"
    shutil.copytree(site, pristine, ignore=shutil.ignore_patterns(".cache"))
    build(site, site / "output", now=FIXED_NOW)
    assert any((site / ".cache/badgesite/images/card").rglob("*"))
    assert _stores(site / ".cache/badgesite") == STORES

    elsewhere = tmp_path / "elsewhere"
    command = ["build", "--site", str(pristine), "--cache-dir", str(elsewhere)]
    environment = {"SOURCE_DATE_EPOCH": "1761998400"}
    result = CliRunner().invoke(main, command, env=environment)
    assert result.exit_code == 0, result.output
    assert any((elsewhere / "images/card").rglob("*"))
    assert _stores(elsewhere) == STORES
    assert not (pristine / ".cache").exists(), "nothing is kept in the site"
    # The next build finds the stamp there: nothing to do.
    again = CliRunner().invoke(main, command, env=environment)
    assert again.exit_code == 0 and "0 written" in again.stdout, again.output
    assert not (pristine / ".cache").exists()


@pytest.mark.parametrize("inside", ["output", "output/cache", "content/cache", "templates"])
def test_a_cache_folder_a_build_would_publish_or_read_is_refused(site: Path, inside: str) -> None:
    build(site, site / "output", now=FIXED_NOW)
    before = tree_bytes(site)
    command = ["build", "--site", str(site), "--cache-dir", str(site / inside)]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1
    assert "refusing to keep the cache in" in result.stderr
    assert tree_bytes(site) == before


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
    cache = tmp_path / "cache"
    build(site, tmp_path / "first", now=FIXED_NOW, cache_dir=cache)
    edited = code_identity.code_fingerprint() + " edited"
    monkeypatch.setattr(code_identity, "code_fingerprint", lambda: edited)
    spy = PillowSpy(monkeypatch)
    build(site, tmp_path / "second", now=FIXED_NOW, cache_dir=cache)
    # Cards, variants and SVG pictures were made again, and the images checked again.
    assert {"open", "new", "rasterizer"} <= set(spy.calls)
    assert tree_bytes(tmp_path / "first") == tree_bytes(tmp_path / "second")


def test_a_damaged_image_in_the_cache_is_made_again_not_published(
    site: Path, tmp_path: Path, caplog
) -> None:
    cache = tmp_path / "cache"
    build(site, tmp_path / "first", now=FIXED_NOW, cache_dir=cache)
    blobs = sorted((cache / "images/card").rglob("*"))
    (damaged,) = [path for path in blobs if path.is_file()][:1]
    data = bytearray(damaged.read_bytes())
    data[-100] ^= 0xFF  # one flipped bit pattern inside the PNG: no error from Pillow
    damaged.write_bytes(bytes(data))
    build(site, tmp_path / "second", now=FIXED_NOW, cache_dir=cache)
    assert tree_bytes(tmp_path / "first") == tree_bytes(tmp_path / "second")
    assert [record.levelname for record in _cache_log(caplog)] == ["WARNING"]
    assert str(damaged) in _cache_log(caplog)[0].getMessage()


def _cache_log(caplog) -> list:
    return [record for record in caplog.records if record.name == "badgesite.cache"]
