"""Baking: the assertion URL inside each award's image, read back by openbadges-bakery too,
and the Open Badges 3.0 credential beside it, read back by openbadgeslib and Pillow."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from badgesite.build import build, load_site
from badgesite.cli import main
from badgesite.errors import BuildError
from badgesite.images.svg_checks import check_svg_bytes
from badgesite.openbadges.bake import (
    MAX_CREDENTIAL_BYTES,
    BakeError,
    bake,
    bake_file,
    bake_png,
    bake_svg,
    unbake,
    unbake_credential,
    unbake_png,
)
from badgesite.openbadges.ob3 import credential_bytes
from badgesite.openbadges.unbake import UnbakeProblem, baked_payload
from badgesite.primitives.png_chunks import make_chunk, walk_png
from helpers import EXAMPLE_SITE, FIXED_NOW, GOLDEN_SITE, REPO, tree_bytes
from loopback import serve_corpus
from ob3_verifiers import OPENBADGESLIB_VENV
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


def tree(element: ET.Element) -> list:
    """Tags, attributes and texts of every element: what a document says, not its spelling."""
    return [
        (e.tag, dict(e.attrib), (e.text or "").strip(), (e.tail or "").strip())
        for e in element.iter()
    ]


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
    # the rest is the original document, element for element
    root.remove(first)
    assert tree(root) == tree(ET.fromstring(SVG))


def test_svg_root_is_moved_within_the_first_256_bytes_for_sniffing_bakers() -> None:
    padded = b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- ' + b"c" * 400 + b" -->\n" + SVG
    baked = bake_svg(padded, URL)
    assert baked.startswith(b"<svg")
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
    assert baked.startswith(b"<svg")  # neither comments nor the declaration are kept
    assert ET.fromstring(baked)[0].get("verify") == URL


def test_cli_names_the_file_that_is_not_an_image(tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("hello")
    result = CliRunner().invoke(main, ["unbake", str(source)])
    assert result.exit_code == 1
    assert result.output == "error: notes.txt is not a PNG or SVG image\n"


OPENBADGES_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org" '
    b'width="128" height="128">%s<circle r="9"/></svg>'
)
# Each passes every check as given (the payloads are text, or elements the checks allow);
# text-matching bakers turned each into live markup.
HIDDEN_PAYLOADS = [
    b"<openbadges:assertion><![CDATA[</openbadges:assertion><script>alert(1)</script>]]>"
    b"</openbadges:assertion>",
    b"<openbadges:assertion><![CDATA[</openbadges:assertion><image href=x onerror=alert(1)>]]>"
    b"</openbadges:assertion>",
    b"<openbadges:assertion verify='a'/><g><openbadges:assertion><![CDATA[x]]>"
    b"</openbadges:assertion><title><![CDATA[<openbadges:assertion/><script>1</script>]]>"
    b"</title></g>",
    b'<g openbadges:verify="https://evil.example/"><openbadges:assertion>'
    b"&lt;/openbadges:assertion&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    b"</openbadges:assertion></g>",
]


def markup(data: bytes) -> list[str]:
    """Every element's local name, and every attribute name, of a parsed document."""
    names = []
    for element in ET.fromstring(data).iter():
        names.append(element.tag.rsplit("}", 1)[-1])
        names.extend(key.rsplit("}", 1)[-1] for key in element.attrib)
    return names


@pytest.mark.parametrize("hidden", HIDDEN_PAYLOADS)
def test_a_payload_hidden_in_an_assertion_never_becomes_markup(hidden: bytes) -> None:
    data = OPENBADGES_SVG % hidden
    baked = bake_svg(data, URL)
    names = markup(baked)
    assert "script" not in names and "onerror" not in names and "image" not in names
    assert names.count("assertion") == 1 and "verify" in names  # ours, and only ours
    assert unbake(baked) == URL
    assert check_svg_bytes(baked, "baked") == (128, 128)
    assert bake_svg(baked, URL) == baked  # baking again changes nothing


def test_text_that_looks_like_markup_stays_escaped_text() -> None:
    data = OPENBADGES_SVG % b"<title><![CDATA[<script>alert(1)</script> & <b>]]></title>"
    baked = bake_svg(data, URL)
    assert b"&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" in baked
    assert ET.fromstring(baked).find("{http://www.w3.org/2000/svg}title").text == (
        "<script>alert(1)</script> & <b>"
    )


