"""Incremental builds: after any sequence of edits, the output is what a clean build makes."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import pickle
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badgesite.build import build
from badgesite.cache import code_identity
from badgesite.cache.parsed_cache import loader_identity
from badgesite.cache.store import TAG, BuildStores, Store
from badgesite.guards.lints import CheckFailed
from helpers import FIXED_NOW, GOLDEN_SITE, REPO, tree_bytes

EARLIER = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.timezone.utc)  # before an award expires
AWARD_TEMPLATE = REPO / "themes" / "default" / "templates" / "award.html"


def tree_with_modes(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and permissions, and every folder: what a host would serve."""
    found: dict[str, tuple[bytes, int]] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_dir():
            found[relative + "/"] = (b"", path.stat().st_mode & 0o777)
        else:
            found[relative] = (path.read_bytes(), path.stat().st_mode & 0o777)
    return found


def _replace_line(path: Path, key: str, value: str) -> None:
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"^(\s*){key}: .*$", re.MULTILINE)
    if pattern.search(text):
        text = pattern.sub(lambda match: f"{match.group(1)}{key}: {value}", text, count=1)
    else:
        text += f"{key}: {value}\n"
    path.write_text(text, encoding="utf-8")


def touch_a_source(site: Path) -> None:
    """Re-time a record, bytes unchanged: a build that then sees nothing else changed has to
    look at its outputs, since a no-op rebuild stops at the source stamp before them."""
    os.utime(site / "content/site.yaml")


class Editor:
    """Edits a site the way its author would, always leaving it buildable."""

    def __init__(self, site: Path) -> None:
        self.site = site
        self.content = site / "content"
        self.extra: dict[str, dict[str, object]] = {}  # award id -> its settings
        self.now = FIXED_NOW

    def apply(self, edit: str, number: int) -> None:
        getattr(self, edit)(number)

    def award(self, number: int) -> None:
        _replace_line(
            self.content / "awards/ada.yaml", "  narrative", f"Built kit number {number}."
        )

    def earner(self, number: int) -> None:
        name = ("ada", "bo")[number % 2]
        _replace_line(self.content / f"earners/{name}.yaml", "headline", f"Maker {number}")

    def visibility(self, number: int) -> None:
        _replace_line(
            self.content / "earners/bo.yaml", "visibility", ("public", "unlisted")[number % 2]
        )

    def badge(self, number: int) -> None:
        name = ("soldering", "laser-cutting")[number % 2]
        _replace_line(self.content / f"badges/{name}.yaml", "description", f"Version {number}.")

    def issuer(self, number: int) -> None:
        _replace_line(
            self.content / "issuers/harbour-lab.yaml", "description", f"Makerspace {number}."
        )

    def add_award(self, number: int) -> None:
        hex_digits = hashlib.md5(str(number).encode()).hexdigest()
        award_id = "-".join(
            (hex_digits[:8], hex_digits[8:12], "4" + hex_digits[13:16], "8" + hex_digits[17:20])
        )
        award_id += "-" + hex_digits[20:32]
        self.extra[award_id] = {
            "earner": ("ada", "bo")[number % 2],
            "badge": ("soldering", "laser-cutting")[(number // 2) % 2],
            "revoked": False,
            "number": number,
        }
        self._write_extra(award_id)

    def revoke(self, number: int) -> None:
        if self.extra:
            award_id = sorted(self.extra)[number % len(self.extra)]
            self.extra[award_id]["revoked"] = True
            self._write_extra(award_id)

    def withdraw(self, number: int) -> None:
        if not self.extra:
            return
        award_id = sorted(self.extra)[number % len(self.extra)]
        del self.extra[award_id]
        (self.content / f"awards/extra-{award_id}.yaml").unlink()
        with open(self.content / "withdrawn-awards.txt", "a", encoding="utf-8") as stream:
            stream.write(f"{award_id} 2026-10-01 asked to be removed\n")

    def template(self, number: int) -> None:
        override = self.site / "templates" / "award.html"
        if number % 3 == 0:
            shutil.rmtree(self.site / "templates", ignore_errors=True)
        else:
            override.parent.mkdir(exist_ok=True)
            override.write_text(
                AWARD_TEMPLATE.read_text(encoding="utf-8") + f"<!-- {number} -->\n",
                encoding="utf-8",
            )

    def time(self, number: int) -> None:
        self.now = (FIXED_NOW, EARLIER)[number % 2]

    def _write_extra(self, award_id: str) -> None:
        settings = self.extra[award_id]
        identity = hashlib.sha256(award_id.encode()).hexdigest()
        text = (
            f"id: {award_id}\nbadge: {settings['badge']}\nearner: {settings['earner']}\n"
            f"recipient:\n  identity: sha256${identity}\n  salt: s{settings['number']}\n"
            "issued_on: 2024-07-01\n"
        )
        if settings["revoked"]:
            text += "revoked:\n  date: 2024-08-01\n  reason: Mistake.\n"
        (self.content / f"awards/extra-{award_id}.yaml").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> Path:
    """One image cache for these tests: making images is not what they test."""
    return tmp_path_factory.mktemp("image-cache")


EDITS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "award",
                "earner",
                "visibility",
                "badge",
                "issuer",
                "add_award",
                "revoke",
                "withdraw",
                "template",
                "time",
                "tamper",
            ]
        ),
        st.integers(0, 10_000),
    ),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(edits=EDITS)
