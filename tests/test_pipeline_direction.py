"""The pipeline runs one way: loading and modelling a site pull in no import or network code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from badgesite.load import load_records
from helpers import write

IMPORT_CODE = (
    "badgesite.openbadges.fetch",
    "badgesite.openbadges.retrieve",
    "badgesite.openbadges.verify",
    "badgesite.openbadges.snapshot",
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
