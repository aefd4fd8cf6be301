from pathlib import Path

import pytest

from badgesite.load import LineLocator, load_records, read_yaml
from helpers import write


def test_line_locator_finds_nested_keys_and_list_items() -> None:
    text = "name: A\nalignment:\n  - name: X\n    url: https://x.example/\n  - name: Y\n"
    locator = LineLocator(text)
    assert locator.line(("name",)) == 1
    assert locator.line(("alignment",)) == 2
    assert locator.line(("alignment", 0, "url")) == 4
    assert locator.line(("alignment", 1)) == 5
    # a key that does not exist points at the deepest part that does
    assert locator.line(("alignment", 1, "missing")) == 5


def test_award_list_files_become_one_record_per_item(site: Path) -> None:
    result = load_records(site)
    awards = [record for record in result.records if record.kind == "award"]
    assert len(awards) == 11
    second = next(r for r in awards if r.source.endswith("ada.yaml") and r.prefix == (1,))
    assert second.line("badge") == 13


def test_malformed_yaml_names_file_and_line(site: Path) -> None:
    write(site, "content/earners/ada.yaml", "name: Ada\nbio: [unclosed\nheadline: x\n")
    result = load_records(site)
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.path == "content/earners/ada.yaml"
    assert error.line == 2
    assert error.message.startswith("invalid YAML:")
    assert ("earner", "ada") in result.broken_slugs


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("name: Ada\nbio: [unclosed\n", 2),  # the parser notices at the end, line 3
        ('name: Ada\nbio: "unclosed\n', 2),  # ... and at line 4, past the end of the file
        ("name: Ada\nbio: 'unclosed\n\n\n", 2),
        ("name: Ada\nbio: {a: 1\nheadline: x\n", 2),
        ("name: Ada\nbio: a\n  headline: b\nx: 1\n", 3),  # no bracket open: its own line
        ("name: Ada\nlist:\n  - a\n - b\n", 4),  # not the line the mapping opens on
        ("name: Ada\n%YAML 1.1\n", 2),  # noticed past the end of the file
    ],
)
def test_a_yaml_syntax_error_is_reported_where_it_starts(site: Path, text: str, line: int) -> None:
    # site.yaml, a theme's texts and records are all read by read_yaml.
    for relative in ("content/site.yaml", "themes/x/i18n/en.yaml", "content/earners/ada.yaml"):
        error = read_yaml(write(site, relative, text), site)
        assert not isinstance(error, tuple)
        assert (error.path, error.line) == (relative, line)
        assert error.message.startswith("invalid YAML:")


def test_non_yaml_files_and_bad_slugs_are_reported(site: Path) -> None:
    write(site, "content/badges/notes.txt", "hello")
    write(site, "content/badges/Bad_Name.yaml", "name: x")
    messages = {str(error) for error in load_records(site).errors}
    assert "content/badges/notes.txt: not a record: badges/ holds .yaml files" in messages
    assert any(
        "content/badges/Bad_Name.yaml: file name 'Bad_Name' is not a slug" in m for m in messages
    )


def test_only_files_named_slug_dot_yaml_are_records(site: Path) -> None:
    """As a path's suffix and stem say (a folder listed by name, its entries' types known)."""
    for name in ("a.", "yaml", "notes.yaml.bak", "two.dots.yaml"):
        write(site, f"content/awards/{name}", "x: 1")
    (site / "content/earners/folder.yaml").mkdir()
    (site / "content/earners/linked.yaml").symlink_to(site / "content/earners/folder.yaml")
    loaded = load_records(site)
    not_records = {e.path for e in loaded.errors if e.message.startswith("not a record")}
    assert not_records == {
        "content/awards/a.",
        "content/awards/yaml",
        "content/awards/notes.yaml.bak",
        "content/earners/folder.yaml",
        "content/earners/linked.yaml",
    }
    assert any(record.source == "content/awards/two.dots.yaml" for record in loaded.records)


def test_oversized_record_is_refused(site: Path) -> None:
    write(site, "content/earners/huge.yaml", "name: x\nbio: " + "a" * (3 * 1024 * 1024))
    errors = load_records(site).errors
    assert any(e.path == "content/earners/huge.yaml" and "limited to" in e.message for e in errors)


def test_a_valid_site_never_composes_yaml_nodes(site: Path, monkeypatch) -> None:
    # Line numbers cost a second parse; only files with errors may pay it.
    import yaml

    from badgesite.build import load_site

    calls: list[str] = []
    monkeypatch.setattr(yaml, "compose", lambda *args, **kwargs: calls.append("compose"))
    load_site(site)
    assert calls == []


def test_duplicate_keys_are_errors_not_silently_overridden(site: Path) -> None:
    path = site / "content/earners/ada.yaml"
    write(site, "content/earners/ada.yaml", path.read_text() + "visibility: private\nname: Eve\n")
    errors = [str(error) for error in load_records(site).errors]
    assert errors == ["content/earners/ada.yaml:8: name: duplicate key (first on line 1)"]


def test_new_files_parsed_on_several_cores_load_like_one_process(site: Path, monkeypatch) -> None:
    from badgesite import load
    from badgesite.cache.parsed_cache import ParsedYamlCache
    from badgesite.primitives import parallel

    write(site, "content/earners/broken.yaml", "name: Broken\nbio: [unclosed\n")
    serial = load_records(site, ParsedYamlCache(None), processes=1)
    monkeypatch.setattr(load, "PARALLEL_PARSE_THRESHOLD", 1)
    forked_batches = []
    real = parallel._map_forked

    def spy(job, processes, progress=None):
        forked_batches.append(len(job.items))
        return real(job, processes, progress)

    monkeypatch.setattr(parallel, "_map_forked", spy)
    cache = ParsedYamlCache(None)
    forked = load_records(site, cache, processes=2)
    assert forked_batches and forked_batches[0] > 1
    assert [(r.kind, r.slug, r.source, r.data, r.prefix) for r in forked.records] == [
        (r.kind, r.slug, r.source, r.data, r.prefix) for r in serial.records
    ]
    assert forked.errors == serial.errors and len(forked.errors) == 1
    # What the workers parsed is in the cache: loading again parses nothing.
    (site / "content/earners/broken.yaml").unlink()
    monkeypatch.setattr(load.yaml, "load", lambda *args, **kwargs: 1 / 0)
    again = load_records(site, cache, processes=1)
    assert len(again.records) == len(serial.records) and not again.errors


def test_a_character_yaml_forbids_is_reported_at_its_line(site: Path) -> None:
    # libyaml counts the position in bytes: the accented letters before it must not shift it.
    write(site, "content/earners/ada.yaml", "name: Adé\nheadline: ü\nbio: \x7f\n")
    (error,) = load_records(site).errors
    assert str(error) == (
        "content/earners/ada.yaml:3: invalid YAML: character U+007F is not allowed "
        "(control characters are not allowed)"
    )


def test_a_mapping_of_over_a_thousand_keys_is_refused_and_not_cached(site: Path) -> None:
    from badgesite.cache.parsed_cache import ParsedYamlCache

    text = "name: Bo\n" + "".join(f"k{index}: 1\n" for index in range(1_001))
    write(site, "content/earners/bo.yaml", text)
    cache = ParsedYamlCache(None)
    errors = load_records(site, cache).errors
    assert [error.message for error in errors] == [
        "a mapping of 1,002 keys; the limit is 1,000 (records have a few dozen fields at most)"
    ]
    assert not cache.knows(text)