def test_incremental_build_equals_clean_build(tmp_path_factory, images, edits) -> None:
    work = tmp_path_factory.mktemp("incremental")
    site = work / "site"
    shutil.copytree(GOLDEN_SITE, site)
    output = site / "output"
    editor = Editor(site)
    build(site, output, now=editor.now, cache_dir=images, processes=1)
    for step, (edit, number) in enumerate(edits):
        if edit == "tamper":
            victim = sorted(path for path in output.rglob("*") if path.is_file())
            victim[number % len(victim)].write_bytes(b"changed by hand")
            touch_a_source(site)
        else:
            editor.apply(edit, number)
        reference = work / f"reference-{step}"
        shutil.copytree(site, reference, ignore=shutil.ignore_patterns("output", ".cache"))
        report = build(site, output, now=editor.now, cache_dir=images, processes=1)
        assert report.incremental
        build(reference, reference / "output", now=editor.now, cache_dir=images, processes=1)
        assert tree_with_modes(output) == tree_with_modes(reference / "output"), (edits, step)


def test_a_rebuild_with_nothing_changed_renders_and_writes_nothing(
    site: Path, tmp_path, images
) -> None:
    first = build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    assert not first.incremental and first.rendered == first.pages + first.documents + first.files
    again = build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    assert again.incremental and again.rendered == 0 and again.written == 0
    assert "reused" in again.summary()
    touch_a_source(site)  # past the source stamp: every output is looked at, none made
    looked = build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    assert looked.incremental and looked.rendered == 0 and looked.written == 0


def test_one_award_changed_renders_only_what_shows_it(site: Path, tmp_path, images) -> None:
    build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    _replace_line(site / "content/awards/ada.yaml", "  narrative", "Built a theremin.")
    report = build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    # Ada's awards (page, JSON, baked image, card each), her profile, and the site-wide
    # pages (home, skills, 404, sitemap, ...) - not Bo's awards nor the badge images.
    assert 0 < report.rendered < (report.pages + report.documents + report.files) / 2
    assert report.written >= 1
    assert (
        "theremin"
        in (site / "output/assertions/2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01/index.html").read_text()
    )


def _flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def _reseal(data: bytes, payload: bytes) -> bytes:
    """The same first line with a checksum that fits payload: damage the checksum misses."""
    fields = data.split(b"\n", 1)[0].split(b" ")
    return b" ".join([*fields[:3], code_identity.hash_bytes(payload).encode()]) + b"\n" + payload


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"not a cache file",
        lambda data: b"\x80\x04\x95",
        lambda data: data[: len(data) // 2],  # cut short
        _flip_last_byte,
        lambda data: data.split(b"\n", 1)[0] + b"\n",  # a first line and nothing else
        lambda data: _reseal(data, pickle.dumps({"index.html": ["x", 1, 2]})),  # wrong shape
        lambda data: _reseal(data, pickle.dumps([1, 2])),
    ],
)
def test_a_damaged_cache_is_ignored_and_said_so_once(
    site: Path, tmp_path, images, damage, caplog
) -> None:
    build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    stored = BuildStores.of(site, site / "output", images).outputs.path
    stored.write_bytes(damage(stored.read_bytes()))
    touch_a_source(site)
    with caplog.at_level(logging.INFO, logger="badgesite.cache"):
        report = build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    assert not report.incremental
    assert [record.levelname for record in _cache_log(caplog)] == ["WARNING"]
    assert str(stored) in _cache_log(caplog)[0].getMessage()
    assert "damaged" in _cache_log(caplog)[0].getMessage()
    touch_a_source(site)
    assert build(site, site / "output", now=FIXED_NOW, cache_dir=images).incremental


def _with_field(data: bytes, index: int, value: bytes) -> bytes:
    line, rest = data.split(b"\n", 1)
    fields = line.split(b" ")
    fields[index] = value
    return b" ".join(fields) + b"\n" + rest


