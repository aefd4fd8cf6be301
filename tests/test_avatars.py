"""Avatars are published upright, as squares of at most 256 pixels, without camera metadata."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from badgesite.build import build
from helpers import FIXED_NOW

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def test_avatar_loses_its_exif_is_turned_upright_and_shrunk(site: Path) -> None:
    earner = site / "content/earners/ada.yaml"
    earner.write_text(earner.read_text() + "image: images/ada.jpg\n")
    avatar = site / "content/images/ada.jpg"
    photo = Image.new("RGB", (800, 600), "white")
    photo.paste((200, 30, 30), (0, 0, 400, 600))  # left half red: where it ends up shows turning
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # the camera was turned: viewers rotate 90 degrees clockwise
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD)[2] = (51.0, 30.0, 0.0)  # latitude: where the earner lives
    photo.save(avatar, format="JPEG", exif=exif, comment=b"taken at home")
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    published = output / "earners/ada/avatar.jpg"
    data = published.read_bytes()
    assert b"PhoneMaker" not in data and b"taken at home" not in data and b"Exif" not in data
    with Image.open(published) as image:
        assert image.format == "JPEG"
        assert image.size == (256, 256)  # a centred square, at most 256 a side
        assert not image.getexif()
        red, green, _ = image.convert("RGB").getpixel((128, 20))
        assert red > 150 and green < 100  # the red half is now on top


def test_png_avatars_stay_png_and_small(site: Path) -> None:
    earner = site / "content/earners/ada.yaml"
    earner.write_text(earner.read_text() + "image: images/ada.png\n")
    Image.new("RGBA", (1000, 1000), (0, 90, 200, 255)).save(site / "content/images/ada.png")
    build(site, site / "output", now=FIXED_NOW)
    with Image.open(site / "output/earners/ada/avatar.png") as png:
        assert png.format == "PNG" and png.size == (256, 256)
    page = (site / "output/earners/ada/index.html").read_text()
    assert '<meta property="og:image:width" content="256">' in page
