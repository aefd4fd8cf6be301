"""Reading foreign assertions of every version, and unbaking images, into one safe shape."""

from __future__ import annotations

import struct
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from badgesite.openbadges.reader import link, parse_date, read_assertion, text
from badgesite.openbadges.retrieve import retrieve
from badgesite.openbadges.unbake import UnbakeProblem, baked_payload
from loopback import CORPUS, HOSTED, Served, loopback_fetcher, serve_corpus
from test_conformance import VALIDATOR_PYTHON


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve_corpus(tmp_path_factory.mktemp("corpus") / "www") as served:
        yield served


def read(corpus: Served, path: str):
    return read_assertion(retrieve(corpus.base + path, loopback_fetcher()))


def test_open_badges_2_with_iris(corpus: Served) -> None:
    assertion = read(corpus, "assertions/valid-iri.json")
    assert assertion.version == "2.0"
    assert assertion.verification_url == corpus.base + "assertions/valid-iri.json"
    assert assertion.badge.name == "Cloud Operations Practitioner"
    assert assertion.badge.issuer.name == "Harbourview Institute of Technology"
    assert assertion.badge.issuer.url == "https://harbourview.example/"
    assert assertion.badge.criteria_url.endswith("/criteria")
    assert assertion.badge.tags == ("cloud", "operations", "on-call")
    assert assertion.recipient is not None and assertion.recipient.hashed
    assert [item.name for item in assertion.evidence] == ["Post-incident review", ""]
    assert assertion.evidence[1].narrative.startswith("Kept the on-call rota")
    assert assertion.issued_on is not None and assertion.issued_on.has_time_zone
    assert assertion.expires is not None and assertion.expires.moment.year == 2099


def test_open_badges_2_embedded_badge_and_issuer(corpus: Served) -> None:
    retrieved = retrieve(corpus.base + "assertions/embedded.json", loopback_fetcher())
    assert retrieved.badge_embedded and retrieved.issuer_embedded
    assertion = read_assertion(retrieved)
    assert assertion.badge.name == "Cloud Operations Practitioner"
    assert assertion.badge.issuer.email == "badges@harbourview.example"


@pytest.mark.parametrize(
    ("path", "urls", "narratives"),
    [
        ("assertions/evidence-string.json", ["https://portfolio.example/ada/cloud-ops"], [""]),
        (
            "assertions/evidence-object.json",
            ["https://portfolio.example/ada/runbook"],
            ["Wrote the runbook the team still uses."],
        ),
    ],
)
def test_evidence_as_string_object_or_list(corpus: Served, path, urls, narratives) -> None:
    evidence = read(corpus, path).evidence
    assert [item.url for item in evidence] == urls
    assert [item.narrative for item in evidence] == narratives


def test_plain_recipient_data_uri_image_and_extensions(corpus: Served) -> None:
    plain = read(corpus, "assertions/plain-recipient.json")
    assert plain.recipient is not None and not plain.recipient.hashed
    data_uri = retrieve(corpus.base + "assertions/data-uri-image.json", loopback_fetcher())
    assert data_uri.badge_image is not None and data_uri.badge_image.url == "data:"
    assert data_uri.badge_image.data.startswith(b"\x89PNG")
    extended = read(corpus, "assertions/extensions.json")
    assert extended.extensions == ("extensions:ApplyLink",)


def test_open_badges_1_0_with_verify_url_and_unix_time(corpus: Served) -> None:
    assertion = read(corpus, "v1/assertion-1.0.json")
    assert assertion.version == "1.0"
    assert assertion.verification_url == corpus.base + "v1/assertion-1.0.json"
    assert assertion.verification_type == "hosted"
    assert assertion.issued_on is not None and assertion.issued_on.moment.year == 2023
    assert assertion.badge.criteria_url == "https://oldharbour.example/rope-work"
    assert assertion.badge.issuer.name == "Old Harbour Guild"
    assert [item.url for item in assertion.evidence] == ["https://oldharbour.example/evidence/ada"]


def test_open_badges_1_1(corpus: Served) -> None:
    assertion = read(corpus, "v1/assertion-1.1.json")
    assert assertion.version == "1.1"
    assert assertion.badge.name == "Rope Work"
    assert assertion.extensions == ("extensions:SchoolClass",)


