"""Build options, and what CI and SOURCE_DATE_EPOCH add to them, read by the library."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from badgesite.build import build
from badgesite.options import BuildOptions, EnvironmentProblem, in_ci, pinned_moment
from helpers import FIXED_NOW

PINNED = {"SOURCE_DATE_EPOCH": "1761998400"}  # 2025-11-01 12:00 UTC


def test_ci_freezes_a_build_and_source_date_epoch_pins_its_moment() -> None:
    options = BuildOptions(Path("site")).from_environment({**PINNED, "CI": "true"})
    assert options.frozen
    assert options.now == dt.datetime(2025, 11, 1, 12, 0, tzinfo=dt.timezone.utc)
    assert options.site_dir == Path("site") and options.output_dir is None


def test_an_environment_without_either_changes_nothing() -> None:
    options = BuildOptions(Path("site"), clean=True)
    assert options.from_environment({}) == options
    assert options.from_environment({"CI": "false", "SOURCE_DATE_EPOCH": ""}) == options


def test_what_is_given_wins_over_the_environment() -> None:
    options = BuildOptions(Path("site"), now=FIXED_NOW, frozen=True)
    assert options.from_environment({**PINNED, "CI": ""}) == options


@pytest.mark.parametrize("value", ["true", "TRUE", " 1 ", "yes"])
def test_the_ways_ci_services_say_ci(value: str) -> None:
    assert in_ci({"CI": value})


@pytest.mark.parametrize("value", ["", "0", "false", "no", "on"])
def test_what_is_not_ci(value: str) -> None:
    assert not in_ci({"CI": value})


@pytest.mark.parametrize("value", ["soon", "-5", "1.5", "١٢٣", "9" * 30])
def test_a_source_date_epoch_that_is_not_a_moment_is_refused(value: str) -> None:
    with pytest.raises(EnvironmentProblem, match=r"SOURCE_DATE_EPOCH=.* is not a whole number"):
        pinned_moment({"SOURCE_DATE_EPOCH": value})


def test_options_are_built_from_either_form(site: Path, tmp_path: Path) -> None:
    options = BuildOptions(site, tmp_path / "out", now=FIXED_NOW, cache_dir=tmp_path / "images")
    report = build(options)
    assert report.output_dir == tmp_path / "out" and report.pages > 0
    again = build(site, tmp_path / "out", now=FIXED_NOW, cache_dir=tmp_path / "images")
    assert again.incremental and again.pages == report.pages
    with pytest.raises(TypeError):
        build(options, tmp_path / "elsewhere")