def test_other_namespaces_keep_their_prefixes_and_meaning() -> None:
    data = (
        b'<svg:svg xmlns:svg="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        b' xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" width="64" height="64">'
        b'<svg:defs><svg:rect id="r" width="5" height="5"/></svg:defs>'
        b'<svg:use xlink:href="#r" inkscape:label="a &amp; b"/>'
        b'<svg:g xml:space="preserve"><x xmlns="">no namespace<svg:circle r="1"/></x></svg:g>'
        b"<svg:text>line\r&#10;two</svg:text></svg:svg>"
    )
    baked = bake_svg(data, URL)
    assert baked.startswith(
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org" '
        b'xmlns:xlink="http://www.w3.org/1999/xlink" '
        b'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" width="64"'
    )
    assert b'<use xlink:href="#r" inkscape:label="a &amp; b"/>' in baked
    assert (
        b'<x xmlns="">no namespace<circle xmlns="http://www.w3.org/2000/svg" r="1"/></x>' in baked
    )
    root = ET.fromstring(baked)
    root.remove(root[0])
    assert tree(root) == tree(ET.fromstring(data))


def test_hostile_and_malformed_svg_are_bake_errors() -> None:
    cases = [
        (
            b'<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
            "DTD",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><openbadges:x/></svg>', "not well-formed"),
        # expat refuses its namespace separator in a namespace: "{x}y}b" cannot be misread
        (b'<svg xmlns="http://www.w3.org/2000/svg"><a:b xmlns:a="x}y"/></svg>', "not well-formed"),
    ]
    for data, reason in cases:
        with pytest.raises(BakeError, match=reason):
            bake_svg(data, URL)
        with pytest.raises(BakeError, match=reason):
            unbake(data)
    with pytest.raises(BakeError, match="root element is not <svg>"):
        bake_svg(b"<svg><rect/></svg>", URL)  # no namespace: not SVG
    with pytest.raises(BakeError, match="characters that XML cannot carry"):
        bake_svg(SVG, "https://x.example/\x00")


def png_with(*chunks: tuple[bytes, bytes]) -> bytes:
    """PNG with extra chunks after IHDR."""
    layout = walk_png(PNG)
    ihdr = layout.chunks[0]
    extra = b"".join(make_chunk(kind, body) for kind, body in chunks)
    return PNG[: ihdr.end] + extra + PNG[ihdr.end :]


METADATA_CHUNKS = (
    (b"tEXt", b"Author\x00ada@example.org"),
    (b"zTXt", b"Comment\x00\x00" + zlib.compress(b"ada@example.org")),
    (b"iTXt", b"openbadges\x00\x00\x00\x00\x00https://old.example/a.json"),
    (b"eXIf", b"MM\x00*\x00\x00\x00\x08\x00\x00"),
    (b"tIME", b"\x07\xea\x0c\x01\x0c\x00\x00"),
    (b"prVt", b"ada@example.org"),
    (b"iCCP", b"ada@example.org\x00\x00" + zlib.compress(b"profile")),
    (b"gAMA", b"\x00\x00\xb1\x8f"),
)


def test_baking_a_png_drops_its_metadata_and_keeps_its_pixels() -> None:
    data = png_with(*METADATA_CHUNKS)
    baked = bake_png(data, URL)
    kinds = [chunk_type for chunk_type, _ in chunks(baked)]
    assert kinds == [b"IHDR", b"iCCP", b"gAMA", b"IDAT", b"iTXt", b"IEND"]
    assert b"ada@example.org" not in baked
    assert dict(chunks(baked))[b"iCCP"].startswith(b"ICC profile\x00\x00")
    assert unbake(baked) == URL
    with Image.open(io.BytesIO(baked)) as image, Image.open(io.BytesIO(PNG)) as original:
        assert image.tobytes() == original.tobytes()


def test_one_reader_with_one_set_of_limits_for_the_cli_and_the_importer() -> None:
    bomb = png_with((b"iTXt", b"openbadges\x00\x01\x00\x00\x00" + zlib.compress(b" " * 50_000_000)))
    compressed = png_with((b"zTXt", b"openbadges\x00\x00" + zlib.compress(URL.encode())))
    latin = png_with((b"tEXt", b"openbadges\x00https://x.example/caf\xe9"))
    empty_then_real = png_with(
        (b"tEXt", b"openbadges\x00 "), (b"tEXt", b"openbadges\x00" + URL.encode())
    )
    for data, expected in (
        (compressed, URL),
        (latin, "https://x.example/caf\xe9"),
        (empty_then_real, URL),
        (bake_svg(SVG, URL), URL),
    ):
        assert unbake(data) == baked_payload(data) == expected
    # A plain tEXt payload over the limit is refused as a compressed one is (it was read).
    plain_large = png_with((b"tEXt", b"openbadges\x00" + b"h" * (1024 * 1024 + 1)))
    for data, reason in ((bomb, "too large"), (plain_large, "too large"), (PNG[:-20], "truncated")):
        with pytest.raises(BakeError, match=reason):
            unbake(data)
        with pytest.raises(UnbakeProblem, match=reason):
            baked_payload(data)


HOSTILE_COUNT = 50_000  # each `<openbadges:assertion ` is 22 bytes: over 1 MB in all


@pytest.mark.parametrize(
    "hostile",
    [
        b"<!-- " + b"<openbadges:assertion " * HOSTILE_COUNT + b"-->",
        b"<title>" + b"&lt;openbadges:assertion verify='x' " * HOSTILE_COUNT + b"</title>",
        b"<![CDATA[" + b"<openbadges:assertion><![CDATA[" * HOSTILE_COUNT + b"]]>",
    ],
    ids=["comment", "text", "cdata"],
)
def test_bake_and_unbake_are_linear_on_megabytes_of_assertion_text(
    tmp_path: Path, hostile: bytes
) -> None:
    """The old regular expressions went quadratic here: minutes for 176 kB, hours for 1 MB."""
    source = tmp_path / "hostile.svg"
    source.write_bytes(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><title>'
        + hostile.replace(b"<title>", b"").replace(b"</title>", b"")
        + b"</title></svg>"
    )
    assert source.stat().st_size > 1_000_000
    command = [sys.executable, "-m", "badgesite"]
    baked = tmp_path / "baked.svg"
    subprocess.run([*command, "bake", str(source), URL, "-o", str(baked)], timeout=60, check=True)
    unbaked = subprocess.run(
        [*command, "unbake", str(baked)], capture_output=True, text=True, timeout=60, check=True
    )
    assert unbaked.stdout == URL + "\n"
    plain = subprocess.run([*command, "unbake", str(source)], capture_output=True, timeout=60)
    assert plain.returncode == 1


def test_the_build_bakes_the_parsed_badge_so_hidden_markup_stays_text(site: Path) -> None:
    """End to end: a badge SVG hiding a script in a CDATA section passes its checks; every
    baked copy the build writes is judged by the same checks, and has no script."""
    image = site / "content/images/solder.svg"
    original = image.read_bytes()
    image.write_bytes(
        original.replace(b"<svg ", b'<svg xmlns:openbadges="http://openbadges.org" ', 1).replace(
            b"</svg>", HIDDEN_PAYLOADS[0] + HIDDEN_PAYLOADS[1] + b"</svg>"
        )
    )
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    loaded = load_site(site)
    baked_files = [
        output / f"assertions/{award.id}.svg"
        for award in loaded.published_awards
        if award.badge.image.path == image
    ]
    assert baked_files
    for path in baked_files:
        data = path.read_bytes()
        assert b"<script" not in data and b"<image" not in data
        assert "script" not in markup(data)
        check_svg_bytes(data, path.name)
        assert unbake(data).endswith(f"/assertions/{path.stem}.json")


def test_the_build_publishes_badge_and_issuer_pngs_without_metadata(site: Path) -> None:
    image = site / "content/images/maker.png"
    image.write_bytes(png_with(*METADATA_CHUNKS))
    issuer = site / "content/issuers/harbour-lab.yaml"
    issuer.write_text(issuer.read_text().replace("images/harbour-lab.svg", "images/maker.png"))
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    published = [output / "badges/certified-maker.png", output / "issuers/harbour-lab.png"]
    published += list((output / "assertions").glob("*.png"))
    variants = list((output / "badges/certified-maker").glob("image-*.png"))
    assert len(published) > 1 and variants
    for path in variants:
        assert b"ada@example.org" not in path.read_bytes(), path
    for path in published:
        data = path.read_bytes()
        assert b"ada@example.org" not in data and b"old.example" not in data, path
        kinds = {chunk_type for chunk_type, _ in chunks(data)}
        assert not kinds & {b"tEXt", b"zTXt", b"eXIf", b"tIME", b"prVt"}, path
        with Image.open(io.BytesIO(data)) as picture, Image.open(io.BytesIO(PNG)) as original:
            assert picture.tobytes() == original.tobytes()


def test_an_imported_badge_png_is_published_without_metadata(site: Path, tmp_path: Path) -> None:
    """Another issuer's image (perhaps baked, with their payload and text) is published with
    only its rendering chunks, like our own."""
    with serve_corpus(tmp_path / "www") as corpus:
        url = corpus.base + "assertions/valid-iri.json"
        arguments = ["import", url, "--earner", "ada", "--site", str(site)]
        arguments += ["--email", "ada@learner.example"]
        result = CliRunner().invoke(main, [*arguments, "--allow-private-hosts"])
    assert result.exit_code == 0, result.output
    (image,) = (site / "content/imported").glob("*/badge.png")
    original = image.read_bytes()
    with Image.open(io.BytesIO(original)) as picture:
        pixels_before = picture.tobytes()
    layout = walk_png(original)
    ihdr = layout.chunks[0]
    extra = b"".join(make_chunk(kind, body) for kind, body in METADATA_CHUNKS)
    image.write_bytes(original[: ihdr.end] + extra + original[ihdr.end :])
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    (published,) = output.glob(f"earners/ada/imported/{image.parent.name}/badge.png")
    data = published.read_bytes()
    assert b"ada@example.org" not in data and b"old.example" not in data
    assert not {chunk_type for chunk_type, _ in chunks(data)} & {b"tEXt", b"zTXt", b"iTXt"}
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.tobytes() == pixels_before


def test_cli_refuses_files_over_the_image_limit_without_reading_them_whole(tmp_path: Path) -> None:
    source = tmp_path / "huge.png"
    source.write_bytes(PNG + b"\x00" * (5 * 1024 * 1024))
    result = CliRunner().invoke(main, ["unbake", str(source)])
    assert result.exit_code == 1
    assert result.output == "error: huge.png is larger than 5242880 bytes, the limit\n"


def test_each_baked_svg_is_checked_before_it_is_written(site: Path, monkeypatch) -> None:
    """The build judges the bytes it is about to publish, not only the badge it read."""
    from badgesite.images import outputs as image_outputs

    build(site, site / "output", now=FIXED_NOW)
    published = tree_bytes(site / "output")
    real = image_outputs.bake

    def leaky(data: bytes, payload: str, credential: bytes | None = None) -> bytes:
        baked = real(data, payload, credential)
        return (
            baked.replace(b"</svg>", b"<script>alert(1)</script></svg>")
            if b"<svg" in baked
            else baked
        )

    monkeypatch.setattr(image_outputs, "bake", leaky)
    with pytest.raises(
        BuildError,
        match=r"refusing to publish a baked image: '\w+\.svg, as baked "
        r"for award [0-9a-f-]+,' contains a <script> element",
    ):
        build(site, site / "output", now=FIXED_NOW, clean=True)
    assert tree_bytes(site / "output") == published


# Open Badges 3.0: the credential beside the assertion URL.

V3 = "https://purl.imsglobal.org/ob/v3p0"
CREDENTIAL_DOCUMENT = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "https://badges.example.org/credentials/1234.json",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    # What would break CDATA or markup, and text beyond ASCII, must come back as it was.
    "name": "Soldering ]]> <script>alert(1)</script> & Lötkolben ✓",
    "issuer": {"id": "did:web:badges.example.org", "type": ["Profile"], "name": "Harbour Lab"},
    "validFrom": "2024-05-01T00:00:00Z",
    "credentialSubject": {"type": ["AchievementSubject"]},
    "proof": [{"type": "DataIntegrityProof", "proofValue": "z3FXQjecWufY46yg"}],
}
CREDENTIAL = credential_bytes(CREDENTIAL_DOCUMENT)
FOREIGN = json.dumps({"id": "https://evil.example/c.json", "type": ["OpenBadgeCredential"]})


