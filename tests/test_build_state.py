"""The kept build state: a build started from the last one's state makes what a fresh one does."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badgesite import checking, load, model, plan, render
from badgesite.build import BuildOptions, SiteBuilder, build
from badgesite.cache.build_state import BuildState
from badgesite.cache.fingerprint import fingerprint_outputs, fingerprints_kept
from badgesite.cache.source_stamp import RACY_NANOSECONDS
from badgesite.guards import credentials, published
from badgesite.guards.lints import CheckFailed
from badgesite.plan import key_of
from helpers import FIXED_NOW, GOLDEN_SITE
from test_incremental import Editor, tree_with_modes

# The groupings of a site's awards that a kept build carries over (model.derive_again).
GROUPINGS = ("listed_awards_by_badge", "awards_by_earner", "revoked_awards_by_issuer")
# The edits that change record files only: a build kept takes them in.
RECORD_EDITS = ["award", "earner", "visibility", "badge", "add_award", "revoke"]


def _fresh(options: BuildOptions):
    """What a build from nothing derives for the site as it is now."""
    planned, kept = checking.plan_kept(options)
    fingerprints, _ = fingerprints_kept(
        planned.site,
        planned.plan,
        kept.parts,
        kept.made_parts,
        planned.theme,
        planned.moment,
        planned.signing,
    )
    return planned, kept, fingerprints


def assert_fresh(state: BuildState, options: BuildOptions) -> None:
    """The state equals what a fresh build computes: records, model, plan, fingerprints."""
    planned, kept, fingerprints = _fresh(options)
    assert state.kept.loaded.records == kept.loaded.records
    assert state.kept.site == kept.site
    assert state.kept.planned_site == planned.site
    # What the sites group (awards by badge, earner, issuer), carried from the last build
    # where no award changed, is what fresh sites group, of the sites' own objects.
    for kept_site, fresh_site in (
        (state.kept.site, kept.site),
        (state.kept.planned_site, planned.site),
    ):
        for name in GROUPINGS:
            groups = getattr(kept_site, name)
            assert groups == getattr(fresh_site, name), name
            assert all(
                award is kept_site.awards[award.id] for found in groups.values() for award in found
            )
    assert list(state.kept.parts.parts.items()) == list(kept.parts.parts.items())
    assert state.kept.parts.paths.keys() == kept.parts.paths.keys()
    assert state.kept.parts.day_parts == kept.parts.day_parts
    assert state.kept.file_findings == kept.file_findings
    # The listings kept (which the next build keeps holders from) are the site's, and say
    # what a fresh build's say of every badge.
    listings, fresh = state.kept.parts.listings, kept.parts.listings
    assert listings.site is state.kept.planned_site and listings.as_of == planned.moment
    for slug in planned.site.badges:
        assert listings.holder_pages(slug) == fresh.holder_pages(slug), slug
        assert listings.holder_count(slug) == fresh.holder_count(slug), slug
        assert listings.skill_holders_not_shown(slug) == fresh.skill_holders_not_shown(slug)
    expected = fingerprint_outputs(
        planned.site, planned.plan, planned.theme, planned.moment, planned.signing
    )
    assert dict(state.fingerprints.fingerprints) == dict(expected)
    kept_fingerprints = state.fingerprints
    assert kept_fingerprints.aggregates == fingerprints.aggregates
    assert kept_fingerprints.by_record == fingerprints.by_record
    assert kept_fingerprints.by_aggregate == fingerprints.by_aggregate
    assert dict(kept_fingerprints.published) == dict(fingerprints.published)
    assert kept_fingerprints.part_lines == fingerprints.part_lines
    assert kept_fingerprints.outputs == fingerprints.outputs
    assert kept_fingerprints.site == planned.site
    digests = {key_of(record): digest for record, digest in kept_fingerprints.digests.values()}
    assert digests == {key_of(record): digest for record, digest in fingerprints.digests.values()}
    assert len(digests) == len(kept_fingerprints.digests)
    # The records of content/ kept for the next build, read again, say what a fresh read
    # says (the build may have added to them since it read them).
    site_dir = options.absolute_site_dir
    assert (state.kept.credential_record is None) == (kept.credential_record is None)
    for read, record in (
        (published.read_record, state.kept.published_record),
        (credentials.read_credential_record, state.kept.credential_record),
    ):
        if record is not None:
            again = read(site_dir, record)
            assert dataclasses.astuple(again) == dataclasses.astuple(read(site_dir))


def _builder(site: Path, images: Path, editor: Editor) -> SiteBuilder:
    options = BuildOptions(site, site / "output", now=editor.now, cache_dir=images, processes=1)
    return SiteBuilder(options)


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("image-cache")


EDITS = st.lists(
    st.tuples(
        st.sampled_from([*RECORD_EDITS, *RECORD_EDITS, "issuer", "withdraw", "template", "time"]),
        st.integers(0, 10_000),
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(edits=EDITS)
def test_a_kept_build_equals_a_clean_build(tmp_path_factory, images, edits) -> None:
    """After any edits, a build kept in memory makes the bytes of a clean build, and its
    state (records, model, plan by parts, fingerprints and what reads what) is the one a
    fresh build computes."""
    work = tmp_path_factory.mktemp("kept")
    site = work / "site"
    shutil.copytree(GOLDEN_SITE, site)
    editor = Editor(site)
    builder = _builder(site, images, editor)
    last_started = time.time_ns()
    builder.build()
    other_edited = 0  # when a file other than a record's was last changed
    for step, (edit, number) in enumerate(edits):
        if edit not in (*RECORD_EDITS, "time"):
            other_edited = time.time_ns()
        editor.apply(edit, number)
        reference = work / f"reference-{step}"
        shutil.copytree(site, reference, ignore=shutil.ignore_patterns("output", ".cache"))
        # Kept, unless a file other than a record's changed within 2 s before the last
        # build began (the racy rule: such a file is not trusted by the next build, however
        # many builds it takes to be 2 s old). A revoke may change nothing.
        trusted = other_edited < last_started - RACY_NANOSECONDS
        last_started = time.time_ns()
        report = builder.build(now=editor.now)
        assert report.incremental and builder.state is not None
        if edit in RECORD_EDITS and edit != "revoke" and trusted:
            assert builder.state.updated, (edits, step)
        build(reference, reference / "output", now=editor.now, cache_dir=images, processes=1)
        assert tree_with_modes(site / "output") == tree_with_modes(reference / "output"), (
            edits,
            step,
        )
        assert_fresh(builder.state, dataclasses.replace(builder.options, now=editor.now))


def _edit_ada(site: Path, text: str) -> None:
    path = site / "content/awards/ada.yaml"
    path.write_text(
        re.sub(r"narrative: .*", f"narrative: {text}", path.read_text(), count=1),
        encoding="utf-8",
    )


def test_one_award_edited_reads_models_and_plans_only_what_it_touches(
    site: Path, images, monkeypatch
) -> None:
    builder = _builder(site, images, Editor(site))
    builder.build()
    calls: dict[str, list] = {"read": [], "award": [], "plan": [], "lint": []}
    real_read, real_award, real_plan = load.read_yaml, model._Builder.award, plan._Planner.award
    monkeypatch.setattr(
        load, "read_yaml", lambda path, *a: calls["read"].append(path) or real_read(path, *a)
    )
    monkeypatch.setattr(
        model._Builder,
        "award",
        lambda self, record, *a: calls["award"].append(record) or real_award(self, record, *a),
    )
    monkeypatch.setattr(
        plan._Planner,
        "award",
        lambda self, award: calls["plan"].append(award.id) or real_plan(self, award),
    )
    monkeypatch.setattr(checking, "lint_files", lambda *a: calls["lint"].append(a) or [])
    _edit_ada(site, "Built a theremin.")
    report = builder.build()
    assert builder.state is not None and builder.state.updated
    assert calls["read"] == [site / "content/awards/ada.yaml"]
    assert {record.source for record in calls["award"]} == {"content/awards/ada.yaml"}
    assert calls["lint"] == []  # the whole site's files are not walked
    awards = builder.state.kept.planned_site.awards
    ada = {award.id for award in awards.values() if award.earner.slug == "ada"}
    assert set(calls["plan"]) == ada and len(ada) < len(awards)
    assert 0 < report.rendered < (report.pages + report.documents + report.files) / 4
    assert "theremin" in (site / "output/assertions").joinpath(
        "2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01/index.html"
    ).read_text(encoding="utf-8")


def test_rebuilds_in_one_process_keep_no_earlier_build_alive(site: Path, images) -> None:
    """A process that builds again and again (serve) holds one build's renderer, plan and
    records at a time: nothing made for an earlier build stays reachable (the imported
    template modules it kept were made with the renderer's functions)."""
    builder = _builder(site, images, Editor(site))
    builder.build()
    for number in range(3):
        _edit_ada(site, f"Built theremin {number}.")
        builder.build()
    gc.collect()
    renderers = [found for found in gc.get_objects() if isinstance(found, render.Renderer)]
    plans = [found for found in gc.get_objects() if isinstance(found, plan.Plan)]
    assert len(renderers) <= 1 and len(plans) <= 1


def _touch_site_yaml(site: Path) -> None:
    os.utime(site / "content/site.yaml")


def _template(site: Path) -> None:
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates/404.html").write_text("{% extends 'base.html' %}\n", encoding="utf-8")


def _image(site: Path) -> None:
    image = sorted((site / "content/images").iterdir())[0]
    image.write_bytes(image.read_bytes())
    os.utime(image, ns=(1, 1))


def _withdrawn(site: Path) -> None:
    with open(site / "content/withdrawn-awards.txt", "a", encoding="utf-8") as stream:
        stream.write("# nothing withdrawn\n")


def _issuer(site: Path) -> None:
    Editor(site).issuer(7)


def _other_build(site: Path) -> None:
    """Another process builds into the same folder (the build cache changes under it)."""
    _edit_ada(site, "Changed elsewhere.")
    build(site, site / "output", now=FIXED_NOW, cache_dir=site.parent / "images", processes=1)


def _age_all_but_records(site: Path) -> None:
    an_hour_ago = time.time() - 3600
    for path in site.rglob("*"):
        parts = path.relative_to(site).parts
        if path.is_file() and parts[0] != "output" and parts[:2] != ("content", "awards"):
            os.utime(path, (an_hour_ago, an_hour_ago))


@pytest.mark.parametrize(
    "change",
    [_touch_site_yaml, _template, _image, _withdrawn, _issuer, _other_build],
    ids=["site.yaml", "template", "image", "withdrawn", "issuer", "another-build"],
)
def test_anything_but_record_files_changed_makes_a_full_build(
    site: Path, tmp_path: Path, change
) -> None:
    images = site.parent / "images"
    builder = _builder(site, images, Editor(site))
    builder.build()
    change(site)
    _age_all_but_records(site)  # a file changed in the last 2 s is not trusted yet
    _edit_ada(site, "Built a theremin.")
    builder.build()
    assert builder.state is not None and not builder.state.updated
    assert_fresh(builder.state, builder.options)
    if change is _touch_site_yaml:
        _edit_ada(site, "Built a fuzz pedal.")  # and the next build is kept again
        builder.build()
        assert builder.state.updated


@pytest.mark.parametrize(
    "changes",
    [
        {"now": FIXED_NOW + dt.timedelta(days=1)},  # another day
        {"now": dt.datetime(2025, 1, 1, 12, tzinfo=dt.timezone.utc)},  # other statuses
        {"base_url": "https://elsewhere.example/"},
        {"clean": True},
    ],
    ids=["next-day", "statuses", "base-url", "clean"],
)
def test_other_options_or_moments_make_a_full_build(site: Path, images, changes) -> None:
    builder = _builder(site, images, Editor(site))
    builder.build()
    _edit_ada(site, "Built a theremin.")
    builder.build(**changes)
    assert builder.state is not None and not builder.state.updated


def test_a_content_error_keeps_the_state_for_the_fix(site: Path, images) -> None:
    builder = _builder(site, images, Editor(site))
    builder.build()
    path = site / "content/awards/ada.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("badge: ", "badge: no-such-", 1), encoding="utf-8")
    with pytest.raises(CheckFailed):
        builder.build()
    assert builder.state is not None
    path.write_text(good.replace("narrative: ", "narrative: Fixed. ", 1), encoding="utf-8")
    builder.build()
    assert builder.state.updated
    assert_fresh(builder.state, builder.options)


def test_a_preview_keeps_no_state(site: Path, images) -> None:
    builder = _builder(site, images, Editor(site))
    builder.build(drafts=True)
    assert builder.state is None


def test_a_certification_requiring_other_exams_plans_its_exams_holders_pages_again(
    site: Path, images, tmp_path
) -> None:
    # An earner's page shows the certifications requiring an exam they hold: when what a
    # certification requires changes, the pages of every holder of those exams are
    # planned again, though none of their records changed.
    editor = Editor(site)
    builder = _builder(site, images, editor)
    builder.build()
    path = site / "content/badges/certified-maker.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("requires: [soldering, laser-cutting]", "requires: [soldering]"))
    builder.build()
    assert builder.state is not None and builder.state.updated
    assert_fresh(builder.state, builder.options)
    reference = tmp_path / "reference"
    shutil.copytree(site, reference, ignore=shutil.ignore_patterns("output", ".cache"))
    build(reference, reference / "output", now=editor.now, cache_dir=images, processes=1)
    assert tree_with_modes(site / "output") == tree_with_modes(reference / "output")


def test_a_kept_build_parses_the_records_of_content_again_only_once_a_build_wrote_them(
    site: Path, images, monkeypatch
) -> None:
    """The published awards and status indices a build reads whole are kept with its state:
    the next build reads their files again, and parses them again only when they changed,
    as when the last build added an award to them."""
    editor = Editor(site)
    builder = _builder(site, images, editor)
    builder.build()
    parsed: list[object] = []
    for module in (published, credentials):
        real = module.record_lines
        monkeypatch.setattr(
            module, "record_lines", lambda text, real=real: parsed.append(text) or real(text)
        )
    _edit_ada(site, "Built a theremin.")
    builder.build()
    assert builder.state is not None and builder.state.updated
    assert parsed == []
    editor.add_award(7)
    [added] = editor.extra
    builder.build()
    assert builder.state.updated and parsed  # read as they were, then added to
    assert added in published.read_record(site).published
    parsed.clear()
    _edit_ada(site, "Built a theremin again.")
    builder.build()
    assert builder.state.updated and len(parsed) == 4  # what the last build wrote
    assert added in builder.state.kept.published_record.published
    assert added in builder.state.kept.credential_record.indices
    assert_fresh(builder.state, builder.options)
    parsed.clear()
    _edit_ada(site, "Built a theremin once more.")
    builder.build()
    assert builder.state.updated and parsed == []


def test_a_kept_build_groups_again_only_where_an_award_changed(site: Path, images) -> None:
    """The awards of a badge, an earner or an issuer that no award of the edit was or is in
    are the very groups the last build made."""
    builder = _builder(site, images, Editor(site))
    builder.build()
    assert builder.state is not None
    before = builder.state.kept.planned_site
    groups = {name: dict(getattr(before, name)) for name in GROUPINGS}
    _edit_ada(site, "Built a theremin.")
    builder.build()
    assert builder.state.updated
    after = builder.state.kept.planned_site
    ada = {award.id for award in after.awards.values() if award.source == "content/awards/ada.yaml"}
    assert ada and all(after.awards[i] is not before.awards[i] for i in ada)
    kept = 0
    for name, then in groups.items():
        for group, found in getattr(after, name).items():
            if not any(award.id in ada for award in (*found, *then[group])):
                assert found is then[group], (name, group)
                kept += 1
    assert kept  # (the golden site has groups that Ada's awards are not in)
    assert_fresh(builder.state, builder.options)
