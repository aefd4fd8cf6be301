"""Baking: the assertion URL inside each award's image, read back by openbadges-bakery too."""

from __future__ import annotations

import io
import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from badgesite.build import build, load_site
from badgesite.cli import main
from badgesite.openbadges.bake import (
    BakeError,
    bake,
    bake_png,
    bake_svg,
    unbake,
    unbake_png,
)
from conftest import EXAMPLE_SITE, FIXED_NOW, GOLDEN_SITE, REPO
from test_conformance import VALIDATOR_PYTHON

URL = "https://badges.example.org/assertions/1234.json"
SVG = (GOLDEN_SITE / "content/images/solder.svg").read_bytes()
PNG = (GOLDEN_SITE / "content/images/maker.png").read_bytes()


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    found, position = [], 8
    while position < len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        body = data[position + 8 : position + 8 + length]
        found.append((data[position + 4 : position + 8], body))
        position += 12 + length
    return found


def test_png_gets_one_uncompressed_itxt_chunk_before_iend_and_nothing_else_changes() -> None:
    baked = bake_png(PNG, URL)
    types = [chunk_type for chunk_type, _ in chunks(baked)]
    assert types[-2:] == [b"iTXt", b"IEND"]
    assert chunks(baked)[-2][1] == b"openbadges\x00\x00\x00\x00\x00" + URL.encode()
    inserted = 12 + len(chunks(baked)[-2][1])
    iend = len(baked) - 12
    assert baked[: iend - inserted] + baked[iend:] == PNG  # the original bytes, untouched
    with Image.open(io.BytesIO(baked)) as image, Image.open(io.BytesIO(PNG)) as original:
        assert image.tobytes() == original.tobytes()
    assert unbake_png(baked) == URL


def test_baking_again_replaces_the_payload() -> None:
    for data in (PNG, SVG):
        twice = bake(bake(data, URL), "https://other.example/a.json")
        assert unbake(twice) == "https://other.example/a.json"
        assert twice.count(b"openbadges:assertion" if data is SVG else b"openbadges\x00") == 1


def test_svg_gets_the_namespace_and_assertion_element_and_stays_well_formed() -> None:
    tricky = 'https://x.example/a?b=1&c="2"'
    baked = bake_svg(SVG, tricky)
    root = ET.fromstring(baked)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    first = root[0]
    assert first.tag == "{http://openbadges.org}assertion"
    assert first.get("verify") == tricky
    assert b'xmlns:openbadges="http://openbadges.org"' in baked
    assert unbake(baked) == tricky
    # everything after the root's start tag is the original text
    assert baked.split(b"/>", 1)[1].endswith(SVG.split(b">", 1)[1])


def test_svg_root_is_moved_within_the_first_256_bytes_for_sniffing_bakers() -> None:
    padded = b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- ' + b"c" * 400 + b" -->\n" + SVG
    baked = bake_svg(padded, URL)
    assert baked.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<svg')
    assert unbake(baked) == URL


def test_images_without_payload_and_damaged_ones() -> None:
    assert unbake(PNG) is None
    assert unbake(SVG) is None
    with pytest.raises(BakeError, match="not a PNG or SVG"):
        bake(b"GIF89a", URL)
    with pytest.raises(BakeError, match="truncated"):
        bake(PNG[:-20], URL)
    damaged = bytearray(PNG)
    damaged[20] ^= 0xFF
    with pytest.raises(BakeError, match="damaged"):
        bake(bytes(damaged), URL)


def test_cli_bakes_and_unbakes(tmp_path: Path) -> None:
    runner = CliRunner()
    source = tmp_path / "maker.png"
    source.write_bytes(PNG)
    out = tmp_path / "out" / "baked.png"
    result = runner.invoke(main, ["bake", str(source), URL, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(main, ["unbake", str(out)]).output == URL + "\n"
    assert source.read_bytes() == PNG


def test_cli_unbake_of_an_unbaked_image_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "plain.svg"
    source.write_bytes(SVG)
    result = CliRunner().invoke(main, ["unbake", str(source)])
    assert result.exit_code == 1
    assert result.output == "error: plain.svg has no baked Open Badges assertion\n"


def test_cli_bake_refuses_a_mismatched_extension(tmp_path: Path) -> None:
    source = tmp_path / "maker.png"
    source.write_bytes(PNG)
    result = CliRunner().invoke(main, ["bake", str(source), URL, "-o", str(tmp_path / "x.svg")])
    assert result.exit_code == 1
    assert result.output == "error: maker.png is PNG: write it to a .png file\n"
    assert not (tmp_path / "x.svg").exists()


@pytest.fixture(scope="module")
def example_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("baked") / "output"
    build(EXAMPLE_SITE, output, now=FIXED_NOW)
    return output


def test_every_published_award_has_a_baked_image_named_in_its_assertion(example_output) -> None:
    site = load_site(EXAMPLE_SITE)
    formats = set()
    for award in site.awards.values():
        document = example_output / f"assertions/{award.id}.json"
        baked = list(example_output.glob(f"assertions/{award.id}.*g"))
        if not award.is_published:
            assert not document.exists() and baked == []
            continue
        image = json.loads(document.read_text())["image"]
        extension = award.badge.image.extension
        assert image == f"{site.config.base_url}assertions/{award.id}.{extension}"
        assert baked == [example_output / f"assertions/{award.id}.{extension}"]
        formats.add(extension)
    assert formats == {"png", "svg"}


def test_openbadges_bakery_reads_every_baked_image(example_output) -> None:
    """openbadges-bakery is an independent implementation: it must find the assertion URL."""
    if not VALIDATOR_PYTHON.exists():
        pytest.fail("the validator venv is not set up: run scripts/setup-validator-venv")
    site = load_site(EXAMPLE_SITE)
    expected = {
        str(example_output / f"assertions/{award.id}.{award.badge.image.extension}"): (
            f"{site.config.base_url}assertions/{award.id}.json"
        )
        for award in site.published_awards
    }
    completed = subprocess.run(
        [str(VALIDATOR_PYTHON), str(REPO / "tests/conformance/unbake_all.py"), *expected],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(completed.stdout) == expected


def test_an_svg_mentioned_in_a_leading_comment_is_not_taken_for_the_root() -> None:
    decoy = b"<!-- <svg> is the root below -->\n" + SVG
    baked = bake_svg(decoy, URL)
    assert baked.startswith(b"<!-- <svg> is the root below -->\n<svg")
    assert ET.fromstring(baked)[0].get("verify") == URL


def test_cli_names_the_file_that_is_not_an_image(tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("hello")
    result = CliRunner().invoke(main, ["unbake", str(source)])
    assert result.exit_code == 1
    assert result.output == "error: notes.txt is not a PNG or SVG image\n"
