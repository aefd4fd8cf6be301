"""The plain-address lint reads content as it is published: decoded, whatever the encoding."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from badgesite.cli import main
from badgesite.primitives.png_chunks import make_chunk
from helpers import write

ADVICE = (
    ": everything in content/ is public once the site or its repository is. Remove it; "
    "recipients are stored only as hashes (`badgesite award --email` makes them)"
)
ISSUER_ADDRESS = "badges@harbour-lab.example"  # the golden issuer's public contact


def check(site: Path) -> list[str]:
    result = CliRunner().invoke(main, ["check", "--site", str(site)], env={"CI": None})
    return [line for line in result.output.splitlines() if "plain email address" in line]


def set_bio(site: Path, bio_line: str) -> None:
    text = (site / "content/earners/ada.yaml").read_text()
    (site / "content/earners/ada.yaml").write_text(
        text.replace("bio: Builds *synthesizers* from scratch.", bio_line)
    )


@pytest.mark.parametrize(
    "bio_line",
    [
        r'bio: "Mail ada\u0040mail.example"',
        r'bio: "Mail ada\x40mail.example"',
        r'bio: "Mail ada\U00000040mail.example"',
        'bio: "Mail ada\\\n  @mail.example"',  # an escaped line break joins the two lines
    ],
)
def test_addresses_written_with_yaml_escapes(site: Path, bio_line: str) -> None:
    set_bio(site, bio_line)
    assert check(site) == [
        "content/earners/ada.yaml:3: warning: plain email address 'a…@mail.example' (once its "
        f"YAML escapes are decoded){ADVICE}"
    ]


@pytest.mark.parametrize(
    "bio_line",
    [
        "bio: Mail ada&#64;mail.example",
        "bio: Mail ada&#x40;mail.example",
        "bio: Mail ada&commat;mail.example",
        "bio: Mail ada&#64;mail&#46;example",
        r"bio: Mail ada\@mail.example",  # markdown's backslash escape
        "bio: Mail ada\uff20mail.example",  # a fullwidth at sign, which readers read as @
        "bio: |\n  Builds things.\n\n  Mail <ada&#64;mail.example>",
    ],
)
def test_addresses_written_as_character_references_in_markdown(site: Path, bio_line: str) -> None:
    set_bio(site, bio_line)
    line = 6 if "|" in bio_line else 3
    assert check(site) == [
        f"content/earners/ada.yaml:{line}: warning: plain email address 'a…@mail.example'{ADVICE}"
    ]


def test_entity_encoded_addresses_in_svg_text(site: Path) -> None:
    svg = site / "content/images/laser.svg"
    svg.write_text(
        svg.read_text().replace(
            "<polygon", "<desc>\nMade by ops&#64;harbour&#x2e;example\n</desc><polygon", 1
        )
    )
    assert check(site) == [
        f"content/images/laser.svg:2: warning: plain email address 'o…@harbour.example'{ADVICE}"
    ]


def test_json_escapes_are_decoded(site: Path) -> None:
    write(site, "content/data/x.json", '{"note": "me\\u0040mine.example"}')
    assert check(site) == [
        f"content/data/x.json: warning: plain email address 'm…@mine.example'{ADVICE}"
    ]


def png_with_text(chunks: PngInfo) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (128, 128), (200, 80, 60, 255)).save(buffer, "PNG", pnginfo=chunks)
    return buffer.getvalue()


def test_addresses_in_png_text_chunks(site: Path) -> None:
    info = PngInfo()
    info.add_text("Author", "Ops <ops@harbour.example>")  # tEXt
    info.add_text("Comment", "ask qa@harbour.example", zip=True)  # zTXt
    info.add_itxt("Copyright", "© Zoë, zoe&#64;harbour.example", lang="en", tkey="Rechte")
    info.add_itxt("Description", "from dev@harbour.example", zip=True)  # compressed iTXt
    info.add_text("Software", f"contact {ISSUER_ADDRESS}")  # public on purpose
    (site / "content/images/maker.png").write_bytes(png_with_text(info))
    shown = "content/images/maker.png: warning: plain email address"
    assert check(site) == [
        f"{shown} 'd…@harbour.example' in its PNG iTXt chunk 'Description'{ADVICE}",
        f"{shown} 'o…@harbour.example' in its PNG tEXt chunk 'Author'{ADVICE}",
        f"{shown} 'q…@harbour.example' in its PNG zTXt chunk 'Comment'{ADVICE}",
        f"{shown} 'z…@harbour.example' in its PNG iTXt chunk 'Copyright en Rechte'{ADVICE}",
    ]


def test_addresses_in_png_text_chunks_the_decoder_refuses(site: Path) -> None:
    """A damaged chunk is scanned as stored: this zTXt holds no zlib stream, only text."""
    damaged = make_chunk(b"zTXt", b"Comment\x00\x00write to ops@harbour.example")
    image = png_with_text(PngInfo())
    (site / "content/images/maker.png").write_bytes(image[:33] + damaged + image[33:])
    assert check(site) == [
        "content/images/maker.png: warning: plain email address 'o…@harbour.example' in its "
        f"PNG zTXt chunk 'Comment'{ADVICE}"
    ]


def test_a_baked_assertion_in_a_png_keeps_the_issuers_email_public(site: Path) -> None:
    assertion = {
        "badge": {"issuer": {"email": "someone@other-issuer.example"}},
        "recipient": {"identity": "earner@mail.example", "hashed": False},
    }
    info = PngInfo()
    info.add_itxt("openbadges", json.dumps(assertion))
    (site / "content/images/maker.png").write_bytes(png_with_text(info))
    assert check(site) == [
        "content/images/maker.png: warning: plain email address 'e…@mail.example' in its PNG "
        f"iTXt chunk 'openbadges'{ADVICE}"
    ]


def test_issuer_contact_addresses_stay_excepted_however_written(site: Path) -> None:
    local, domain = ISSUER_ADDRESS.split("@")
    set_bio(site, f'bio: "Ask {local}\\u0040{domain} or {local}&#64;{domain}"')
    info = PngInfo()
    info.add_text("Author", ISSUER_ADDRESS)
    (site / "content/images/maker.png").write_bytes(png_with_text(info))
    assert check(site) == []


def test_escapes_and_references_without_an_address_are_fine(site: Path) -> None:
    set_bio(site, r'bio: "Fish \u0026 chips &amp; \\ backslashes, *emphasis*"')
    assert check(site) == []
