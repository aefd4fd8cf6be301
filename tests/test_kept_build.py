"""The kept previous build: a rebuild is made from it, touching what the last two builds changed."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from badgesite import write
from badgesite.build import BuildOptions, SiteBuilder, build
from badgesite.cache import build_cache
from badgesite.cache.build_cache import BuildIdentity
from badgesite.cache.store import BuildStores
from helpers import FIXED_NOW
from test_incremental import Editor, _replace_line, tree_with_modes

ADA = "assertions/2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01/index.html"


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("image-cache")


def _build(site: Path, images: Path, **options):
    return build(site, site / "output", now=FIXED_NOW, cache_dir=images, processes=1, **options)


def _kept(site: Path, images: Path) -> Path:
    return BuildStores.of(site, site / "output", images).kept


def _narrative(site: Path, text: str) -> None:
    _replace_line(site / "content/awards/ada.yaml", "  narrative", text)


def _clean_copy(site: Path, images: Path, tmp_path: Path) -> dict[str, tuple[bytes, int]]:
    """What a clean build of the site as it stands makes (files, folders and modes)."""
    reference = tmp_path / "reference"
    shutil.rmtree(reference, ignore_errors=True)
    shutil.copytree(site, reference, ignore=shutil.ignore_patterns("output", ".cache"))
    build(reference, reference / "output", now=FIXED_NOW, cache_dir=images, processes=1)
    return tree_with_modes(reference / "output")


def _warm(site: Path, images: Path) -> None:
    """A first build and two rebuilds: the next rebuild is made from the kept build."""
    _build(site, images)
    for text in ("Built a theremin.", "Built a synthesizer."):
        _narrative(site, text)
        _build(site, images)
    assert _kept(site, images).is_dir()


class _FileCalls:
    """Counts the links, renames and new files a build makes (in any folder)."""

    def __init__(self, monkeypatch) -> None:
        self.links: list[str] = []
        self.written: list[str] = []
        real_link, real_write = os.link, write._write_new

        def link(source, target, *args, **kwargs):
            self.links.append(str(target))
            return real_link(source, target, *args, **kwargs)

        def write_new(path, data):
            self.written.append(str(path))
            return real_write(path, data)

        monkeypatch.setattr(os, "link", link)
        monkeypatch.setattr(write, "_write_new", write_new)


def test_a_rebuild_from_the_kept_build_links_and_writes_only_what_changed(
    site: Path, images, monkeypatch, tmp_path
) -> None:
    _warm(site, images)
    calls = _FileCalls(monkeypatch)
    reused = []
    real_init = write.Staging.__init__

    def spy(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        reused.append(self.reused)

    monkeypatch.setattr(write.Staging, "__init__", spy)
    _narrative(site, "Built a theremin again.")
    report = _build(site, images)
    total = report.pages + report.documents + report.files
    assert reused == [True]
    # The previous build's changes linked over, this build's written: a handful, where
    # making the build anew links every unchanged file (all but the written ones).
    assert 0 < report.written <= 4 and report.rendered < total / 2
    assert len(calls.written) == report.written
    assert len(calls.links) <= 4, calls.links
    monkeypatch.undo()
    assert tree_with_modes(site / "output") == _clean_copy(site, images, tmp_path)
    assert "theremin again" in (site / "output" / ADA).read_text()


def test_a_rebuild_without_a_kept_build_links_every_unchanged_file(
    site: Path, images, monkeypatch
) -> None:
    """The full path, for comparison (and a first rebuild: nothing is kept yet)."""
    _build(site, images)
    calls = _FileCalls(monkeypatch)
    _narrative(site, "Built a theremin.")
    report = _build(site, images)
    total = report.pages + report.documents + report.files
    assert len(calls.links) == total - report.written


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_builds_from_the_kept_build_equal_clean_builds(
    site: Path, images, tmp_path, monkeypatch, exchange: bool
) -> None:
    """Awards added and withdrawn (files and folders made and removed), pages changed,
    output/ tampered with by hand: every rebuild is byte for byte a clean build, with the
    modes of its files and folders and no empty folder."""
    if not exchange:
        monkeypatch.setattr(write, "_exchange", lambda first, second: False)
    editor = Editor(site)
    _build(site, images)
    # A withdrawal right after an addition drops files the previous build wrote.
    steps = ["add_award", "withdraw", "add_award", "award", "badge", "tamper", "revoke", "earner"]
    for number, edit in enumerate(steps):
        if edit == "tamper":
            (site / "output" / ADA).write_text("changed by hand")  # in place: a shared file
            os.utime(site / "content/site.yaml")
        else:
            editor.apply(edit, number)
        assert _build(site, images).incremental
        assert tree_with_modes(site / "output") == _clean_copy(site, images, tmp_path), edit
    assert _kept(site, images).is_dir()


def test_a_file_added_to_output_by_hand_does_not_come_back(site: Path, images) -> None:
    """output/ becomes the kept build of the build after next: a file added to it by hand
    would come back then, so a kept build whose folders changed is not used."""
    _warm(site, images)
    (site / "output/leftover.json").write_text("{}")
    (site / "output/assertions/by-hand").mkdir()
    (site / "output/assertions/by-hand/index.html").write_text("by hand")
    for text in ("One.", "Two.", "Three."):
        _narrative(site, text)
        _build(site, images)
        assert not (site / "output/leftover.json").exists()
        assert not (site / "output/assertions/by-hand").exists()


def test_a_folder_changed_in_the_kept_build_is_not_used(site: Path, images, monkeypatch) -> None:
    _warm(site, images)
    kept = _kept(site, images)
    (kept / "stray.txt").write_text("x")
    calls = _FileCalls(monkeypatch)
    _narrative(site, "Built a theremin again.")
    report = _build(site, images)
    assert len(calls.links) == report.pages + report.documents + report.files - report.written
    assert not (site / "output/stray.txt").exists()


def test_a_kept_build_of_another_generation_is_not_used(site: Path, images, monkeypatch) -> None:
    _warm(site, images)
    marker = _kept(site, images).with_name("previous-build.json")
    marker.write_text(json.dumps({"generation": "another"}))
    calls = _FileCalls(monkeypatch)
    _narrative(site, "Built a theremin again.")
    report = _build(site, images)
    assert len(calls.links) == report.pages + report.documents + report.files - report.written
    assert "theremin again" in (site / "output" / ADA).read_text()


def test_recover_removes_a_kept_build_that_a_build_died_changing(site: Path, images) -> None:
    _warm(site, images)
    kept = _kept(site, images)
    marker = kept.with_name("previous-build.json")
    write.recover(site / "output", kept)
    assert kept.is_dir() and marker.is_file()  # a kept build is left alone
    marker.unlink()  # as a build does before it changes the kept build
    (kept / "index.html").unlink()
    write.recover(site / "output", kept)
    assert not kept.exists()
    _narrative(site, "Built a theremin again.")
    assert _build(site, images).incremental
    assert "theremin again" in (site / "output" / ADA).read_text()


def test_recover_leaves_a_kept_build_a_running_build_holds(site: Path, images) -> None:
    _warm(site, images)
    kept = _kept(site, images)
    kept.with_name("previous-build.json").unlink()
    lock = write._lock_folder(kept)
    try:
        write.recover(site / "output", kept)
        assert kept.is_dir()
    finally:
        assert lock is not None
        os.close(lock)
    write.recover(site / "output", kept)
    assert not kept.exists()


def test_at_most_one_build_is_kept(site: Path, images) -> None:
    """The disk holds output/ and at most one kept build (sharing its unchanged files):
    nothing grows with the number of builds, and a clean build or a preview keeps none."""
    _build(site, images)
    folder = BuildStores.of(site, site / "output", images).folder
    for number in range(5):
        _narrative(site, f"Built kit {number}.")
        _build(site, images)
        assert sorted(path.name for path in folder.iterdir() if path.is_dir()) == ["previous-build"]
        assert not [path for path in site.iterdir() if path.name.startswith(".output")]
    index = site / "output/index.html"
    assert index.stat().st_nlink == 2  # output/ and the kept build share it
    _build(site, images, clean=True)
    assert not (folder / "previous-build").exists()
    assert index.stat().st_nlink == 1


def test_a_rebuild_kept_in_memory_is_made_from_the_kept_build_too(
    site: Path, images, monkeypatch, tmp_path
) -> None:
    # serve's builder starts from its state in memory: it must still bring the kept
    # previous build up to date rather than link every unchanged file.
    builder = SiteBuilder(
        BuildOptions(site, site / "output", now=FIXED_NOW, cache_dir=images, processes=1)
    )
    builder.build()
    for text in ("Built a theremin.", "Built a synthesizer."):
        _narrative(site, text)
        builder.build()
    assert builder.state is not None and builder.state.updated
    calls = _FileCalls(monkeypatch)
    _narrative(site, "Built a theremin again.")
    report = builder.build()
    assert builder.state.updated  # the kept state was used
    assert 0 < report.written <= 4
    assert len(calls.links) <= 4, calls.links
    monkeypatch.undo()
    assert tree_with_modes(site / "output") == _clean_copy(site, images, tmp_path)


def _builder(site: Path, images: Path) -> SiteBuilder:
    return SiteBuilder(
        BuildOptions(site, site / "output", now=FIXED_NOW, cache_dir=images, processes=1)
    )


def test_a_rebuild_kept_in_memory_records_what_a_pass_over_every_output_does(
    site: Path, images
) -> None:
    """A rebuild kept in memory updates the build cache, the count of each kind of output
    and the folders to check by what it wrote and dropped, rather than by a pass over every
    output: they must still say what such a pass says."""
    editor = Editor(site)
    builder = _builder(site, images)
    builder.build()
    for number, edit in enumerate(["add_award", "award", "add_award", "earner", "badge"]):
        editor.apply(edit, number)
        report = builder.build()
        state = builder.state
        assert state is not None and state.updated, edit
        expected = {}
        for path, fingerprint in state.fingerprints.fingerprints.items():
            status = os.stat(site / "output" / path)
            expected[path] = (fingerprint, status.st_size, status.st_mtime_ns)
        assert dict(state.entries) == expected, edit
        config = state.kept.planned_site.config
        identity = BuildIdentity.of(
            builder.options.absolute_site_dir,
            builder.options.absolute_output_dir,
            config.base_url,
            config.theme,
        )
        stored = build_cache.read(BuildStores.of(site, site / "output", images), identity)
        assert stored is not None and stored.entries == expected, edit
        outputs = [output for found in state.kept.parts.parts.values() for output in found]
        kinds = Counter(output.recipe.kind for output in outputs)
        assert +Counter(state.kinds) == kinds, edit
        assert report.pages + report.documents + report.files == len(outputs)
        assert write.folders_of(expected) <= state.folders, edit


def test_a_folder_a_rebuild_kept_in_memory_made_is_checked_in_the_kept_build(
    site: Path, images, tmp_path
) -> None:
    """The folders of the kept build that a rebuild kept in memory checks are those its
    state keeps, updated by each rebuild: a folder one made (a new award's) is among them,
    so a file added there by hand is told and does not come back."""
    editor = Editor(site)
    builder = _builder(site, images)
    builder.build()
    for text in ("Built a theremin.", "Built a synthesizer."):
        _narrative(site, text)
        builder.build()
    editor.add_award(1)
    builder.build()  # its folder is made in output/ by a rebuild kept in memory
    (award_id,) = editor.extra
    _narrative(site, "Built a theremin again.")
    builder.build()  # the build with the new folder is now the kept one
    assert builder.state is not None and builder.state.updated
    folder = _kept(site, images) / "assertions" / award_id
    assert folder.is_dir()
    (folder / "stray.txt").write_text("by hand")
    _narrative(site, "Built a synthesizer again.")
    builder.build()
    assert builder.state.updated
    assert not (site / "output/assertions" / award_id / "stray.txt").exists()
    assert tree_with_modes(site / "output") == _clean_copy(site, images, tmp_path)