def test_png_gets_the_credential_in_its_own_uncompressed_itxt_chunk_after_the_url() -> None:
    baked = bake_png(PNG, URL, CREDENTIAL)
    found = chunks(baked)
    assert [kind for kind, _ in found][-3:] == [b"iTXt", b"iTXt", b"IEND"]
    assert found[-3][1] == b"openbadges\x00\x00\x00\x00\x00" + URL.encode()
    assert found[-2][1] == b"openbadgecredential\x00\x00\x00\x00\x00" + CREDENTIAL
    assert unbake(baked) == URL
    assert unbake_credential(baked) == CREDENTIAL.decode().strip()
    # Without a credential, baking writes what it always wrote.
    assert baked.replace(make_chunk(b"iTXt", found[-2][1]), b"") == bake_png(PNG, URL)
    with Image.open(io.BytesIO(baked)) as image, Image.open(io.BytesIO(PNG)) as original:
        assert image.tobytes() == original.tobytes()
        # Pillow, an independent reader of iTXt, sees the same JSON under that keyword.
        assert json.loads(image.text["openbadgecredential"]) == CREDENTIAL_DOCUMENT
        assert image.text["openbadges"] == URL


def test_svg_gets_the_credential_as_cdata_in_the_v3_namespace_after_the_assertion() -> None:
    baked = bake_svg(SVG, URL, CREDENTIAL)
    root = ET.fromstring(baked)
    assert root[0].tag == "{http://openbadges.org}assertion"
    assert root[0].get("verify") == URL
    assert root[1].tag == f"{{{V3}}}credential" and root[1].attrib == {}
    assert json.loads(root[1].text) == CREDENTIAL_DOCUMENT
    assert len(list(root.iter(f"{{{V3}}}credential"))) == 1
    # The spelling verifiers look for: the literal prefix, its namespace, the JSON in CDATA.
    assert b'xmlns:openbadges="http://openbadges.org"' in baked
    assert (
        b'<openbadges:credential xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        b"<![CDATA[{" in baked
    )
    assert b"<script>alert(1)</script> & L" in baked  # as it is, inside CDATA
    assert "script" not in markup(baked)
    assert unbake(baked) == URL
    assert json.loads(unbake_credential(baked)) == CREDENTIAL_DOCUMENT
    assert check_svg_bytes(baked, "baked") == (200, 200)
    assert bake_svg(baked, URL, CREDENTIAL) == baked  # baking again changes nothing
    root.remove(root[1])
    root.remove(root[0])
    assert tree(root) == tree(ET.fromstring(SVG))
    # Without a credential, baking writes what it always wrote.
    start = baked.index(b"<openbadges:credential")
    end = baked.index(b"</openbadges:credential>") + len(b"</openbadges:credential>")
    assert baked[:start] + baked[end:] == bake_svg(SVG, URL) == bake(SVG, URL, None)