@pytest.mark.parametrize(
    "made_by",
    [
        lambda data: data.replace(TAG, b"badgesite-cache/0", 1),  # an older layout
        lambda data: data.replace(b" outputs-2 ", b" outputs-1 ", 1),  # the layout before
        lambda data: _with_field(data, 2, b"0" * 40),  # made by other code or settings
    ],
)
def test_a_cache_of_another_layout_or_badgesite_is_ignored_quietly(
    site: Path, images, made_by, caplog
) -> None:
    build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    stored = BuildStores.of(site, site / "output", images).outputs.path
    stored.write_bytes(made_by(stored.read_bytes()))
    touch_a_source(site)
    with caplog.at_level(logging.INFO, logger="badgesite.cache"):
        report = build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    assert not report.incremental
    assert [record.levelname for record in _cache_log(caplog)] == ["INFO"]


def test_a_cache_made_for_another_output_or_base_url_is_ignored(
    site: Path, tmp_path, images
) -> None:
    build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    elsewhere = build(site, tmp_path / "elsewhere", now=FIXED_NOW, cache_dir=images)
    assert not elsewhere.incremental
    other_url = build(
        site,
        tmp_path / "elsewhere",
        base_url="https://other.example/",
        now=FIXED_NOW,
        cache_dir=images,
    )
    assert not other_url.incremental
    assert "https://other.example/" in (tmp_path / "elsewhere/index.html").read_text()


def test_a_cache_with_wrong_fingerprints_is_not_trusted_for_tampered_files(
    site: Path, tmp_path, images
) -> None:
    build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    (site / "output/index.html").unlink()
    touch_a_source(site)
    report = build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    assert report.incremental and report.rendered == 1
    assert (site / "output/index.html").is_file()


def test_clean_ignores_the_cache(site: Path, tmp_path, images) -> None:
    build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    (site / "output/stray.txt").write_text("left by hand")
    report = build(site, site / "output", now=FIXED_NOW, cache_dir=images, clean=True)
    assert not report.incremental
    assert not (site / "output/stray.txt").exists()


def test_a_failed_incremental_build_leaves_output_and_cache_as_they_were(
    site: Path, tmp_path, images
) -> None:
    build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    before = tree_with_modes(site / "output")
    _replace_line(site / "content/awards/ada.yaml", "  narrative", "Changed.")
    (site / "templates").mkdir()
    (site / "templates/award.html").write_text("{{ no_such_thing }}")
    with pytest.raises(Exception):  # noqa: B017 - a template error, whichever kind
        build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    assert tree_with_modes(site / "output") == before
    shutil.rmtree(site / "templates")
    _replace_line(
        site / "content/awards/ada.yaml", "  narrative", "Built a *fuzz pedal* kit in one evening."
    )
    assert build(site, site / "output", now=FIXED_NOW, cache_dir=images).incremental


def test_a_content_error_in_an_incremental_build_writes_nothing(
    site: Path, tmp_path, images
) -> None:
    build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    before = tree_with_modes(site / "output")
    _replace_line(site / "content/awards/ada.yaml", "  badge", "no-such-badge")
    with pytest.raises(CheckFailed):
        build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    assert tree_with_modes(site / "output") == before


def test_parallel_rendering_makes_the_same_files(tmp_path, images, monkeypatch) -> None:
    from badgesite.primitives import parallel

    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(parallel, "_CHUNK", 3)
    forked = []
    real = parallel._map_forked

    def spy(job, processes, progress=None):
        forked.append(processes)
        return real(job, processes, progress)

    monkeypatch.setattr(parallel, "_map_forked", spy)
    build(
        GOLDEN_SITE, tmp_path / "serial", now=FIXED_NOW, cache_dir=images, processes=1, clean=True
    )
    build(
        GOLDEN_SITE, tmp_path / "forked", now=FIXED_NOW, cache_dir=images, processes=2, clean=True
    )
    assert forked == [2]
    assert tree_bytes(tmp_path / "forked") == tree_bytes(tmp_path / "serial")


def test_forked_workers_stage_an_incremental_rebuild_like_one_process(
    site: Path, tmp_path, images, monkeypatch
) -> None:
    from badgesite.primitives import parallel

    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(parallel, "_CHUNK", 2)
    build(site, site / "output", now=FIXED_NOW, cache_dir=images, processes=2)
    _replace_line(site / "content/awards/ada.yaml", "  narrative", "Built a theremin.")
    report = build(site, site / "output", now=FIXED_NOW, cache_dir=images, processes=2)
    assert report.incremental and 0 < report.written <= report.rendered
    reference = tmp_path / "reference"
    shutil.copytree(site, reference, ignore=shutil.ignore_patterns("output", ".cache"))
    build(reference, reference / "output", now=FIXED_NOW, cache_dir=images, processes=1)
    assert tree_bytes(site / "output") == tree_bytes(reference / "output")
    # Nothing is left beside output/ once the changes are in place.
    assert sorted(path.name for path in site.iterdir() if path.name.startswith(".output")) == []


