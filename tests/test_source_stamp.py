"""The source stamp: a rebuild with nothing changed stops before reading any record."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from badgesite import checking, load, make
from badgesite.build import build
from badgesite.cache import source_stamp
from badgesite.cache.store import TAG, BuildStores
from badgesite.cli import main
from badgesite.guards.lints import CheckFailed
from badgesite.templating import themes
from helpers import FIXED_NOW, REPO
from helpers import write as write_file
from test_incremental import AWARD_TEMPLATE, _replace_line

AWARD_PAGE = "output/assertions/7b3e9d14-52c8-4f0a-8e61-2d9c4b7a1e02/index.html"


def age(path: Path, seconds: int = 3600) -> None:
    """Date a file back, as if edited long before the build (a fresh edit is never trusted
    to show a later change of the same size within the same tick of the clock)."""
    moment = time.time() - seconds
    os.utime(path, (moment, moment))


@pytest.fixture
def real_builds(monkeypatch) -> list[Path]:
    """The site folders of the builds that went past the source stamp and read records."""
    seen: list[Path] = []
    real = make.plan_checked

    def counting(site_dir: Path, *args, **kwargs):
        seen.append(site_dir)
        return real(site_dir, *args, **kwargs)

    monkeypatch.setattr(make, "plan_checked", counting)
    return seen


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("image-cache")


def stamp_path(site: Path, cache_dir: Path | None = None) -> Path:
    """Where the stamp of site built into site/output is kept."""
    return BuildStores.of(site, site / "output", cache_dir).sources.path


def test_a_rebuild_with_nothing_changed_reads_no_record(
    site: Path, images: Path, monkeypatch
) -> None:
    first = build(site, now=FIXED_NOW, cache_dir=images)
    assert stamp_path(site, images).is_file()

    def refuse(*args, **kwargs):
        raise AssertionError("a no-op rebuild read the content")

    monkeypatch.setattr(load.yaml, "load", refuse)
    monkeypatch.setattr(checking, "load_config", refuse)
    monkeypatch.setattr(checking, "load_records", refuse)
    monkeypatch.setattr(make, "map_parallel", refuse)
    again = build(site, now=FIXED_NOW + dt.timedelta(hours=1), cache_dir=images)
    assert again.incremental and again.rendered == 0 and again.written == 0
    assert again.reused == first.pages + first.documents + first.files
    assert again.warnings == first.warnings
    assert again.output_dir == site / "output"


def _edit_award(site: Path) -> None:
    _replace_line(site / "content/awards/ada.yaml", "  narrative", "Built a theremin.")


def _add_content_file(site: Path) -> None:
    write_file(site, "content/images/spare.svg", (site / "content/images/laser.svg").read_text())


def _remove_content_file(site: Path) -> None:
    (site / "content/images/spare.svg").unlink()


def _override_a_template(site: Path) -> None:
    write_file(site, "templates/award.html", AWARD_TEMPLATE.read_text() + "<!-- mine -->\n")


def _change_site_settings(site: Path) -> None:
    _replace_line(site / "content/site.yaml", "title", "Harbour Lab's own badges")


def _choose_another_theme(site: Path) -> None:
    _replace_line(site / "content/site.yaml", "theme", "compact")


def _add_a_theme_of_the_site(site: Path) -> None:
    shutil.copytree(REPO / "themes/default", site / "themes/default")


def _touch_a_record(site: Path) -> None:
    os.utime(site / "content/earners/bo.yaml")


def test_a_real_build_walks_the_sources_once(site: Path, images: Path, monkeypatch) -> None:
    """The no-op check's scan of the sources is the build's own: a build that finds a
    change walks content/ and the themes again only to check, once built, that nothing
    changed while it ran."""
    for path in site.rglob("*"):
        age(path)  # else the stamp would not trust them, and a build would find no stamp
    build(site, now=FIXED_NOW, cache_dir=images)
    assert stamp_path(site, images).is_file()
    scans: list[Path] = []
    real_scan = source_stamp.scan
    monkeypatch.setattr(
        source_stamp, "scan", lambda site_dir, *a: scans.append(site_dir) or real_scan(site_dir, *a)
    )
    _edit_award(site)
    age(site / "content/awards/ada.yaml")
    report = build(site, now=FIXED_NOW, cache_dir=images)
    assert report.rendered > 0 and len(scans) == 2  # before reading anything, and after
    assert stamp_path(site, images).is_file()
    ada = site / "output/assertions/2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01/index.html"
    assert "theremin" in ada.read_text(encoding="utf-8")


def test_a_build_after_an_edit_just_saved_walks_the_sources_once(
    site: Path, images: Path, monkeypatch
) -> None:
    """A file changed within a tick of the clock before the build (as while serving: the
    edit is seconds old) leaves no stamp, so the build does not walk the sources again
    to check on one: a second scan could only confirm that none is taken."""
    for path in site.rglob("*"):
        age(path)
    build(site, now=FIXED_NOW, cache_dir=images)
    scans: list[Path] = []
    real_scan = source_stamp.scan
    monkeypatch.setattr(
        source_stamp, "scan", lambda site_dir, *a: scans.append(site_dir) or real_scan(site_dir, *a)
    )
    _edit_award(site)  # just now
    report = build(site, now=FIXED_NOW, cache_dir=images)
    assert report.rendered > 0 and len(scans) == 1
    assert not stamp_path(site, images).is_file()  # the next build is a real one
    assert build(site, now=FIXED_NOW, cache_dir=images).rendered == 0


@pytest.mark.parametrize(
    "change",
    [
        _edit_award,
        _add_content_file,
        _remove_content_file,
        _override_a_template,
        _change_site_settings,
        _choose_another_theme,
        _add_a_theme_of_the_site,
        _touch_a_record,
    ],
)
def test_any_change_to_what_a_build_reads_makes_a_real_build(
    site: Path, images: Path, real_builds: list[Path], change: Callable[[Path], None]
) -> None:
    _add_content_file(site)
    age(site / "content/images/spare.svg")
    build(site, now=FIXED_NOW, cache_dir=images)
    build(site, now=FIXED_NOW, cache_dir=images)
    assert len(real_builds) == 1
    change(site)
    build(site, now=FIXED_NOW, cache_dir=images)
    assert len(real_builds) == 2
    reference = site.parent / "reference"
    shutil.copytree(site, reference, ignore=shutil.ignore_patterns("output", ".cache"))
    build(reference, now=FIXED_NOW, cache_dir=images)
    assert _tree(site / "output") == _tree(reference / "output")


def _tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_a_theme_outside_the_site_is_watched_too(
    site: Path, images: Path, real_builds: list[Path], tmp_path: Path, monkeypatch
) -> None:
    bundled = tmp_path / "bundled-themes"
    shutil.copytree(REPO / "themes", bundled)
    monkeypatch.setattr(themes, "builtin_themes_dir", lambda: bundled)
    build(site, now=FIXED_NOW, cache_dir=images)
    stores = BuildStores.of(site, site / "output", images)
    key = source_stamp.stamp_identity(str(site), str(site / "output"), None)
    assert str(bundled / "default") in source_stamp.read(stores, key).theme_roots
    build(site, now=FIXED_NOW, cache_dir=images)
    assert len(real_builds) == 1
    template = bundled / "default/templates/award.html"
    template.write_text(
        template.read_text().replace(
            "{% block main %}", "{% block main %}<!-- a new release of the theme -->"
        )
    )
    build(site, now=FIXED_NOW, cache_dir=images)
    assert len(real_builds) == 2
    assert "a new release of the theme" in (site / AWARD_PAGE).read_text()


def test_another_output_folder_or_base_url_makes_a_real_build(
    site: Path, images: Path, real_builds: list[Path], tmp_path: Path
) -> None:
    build(site, now=FIXED_NOW, cache_dir=images)
    build(site, tmp_path / "elsewhere", now=FIXED_NOW, cache_dir=images)
    assert len(real_builds) == 2
    build(site, tmp_path / "elsewhere", now=FIXED_NOW, cache_dir=images)
    assert len(real_builds) == 2
    build(
        site,
        tmp_path / "elsewhere",
        base_url="https://other.example/",
        now=FIXED_NOW,
        cache_dir=images,
    )
    assert len(real_builds) == 3
    assert "https://other.example/" in (tmp_path / "elsewhere/index.html").read_text()


def test_the_next_day_changes_nothing_when_no_status_changes(
    site: Path, images: Path, real_builds: list[Path]
) -> None:
    build(site, now=FIXED_NOW, cache_dir=images)
    first = {path: path.read_bytes() for path in (site / "output").rglob("*") if path.is_file()}
    # 00:30 on 2 November in Berlin, the site's zone: no page shows the day, so the daily
    # build of a site whose records did not change stops at the stamp.
    next_day = dt.datetime(2026, 11, 1, 23, 30, tzinfo=dt.timezone.utc)
    build(site, now=next_day, cache_dir=images)
    assert len(real_builds) == 1
    # A real build that day (a record touched, its text unchanged) renders and writes nothing.
    age(site / "content/site.yaml", seconds=60)
    report = build(site, now=next_day, cache_dir=images)
    assert len(real_builds) == 2
    assert (report.rendered, report.written, report.removed) == (0, 0, 0)
    after = {path: path.read_bytes() for path in (site / "output").rglob("*") if path.is_file()}
    assert after == first


def test_a_template_of_the_sites_own_that_shows_the_day_makes_a_real_build_the_next_day(
    site: Path, images: Path, real_builds: list[Path]
) -> None:
    template = AWARD_TEMPLATE.read_text(encoding="utf-8").replace(
        "{{ t('status_checked_at_build') }}", "Built on {{ built_at | date }}."
    )
    write_file(site, "templates/award.html", template)
    age(site / "templates/award.html")
    build(site, now=FIXED_NOW, cache_dir=images)
    # 23:30 in Berlin: still the day of the build.
    build(site, now=dt.datetime(2026, 11, 1, 22, 30, tzinfo=dt.timezone.utc), cache_dir=images)
    assert len(real_builds) == 1
    # 00:30 on 2 November in Berlin, though still 1 November in UTC.
    build(site, now=dt.datetime(2026, 11, 1, 23, 30, tzinfo=dt.timezone.utc), cache_dir=images)
    assert len(real_builds) == 2
    assert "Built on November 2, 2026." in (site / AWARD_PAGE).read_text()


def test_an_award_expiring_after_the_build_makes_a_real_build(
    site: Path, images: Path, real_builds: list[Path]
) -> None:
    awards = site / "content/awards/ada.yaml"
    awards.write_text(
        awards.read_text().replace("expires: 2025-04-10", "expires: 2026-11-01T15:00:00Z")
    )
    age(awards)
    build(site, now=FIXED_NOW, cache_dir=images)
    assert 'class="status status--valid"' in (site / AWARD_PAGE).read_text()
    build(site, now=FIXED_NOW + dt.timedelta(hours=2), cache_dir=images)
    assert len(real_builds) == 1
    build(site, now=FIXED_NOW + dt.timedelta(hours=3), cache_dir=images)
    assert len(real_builds) == 2
    assert 'class="status status--expired"' in (site / AWARD_PAGE).read_text()
    # Back before the expiry, as a build with SOURCE_DATE_EPOCH may be.
    build(site, now=FIXED_NOW, cache_dir=images)
    assert len(real_builds) == 3
    assert 'class="status status--valid"' in (site / AWARD_PAGE).read_text()


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"not a stamp",
        lambda data: b"\x80\x04\x95",
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),
        lambda data: data[: len(data) - 10],
        lambda data: data.replace(TAG, b"badgesite-cache/0", 1),  # an older layout
    ],
)
def test_a_damaged_stamp_is_ignored(
    site: Path, images: Path, real_builds: list[Path], damage
) -> None:
    build(site, now=FIXED_NOW, cache_dir=images)
    path = stamp_path(site, images)
    path.write_bytes(damage(path.read_bytes()))
    build(site, now=FIXED_NOW, cache_dir=images)
    assert len(real_builds) == 2


_ROOTS, _SOURCES, _ZONE, _DAY, _FROM, _UNTIL, _COUNTS, _WARNINGS = range(8)


def _changed(index: int, value) -> Callable[[list], None]:
    return lambda stored: stored.__setitem__(index, value)


@pytest.mark.parametrize(
    ("identity", "forge"),
    [
        # Sealed by the store for what it claims to be: a stamp of other folders or code.
        (("/another/site", "OUTPUT", None), lambda stored: None),
        (("SITE", "/another/output", None), lambda stored: None),
        (("SITE", "OUTPUT", "https://other.example/"), lambda stored: None),
        # For this build, but not what it would have written.
        (("SITE", "OUTPUT", None), lambda stored: stored[_SOURCES].popitem()),
        (("SITE", "OUTPUT", None), _changed(_COUNTS, (1, 2, "3"))),
        (("SITE", "OUTPUT", None), _changed(_COUNTS, [1, 2, 3])),
        (("SITE", "OUTPUT", None), _changed(_UNTIL, dt.datetime(2026, 11, 1, 12))),
        (("SITE", "OUTPUT", None), _changed(_UNTIL, "2026-11-01T12:00:00Z")),
        (("SITE", "OUTPUT", None), _changed(_ZONE, "Mars/Base")),
        (("SITE", "OUTPUT", None), _changed(_ROOTS, ("relative/theme",))),
        (("SITE", "OUTPUT", None), _changed(_WARNINGS, (("warning", "x", "1", "", "m"),))),
    ],
)
def test_a_foreign_or_forged_stamp_is_ignored(
    site: Path, images: Path, real_builds: list[Path], identity, forge
) -> None:
    build(site, now=FIXED_NOW, cache_dir=images)
    stores = BuildStores.of(site, site / "output", images)
    folders = {"SITE": str(site), "OUTPUT": str(site / "output")}
    own = source_stamp.stamp_identity(folders["SITE"], folders["OUTPUT"], None)
    stored = list(stores.sources.read(own))
    forge(stored)
    claimed = [folders.get(part, part) for part in identity[:2]]
    stores.sources.write(source_stamp.stamp_identity(*claimed, identity[2]), tuple(stored))
    build(site, now=FIXED_NOW, cache_dir=images)
    assert len(real_builds) == 2


def test_a_stamp_rewritten_as_it_was_is_trusted(
    site: Path, images: Path, real_builds: list[Path]
) -> None:
    """The control of the forgeries above: a stamp read and written back is reused."""
    build(site, now=FIXED_NOW, cache_dir=images)
    stores = BuildStores.of(site, site / "output", images)
    own = source_stamp.stamp_identity(str(site), str(site / "output"), None)
    stores.sources.write(own, stores.sources.read(own))
    build(site, now=FIXED_NOW, cache_dir=images)
    assert len(real_builds) == 1


def test_clean_makes_a_real_build(site: Path, images: Path, real_builds: list[Path]) -> None:
    build(site, now=FIXED_NOW, cache_dir=images)
    report = build(site, now=FIXED_NOW, cache_dir=images, clean=True)
    assert len(real_builds) == 2 and not report.incremental


def test_a_failed_build_leaves_no_stamp(site: Path, images: Path, real_builds: list[Path]) -> None:
    build(site, now=FIXED_NOW, cache_dir=images)
    awards = site / "content/awards/ada.yaml"
    before, status = awards.read_bytes(), awards.stat()
    _replace_line(awards, "  badge", "no-such-badge")
    with pytest.raises(CheckFailed):
        build(site, now=FIXED_NOW, cache_dir=images)
    assert not stamp_path(site, images).exists()
    # Put back as it was, time and all: the stamp it had is gone, so a real build runs.
    awards.write_bytes(before)
    os.utime(awards, ns=(status.st_atime_ns, status.st_mtime_ns))
    build(site, now=FIXED_NOW, cache_dir=images)
    assert len(real_builds) == 3


def test_a_source_edited_just_before_the_build_is_not_trusted_yet(
    site: Path, images: Path, real_builds: list[Path]
) -> None:
    _edit_award(site)
    build(site, now=FIXED_NOW, cache_dir=images)
    assert not stamp_path(site, images).exists()
    build(site, now=FIXED_NOW, cache_dir=images)
    assert len(real_builds) == 2
    age(site / "content/awards/ada.yaml")
    build(site, now=FIXED_NOW, cache_dir=images)
    build(site, now=FIXED_NOW, cache_dir=images)
    assert len(real_builds) == 3


def test_a_source_removed_while_the_build_runs_leaves_no_stamp(
    site: Path, images: Path, monkeypatch
) -> None:
    _add_content_file(site)
    age(site / "content/images/spare.svg")
    real = make.plan_checked

    def removing(*args, **kwargs):
        planned = real(*args, **kwargs)
        _remove_content_file(site)
        return planned

    monkeypatch.setattr(make, "plan_checked", removing)
    build(site, now=FIXED_NOW, cache_dir=images)
    assert not stamp_path(site, images).exists()


def test_a_folder_linked_into_the_site_is_never_stamped(
    site: Path, images: Path, tmp_path: Path
) -> None:
    (site / "content/images/more").symlink_to(site / "content/badges")
    build(site, now=FIXED_NOW, cache_dir=images)
    assert not stamp_path(site, images).exists()


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"SOURCE_DATE_EPOCH": "1761998400"})


def test_a_no_op_build_prints_the_same_warnings_again(site: Path, real_builds: list[Path]) -> None:
    settings = site / "content/site.yaml"
    _replace_line(settings, "base_url", "https://badges.example.org/")
    age(settings)
    first = run("build", "--site", str(site))
    again = run("build", "--site", str(site))
    assert first.exit_code == again.exit_code == 0, again.output
    assert len(real_builds) == 1  # the second stopped at the stamp
    assert "warning" in first.stderr and again.stderr == first.stderr
    assert "(85 reused from the last build, 0 written, 0 removed)" in again.stdout


def test_a_no_op_build_leaves_hand_edited_output_until_a_clean_build(site: Path) -> None:
    run("build", "--site", str(site))
    page = site / AWARD_PAGE
    built = page.read_bytes()
    page.write_bytes(b"changed by hand")
    assert run("build", "--site", str(site)).exit_code == 0
    assert page.read_bytes() == b"changed by hand"
    assert run("build", "--site", str(site), "--clean").exit_code == 0
    assert page.read_bytes() == built


def test_a_no_op_build_on_the_command_line_loads_no_pipeline(site: Path) -> None:
    script = (
        "import sys\n"
        "from badgesite.cli import main\n"
        "try:\n"
        "    main(['build', '--site', sys.argv[1]])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ['badgesite.make', 'badgesite.checking', 'badgesite.model', 'badgesite.render',\n"
        "         'jinja2', 'PIL', 'babel', 'markdown', 'nh3', 'yaml']\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    environment = {**os.environ, "SOURCE_DATE_EPOCH": "1761998400"}

    def loaded() -> str:
        result = subprocess.run(
            [sys.executable, "-c", script, str(site)],
            capture_output=True,
            text=True,
            env=environment,
            check=True,
        )
        return result.stdout.splitlines()[-1]

    assert "badgesite.render" in loaded()  # the first build makes everything
    assert loaded() == "[]"


def test_a_frozen_build_reuses_the_stamp_of_a_build_that_recorded_new_awards(
    site: Path, images: Path, real_builds: list[Path]
) -> None:
    (site / "content/published-awards.txt").unlink()
    first = build(site, now=FIXED_NOW, cache_dir=images)
    assert first.newly_recorded
    # What a real frozen build would check is now true: every published award is recorded.
    again = build(site, now=FIXED_NOW, cache_dir=images, frozen=True)
    assert len(real_builds) == 1 and again.rendered == 0 and not again.newly_recorded
