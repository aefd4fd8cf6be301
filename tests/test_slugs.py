"""The one slugifier: every script transliterated, a stable hash when nothing is left."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from badgesite.cli import main
from badgesite.importing.snapshot import snapshot_key
from badgesite.load import SLUG_PATTERN
from badgesite.primitives.slugs import slugify
from loopback import Served, serve_corpus


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Inês Gonçalves", "ines-goncalves"),
        ("Søren Kowalski", "soren-kowalski"),
        ("Łukasz Żółć", "lukasz-zolc"),
        ("Đorđe Balašević", "dorde-balasevic"),
        ("Ærøskøbing Straße", "aeroskobing-strasse"),
        ("Иван Петров", "ivan-petrov"),
        ("王小明", "wang-xiao-ming"),
        ("Γιώργος Παπαδόπουλος", "giorgos-papadopoulos"),
        ("  Ada -- Nkemelu!  ", "ada-nkemelu"),
    ],
)
def test_every_script_is_transliterated(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_a_name_with_no_letters_gets_a_stable_short_hash() -> None:
    slug = slugify("😀🎉")
    assert re.fullmatch(r"[0-9a-f]{8}", slug)
    assert slugify(" 😀🎉 ") == slug  # the same name, the same slug, build after build
    assert slugify("🎉😀") != slug
    assert SLUG_PATTERN.match(slug)


def test_long_names_are_cut_at_max_length() -> None:
    slug = slugify("Advanced Cloud Operations and Site Reliability Engineering", max_length=40)
    assert len(slug) <= 40 and SLUG_PATTERN.match(slug) and not slug.endswith("-")


def test_imported_badge_keys_use_the_same_slugifier() -> None:
    url = "https://issuer.example/assertions/1"
    assert snapshot_key("Облачные операции", url).startswith("oblachnye-operatsii-")
    assert snapshot_key("Søren's badge", url).startswith("soren-s-badge-")


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Served]:
    with serve_corpus(tmp_path / "www") as served:
        yield served


def test_a_reimport_keeps_the_key_an_earlier_slugifier_made(site: Path, corpus: Served) -> None:
    """Keys name published URLs: a snapshot saved under an older key is refreshed in place."""
    url = corpus.base + "assertions/valid-iri.json"
    args = ["import", url, "--earner", "ada", "--site", str(site), "--allow-private-hosts"]
    args += ["--email", "ada@learner.example"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    folder = site / "content/imported"
    (saved,) = folder.glob("*.json")
    url_hash = saved.stem.rsplit("-", 1)[1]
    legacy = f"clud-ps-{url_hash}"  # as the old ASCII-only slugifier made keys
    snapshot = json.loads(saved.read_text())
    (folder / saved.stem).rename(folder / legacy)
    snapshot["image"]["file"] = snapshot["image"]["file"].replace(saved.stem, legacy)
    (folder / f"{legacy}.json").write_text(json.dumps(snapshot))
    saved.unlink()
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    assert again.output.rstrip().endswith(f"{legacy}.json")
    assert sorted(path.name for path in folder.glob("*.json")) == [f"{legacy}.json"]