def test_open_badges_0_5_from_a_file() -> None:
    retrieved = retrieve(str(CORPUS / "files" / "assertion-0.5.json"), loopback_fetcher())
    assertion = read_assertion(retrieved)
    assert assertion.version == "0.5"
    assert assertion.badge.name == "Early Web Maker"
    assert assertion.badge.issuer.name == "Makers Club"
    assert assertion.badge.issuer.url == "https://makers.example"
    assert assertion.recipient is not None and assertion.recipient.hashed
    assert assertion.issued_on is not None and not assertion.issued_on.has_time_zone
    # a relative evidence path is not a link, and is kept as text
    assert assertion.evidence[0].url == ""


def test_hostile_links_never_survive(corpus: Served) -> None:
    assertion = read(corpus, "assertions/hostile-strings.json")
    assert assertion.evidence[0].url == "" and assertion.evidence[0].name == "Click me"
    assert assertion.evidence[1].url == ""
    assert assertion.badge.name.startswith("<script>")  # kept as text; templates escape it
    for value in ("javascript:alert(1)", "data:text/html,x", "JaVaScRiPt:x", " http://a b", "//x"):
        assert link(value) == ""
    assert link("https://example.org/x") == "https://example.org/x"


def test_text_drops_control_characters_and_caps_length() -> None:
    assert text("a\u202eb\x1b[31mc\u200bd") == "ab[31mcd"
    assert len(text("x" * 10_000)) == 4000
    assert text({"@value": "x"}) == "" and text(True) == ""


def test_dates() -> None:
    assert parse_date("2025-06-30T14:00:00Z").has_time_zone
    assert parse_date("2025-06-30T14:00:00+02:00").moment.utcoffset().seconds == 7200
    bare = parse_date("2025-06-30")
    assert bare is not None and not bare.has_time_zone
    assert parse_date(1700000000).moment.year == 2023
    assert parse_date("next tuesday") is None and parse_date(True) is None


def _png_with_chunk(chunk_type: bytes, body: bytes) -> bytes:
    png = (HOSTED / "images" / "cloud-ops.png").read_bytes()
    chunk = struct.pack(">I", len(body)) + chunk_type + body
    chunk += struct.pack(">I", zlib.crc32(chunk_type + body) & 0xFFFFFFFF)
    return png[:33] + chunk + png[33:]  # after the signature and IHDR


def test_unbake_png_itxt_plain_and_compressed_and_text() -> None:
    url = "https://issuer.example/assertions/1.json"
    plain = _png_with_chunk(b"iTXt", b"openbadges\0\0\0\0\0" + url.encode())
    assert baked_payload(plain) == url
    compressed = _png_with_chunk(b"iTXt", b"openbadges\0\1\0\0\0" + zlib.compress(url.encode()))
    assert baked_payload(compressed) == url
    assert baked_payload(_png_with_chunk(b"tEXt", b"openbadges\0" + url.encode())) == url
    with pytest.raises(UnbakeProblem, match="not baked"):
        baked_payload((HOSTED / "images" / "cloud-ops.png").read_bytes())
    with pytest.raises(UnbakeProblem, match="not a PNG or SVG"):
        baked_payload(b"GIF89a")


def test_unbake_svg_with_json_or_url() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        '<openbadges:assertion verify="https://issuer.example/a.json"/></svg>'
    )
    assert baked_payload(svg.encode()) == "https://issuer.example/a.json"
    with_json = svg.replace("/>", '><![CDATA[{"id": "x"}]]></openbadges:assertion>')
    assert baked_payload(with_json.encode()) == '{"id": "x"}'
    with pytest.raises(UnbakeProblem, match="not baked"):
        baked_payload((HOSTED / "images" / "harbour-seal.svg").read_bytes())


BAKE = (
    "import sys, openbadges_bakery as bakery\n"
    "baked = bakery.bake(open(sys.argv[1], 'rb'), sys.argv[2])\n"
    "baked.seek(0)\n"
    "open(sys.argv[3], 'wb').write(baked.read())\n"
)


@pytest.mark.parametrize("image", ["cloud-ops.png", "harbour-seal.svg"])
def test_images_baked_by_the_reference_bakery_are_read(image: str, tmp_path: Path) -> None:
    url = "https://issuer.example/assertions/42.json"
    target = tmp_path / image
    subprocess.run(
        [str(VALIDATOR_PYTHON), "-c", BAKE, str(HOSTED / "images" / image), url, str(target)],
        check=True,
        timeout=60,
    )
    assert baked_payload(target.read_bytes()) == url