def test_credential_text_xml_cannot_carry_is_written_as_json_escapes_in_svg() -> None:
    document = {"type": ["OpenBadgeCredential"], "name": "a\ufffeb\uffff"}
    raw = json.dumps(document, ensure_ascii=False).encode()
    baked = bake_svg(SVG, URL, raw)
    assert b"a\\ufffeb\\uffff" in baked
    assert json.loads(unbake_credential(baked)) == document
    assert unbake_credential(bake_png(PNG, URL, raw)) == raw.decode()  # PNG: as given


def test_a_foreign_credential_in_the_input_is_never_kept() -> None:
    png_inputs = [
        png_with((b"iTXt", b"openbadgecredential\x00\x00\x00\x00\x00" + FOREIGN.encode())),
        png_with((b"iTXt", b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(b"{}"))),
        bake_png(png_with((b"tEXt", b"openbadgecredential\x00" + FOREIGN.encode())), URL),
        bake_png(PNG, "https://evil.example/a.json", FOREIGN.encode()),
    ]
    svg_inputs = [
        bake_svg(SVG, "https://evil.example/a.json", FOREIGN.encode()),
        # declared on the root under the prefix verifiers look for, deep in a group, as a
        # verify attribute, and as attributes of drawn elements
        SVG.replace(b"<svg ", b'<svg xmlns:openbadges="%s" ' % V3.encode(), 1).replace(
            b"</svg>",
            b"<g><openbadges:credential><![CDATA[%s]]></openbadges:credential>"
            b'<openbadges:credential verify="a.b.c"/><circle openbadges:credential="x" r="1"/>'
            b"</g></svg>" % FOREIGN.encode(),
        ),
    ]
    for data in png_inputs + svg_inputs:
        baked = bake(data, URL, CREDENTIAL)
        assert unbake(baked) == URL
        assert unbake_credential(baked) == CREDENTIAL.decode().strip()
        assert b"evil.example" not in baked and b"a.b.c" not in baked
        marker = b"openbadgecredential" if is_png(data) else b"<openbadges:credential"
        assert baked.count(marker) == 1
        # Baked without a credential, the image carries none: not even the old one.
        plain = bake(data, URL)
        assert unbake_credential(plain) is None
        assert b"evil.example" not in plain and b"openbadgecredential" not in plain
        assert b":credential" not in plain
    assert b"purl.imsglobal.org" not in bake(svg_inputs[1], URL)  # the namespace went too


