"""The pipeline runs one way: loading and modelling a site pull in no import or network code."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from badgesite.cache import source_stamp
from badgesite.cli import main
from badgesite.load import load_records
from helpers import write

IMPORT_CODE = (
    "badgesite.openbadges.fetch",
    "badgesite.openbadges.retrieve",
    "badgesite.openbadges.verify",
    "badgesite.importing.snapshot",
)


def _modules_after_importing(module: str) -> set[str]:
    script = f"import sys, {module}; print('\\n'.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    return set(result.stdout.split())


OPENBADGES = Path(__file__).parents[1] / "generator" / "badgesite" / "openbadges"
# The standard may lean on the building blocks and on itself, on nothing else of the app.
STANDARD_MAY_USE = ("badgesite", "badgesite.openbadges", "badgesite.primitives")


def test_the_standard_depends_on_nothing_of_the_app() -> None:
    modules = sorted(f"badgesite.openbadges.{path.stem}" for path in OPENBADGES.glob("*.py"))
    assert "badgesite.openbadges.verify" in modules and "badgesite.openbadges.bake" in modules
    for module in modules:
        loaded = _modules_after_importing(module)
        assert module in loaded
        app = sorted(
            name
            for name in loaded
            if name.startswith("badgesite.")
            and not name.startswith(tuple(f"{room}." for room in STANDARD_MAY_USE[1:]))
            and name not in STANDARD_MAY_USE
        )
        assert not app, f"{module} imports {app}"


def test_the_model_imports_no_fetching_verifying_or_importing_code() -> None:
    loaded = _modules_after_importing("badgesite.model")
    assert "badgesite.model" in loaded
    assert loaded.isdisjoint(IMPORT_CODE), sorted(loaded & set(IMPORT_CODE))


def test_the_loader_imports_no_fetching_verifying_or_importing_code() -> None:
    loaded = _modules_after_importing("badgesite.load")
    assert "badgesite.load" in loaded
    assert loaded.isdisjoint(IMPORT_CODE), sorted(loaded & set(IMPORT_CODE))


def test_snapshots_load_as_raw_records_that_know_their_lines(site: Path) -> None:
    snapshot = {"format": "badgesite-imported-badge/1", "earner": "ada", "status": "valid"}
    write(site, "content/imported/good-badge.json", json.dumps(snapshot, indent=2) + "\n")
    write(site, "content/imported/broken-badge.json", "{not json")
    write(site, "content/imported/notes.txt", "hello")
    (site / "content/imported/good-badge").mkdir()  # a snapshot's image folder
    result = load_records(site)
    imported = [record for record in result.records if record.kind == "imported"]
    assert [record.slug for record in imported] == ["good-badge"]
    record = imported[0]
    assert record.source == "content/imported/good-badge.json"
    assert record.data == snapshot
    assert record.line("status") == 4
    assert record.line("missing") == 1
    assert ("imported", "broken-badge") in result.broken_slugs
    messages = {error.path: error.message for error in result.errors}
    assert messages["content/imported/notes.txt"] == "not a snapshot: imported/ holds .json"
    assert "not JSON" in messages["content/imported/broken-badge.json"]


CLI = Path(__file__).parents[1] / "generator" / "badgesite" / "cli"
# What interpreting the environment or the source stamp would take: the library's to do.
NOT_FOR_THE_CLI = ("os", "badgesite.cache", "badgesite.primitives.moments")


def test_the_command_line_reads_no_environment_and_no_stamp_of_its_own() -> None:
    modules = sorted(CLI.glob("*.py"))
    assert {path.stem for path in modules} >= {"__init__", "common", "site_commands"}
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        imported |= {
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        }
        wrong = sorted(
            name
            for name in imported
            if any(name == banned or name.startswith(banned + ".") for banned in NOT_FOR_THE_CLI)
        )
        assert not wrong, f"{path.name} imports {wrong}"
        names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        names |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        assert not names & {"environ", "getenv", "source_stamp"}, path.name


def test_a_command_line_build_asks_the_source_stamp_once(site: Path, monkeypatch) -> None:
    asked: list[bool] = []
    real = source_stamp.look

    def counting(*args, **kwargs):
        looked = real(*args, **kwargs)
        asked.append(looked.report is not None)
        return looked

    monkeypatch.setattr(source_stamp, "look", counting)
    environment = {"SOURCE_DATE_EPOCH": "1761998400", "CI": ""}
    for _ in range(2):
        result = CliRunner().invoke(main, ["build", "--site", str(site)], env=environment)
        assert result.exit_code == 0, result.output
    assert asked == [False, True]  # the real build, then the no-op build it made possible