def test_unchanged_records_are_not_parsed_again(site: Path, images, monkeypatch) -> None:
    from badgesite import load

    build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    parsed_texts = []
    real_load = load.yaml.load

    def counting_load(text, Loader):
        parsed_texts.append(text)
        return real_load(text, Loader=Loader)

    monkeypatch.setattr(load.yaml, "load", counting_load)
    _replace_line(site / "content/earners/bo.yaml", "headline", "Welder")
    report = build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    assert report.incremental
    assert (site / "content/earners/bo.yaml").read_text() in parsed_texts
    unchanged = [
        *(site / "content/awards").glob("*.yaml"),
        *(site / "content/badges").glob("*.yaml"),
        site / "content/earners/ada.yaml",
    ]
    assert not {path.read_text() for path in unchanged} & set(parsed_texts)


class _RunsCode:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_parsed_records_cache_that_would_run_code_is_ignored(
    site: Path, tmp_path: Path, images
) -> None:
    marker = tmp_path / "the-parsed-cache-ran-code"
    build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    expected = tree_bytes(site / "output")
    records = BuildStores.of(site, site / "output", images).records
    known = Store(records.path, records.kind).read(loader_identity())
    assert known, "the build kept its parsed records"
    # Sealed as the store seals it (tag, identity, checksum): only unpickling stands between
    # the file and the code it names.
    records.write(loader_identity(), {key: _RunsCode(marker) for key in known})
    touch_a_source(site)
    report = build(site, site / "output", now=FIXED_NOW, cache_dir=images)
    assert report.incremental and not marker.exists()
    assert tree_bytes(site / "output") == expected


NEW_LOADER_RULE = """\
    if "headline:" in text:
        raise RefusedYaml(1, "headlines are refused by the new rules")
"""


def test_a_change_to_the_loaders_rules_parses_the_records_again(site: Path, tmp_path) -> None:
    """The records cache is kept for the loader that parsed them: a badgesite whose loader
    refuses more must not find the old parses and let through what it refuses."""
    import subprocess
    import sys

    import badgesite

    build(site, site / "output", now=FIXED_NOW)
    checkout = tmp_path / "checkout"
    edited = checkout / "generator" / "badgesite"
    shutil.copytree(
        Path(badgesite.__file__).parent, edited, ignore=shutil.ignore_patterns("__pycache__")
    )
    (checkout / "themes").symlink_to(REPO / "themes")
    rules = edited / "primitives" / "safe_yaml.py"  # the YAML rules the loader reads by
    opening = "    deep_line = _too_deep_line(text)\n"
    assert opening in rules.read_text()
    rules.write_text(rules.read_text().replace(opening, NEW_LOADER_RULE + opening, 1))
    environment = {
        key: value for key, value in os.environ.items() if key not in ("CI", "PYTHONPATH")
    }
    environment.update(PYTHONPATH=str(checkout / "generator"), SOURCE_DATE_EPOCH="1761998400")
    result = subprocess.run(
        [sys.executable, "-m", "badgesite", "build", "--site", str(site)],
        capture_output=True,
        text=True,
        env=environment,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "content/earners/ada.yaml:1: headlines are refused by the new rules" in result.stderr


def test_the_loader_identity_names_pyyaml_and_libyaml(monkeypatch) -> None:
    import yaml

    from badgesite.cache import parsed_cache

    before = parsed_cache.loader_identity.__wrapped__()
    monkeypatch.setattr(yaml, "__version__", "99.0")
    assert parsed_cache.loader_identity.__wrapped__() != before
    monkeypatch.undo()
    monkeypatch.setattr(yaml, "__with_libyaml__", not yaml.__with_libyaml__)
    assert parsed_cache.loader_identity.__wrapped__() != before


def test_progress_is_reported_for_every_rendered_output(site: Path, images) -> None:
    seen: list[tuple[int, int]] = []
    report = build(
        site, site / "output", now=FIXED_NOW, cache_dir=images, progress=lambda *a: seen.append(a)
    )
    total = report.pages + report.documents + report.files
    assert seen[-1] == (total, total) and len(seen) == total


def _cache_log(caplog) -> list:
    return [record for record in caplog.records if record.name == "badgesite.cache"]