def is_png(data: bytes) -> bool:
    return data.startswith(b"\x89PNG")


def test_a_credential_over_the_cap_or_not_a_json_object_is_refused() -> None:
    padding = MAX_CREDENTIAL_BYTES - len(b'{"name": ""}')
    at_cap = json.dumps({"name": "x" * padding}).encode()
    assert len(at_cap) == MAX_CREDENTIAL_BYTES == 1024 * 1024
    assert unbake_credential(bake_png(PNG, URL, at_cap)) == at_cap.decode()
    over = json.dumps({"name": "x" * (padding + 1)}).encode()
    refused = [
        (over, r"the credential is 1048577 bytes; the limit is 1048576"),
        (b"\xff{}", "not UTF-8"),
        (b"\xef\xbb\xbf{}", "byte order mark"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"a": ', "not JSON"),
        (b"[" * 40 + b"]" * 40, "nested 40 levels deep"),
    ]
    for credential, reason in refused:
        for image in (PNG, SVG):
            with pytest.raises(BakeError, match=reason):
                bake(image, URL, credential)


def test_bake_file_bakes_the_credential_too(tmp_path: Path) -> None:
    for name, data in (("maker.png", PNG), ("solder.svg", SVG)):
        source = tmp_path / name
        source.write_bytes(data)
        target = tmp_path / "out" / name
        bake_file(source, URL, target, CREDENTIAL)
        assert json.loads(unbake_credential(target.read_bytes())) == CREDENTIAL_DOCUMENT
        with pytest.raises(BakeError, match=rf"{name}: the credential is not a JSON object"):
            bake_file(source, URL, target, b"null")


def test_reading_a_credential_is_capped_and_damaged_chunks_are_bake_errors() -> None:
    keyword = b"openbadgecredential\x00"
    cases = [
        (b"\x01\x00\x00\x00" + zlib.compress(b" " * 50_000_000), "too large"),
        (b"\x00\x00\x00\x00" + b"x" * (MAX_CREDENTIAL_BYTES + 1), "too large"),
        (b"\x07\x00\x00\x00{}", "openbadgecredential chunk is damaged"),
        (b"\x00\x00{}", "openbadgecredential chunk is damaged"),
        (b"\x01\x00\x00\x00" + zlib.compress(b"{}")[:-3], "openbadgecredential chunk is damaged"),
        (b"\x00\x00\x00\x00\xff{}", "not UTF-8"),
    ]
    for body, reason in cases:
        data = png_with((b"iTXt", keyword + body))
        with pytest.raises(BakeError, match=reason):
            unbake_credential(data)
        assert unbake(data) is None  # the 2.0 reader never looks at that chunk
    huge = SVG.replace(
        b"</svg>",
        b'<c:credential xmlns:c="%s">%s</c:credential></svg>'
        % (V3.encode(), b"x" * (MAX_CREDENTIAL_BYTES + 1)),
    )
    with pytest.raises(BakeError, match="too large"):
        unbake_credential(huge)
    with pytest.raises(BakeError, match="truncated"):
        unbake_credential(PNG[:-20])


def test_what_is_and_is_not_read_as_a_credential() -> None:
    assert unbake_credential(PNG) is None and unbake_credential(SVG) is None
    assert unbake_credential(bake(PNG, URL)) is None and unbake_credential(bake(SVG, URL)) is None
    # OB 3.0 bakes iTXt only; an empty chunk is skipped for the next.
    latin = png_with((b"tEXt", b"openbadgecredential\x00{}"))
    empty_then_real = png_with(
        (b"iTXt", b"openbadgecredential\x00\x00\x00\x00\x00 "),
        (b"iTXt", b"openbadgecredential\x00\x00\x00\x00\x00" + FOREIGN.encode()),
    )
    compressed = png_with(
        (b"iTXt", b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(FOREIGN.encode()))
    )
    assert unbake_credential(latin) is None
    assert unbake_credential(empty_then_real) == FOREIGN == unbake_credential(compressed)
    # SVG: the 3.0 namespace under any prefix, as text or as a VC-JWT; 2.0's is not it.
    elsewhere = b"<g><ob:credential xmlns:ob='%s'>%s</ob:credential></g></svg>"
    jwt = b"<openbadges:credential xmlns:openbadges='%s' verify=' a.b.c '/></svg>"
    old = b"<openbadges:credential xmlns:openbadges='http://openbadges.org'>{}</openbadges:credential>"
    escaped = FOREIGN.replace('"', "&quot;").encode()
    assert unbake_credential(SVG.replace(b"</svg>", elsewhere % (V3.encode(), escaped))) == FOREIGN
    assert unbake_credential(SVG.replace(b"</svg>", jwt % V3.encode())) == "a.b.c"
    assert unbake_credential(SVG.replace(b"</svg>", old + b"</svg>")) is None


def test_openbadgeslib_and_openbadges_bakery_read_both_payloads(tmp_path: Path) -> None:
    """Independent readers: openbadgeslib finds the credential (PNG iTXt chunk, SVG element
    by its literal name), openbadges-bakery still finds the assertion URL."""
    python = OPENBADGESLIB_VENV / "bin" / "python"
    if not python.exists():
        pytest.fail("openbadgeslib is not set up: run scripts/setup-openbadgeslib-venv")
    if not VALIDATOR_PYTHON.exists():
        pytest.fail("the validator venv is not set up: run scripts/setup-validator-venv")
    png, svg = tmp_path / "baked.png", tmp_path / "baked.svg"
    png.write_bytes(bake_png(PNG, URL, CREDENTIAL))
    svg.write_bytes(bake_svg(SVG, URL, CREDENTIAL))
    reader = (
        "import json, sys\n"
        "from openbadgeslib import baking\n"
        "png, svg = (open(path, 'rb').read() for path in sys.argv[1:])\n"
        "json.dump({\n"
        "    'png': baking.extract_png(png, keyword=baking.ITXT_KEYWORD_OB3),\n"
        "    'png2': baking.extract_png(png),\n"
        "    'svg': baking.extract_svg(svg, element=baking.SVG_ELEMENT_OB3, text_fallback=True),\n"
        "    'svg2': baking.extract_svg(svg),\n"
        "}, sys.stdout)\n"
    )
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    completed = subprocess.run(
        [str(python), "-c", reader, str(png), str(svg)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=environment,
    )
    found = json.loads(completed.stdout)
    assert json.loads(found["png"]) == json.loads(found["svg"]) == CREDENTIAL_DOCUMENT
    assert found["png2"] == found["svg2"] == URL
    bakery = subprocess.run(
        [str(VALIDATOR_PYTHON), str(REPO / "tests/conformance/unbake_all.py"), str(png), str(svg)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(bakery.stdout) == {str(png): URL, str(svg): URL}
