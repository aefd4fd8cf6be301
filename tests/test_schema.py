"""The record schemas: they drive reading, errors and suggestions, and docs/content.md."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from badgesite.config import load_config
from badgesite.errors import ContentError, ContentErrors
from badgesite.importing.snapshot_format import FORMAT, SNAPSHOT_FIELDS
from badgesite.load import load_records
from badgesite.model import build_site
from badgesite.schema.declare import Schema
from badgesite.schema.fields import FieldReader
from badgesite.schema.imported import SNAPSHOT
from badgesite.schema.reference import SCHEMAS, refreshed, tables_in
from helpers import REPO, write

CONTENT_DOC = REPO / "docs" / "content.md"
# The record files of the golden site each schema is tried on, by schema name.
RECORD_FILES = {
    "site": "content/site.yaml",
    "issuer": "content/issuers/harbour-lab.yaml",
    "badge": "content/badges/certified-maker.yaml",
    "earner": "content/earners/ada.yaml",
    "award": "content/awards/ada.yaml",
}
SNAPSHOT_FILE = "content/imported/a-badge.json"


def _all_schemas() -> dict[str, Schema]:
    """Every schema by name, the nested ones (alignment, links, evidence, ...) included."""
    found: dict[str, Schema] = {}

    def add(schema: Schema) -> None:
        found[schema.name] = schema
        for nested in schema.nested.values():
            add(nested)

    for schema in SCHEMAS:
        add(schema)
    return found


def _snapshot() -> dict:
    return {
        "format": FORMAT,
        "earner": "ada",
        "source": "https://badges.example/a",
        "retrieved": "2025-03-01T10:00:00Z",
        "verified": "2025-03-01T10:00:00Z",
        "status": "valid",
        "problems": [],
        "assertion": {"url": "https://badges.example/a", "embedded": False, "json": {}},
        "badge": None,
        "issuer": None,
        "revocationList": None,
        "image": None,
    }


def _build_errors(site: Path) -> tuple[ContentError, ...]:
    """Every error reading the site's settings, or else its records, reports."""
    try:
        config = load_config(site)
        build_site(config, site, load_records(site))
    except ContentErrors as failed:
        return failed.errors
    return ()


def test_the_field_tables_of_the_content_reference_are_the_schemas() -> None:
    document = CONTENT_DOC.read_text(encoding="utf-8")
    if os.environ.get("BADGESITE_REFRESH_DOCS"):
        CONTENT_DOC.write_text(refreshed(document), encoding="utf-8")
        document = CONTENT_DOC.read_text(encoding="utf-8")
    assert tables_in(document) == [schema.name for schema in SCHEMAS]
    assert refreshed(document) == document, (
        "docs/content.md's field tables differ from the schemas: refresh them with "
        "BADGESITE_REFRESH_DOCS=1 python3 -m pytest tests/test_schema.py"
    )


def test_every_field_documents_its_meaning_in_one_table_cell() -> None:
    for schema in _all_schemas().values():
        for field in schema.fields:
            assert field.doc and "|" not in field.doc and "\n" not in field.doc, field.name


def test_the_snapshot_schema_reads_the_fields_badgesite_import_writes() -> None:
    assert SNAPSHOT.names == SNAPSHOT_FIELDS


def test_every_field_a_schema_lists_is_read_and_no_other(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A field a schema declares but nothing reads, or a key read that no schema lists
    (a reader asking for a field by hand), fails here."""
    readers: list[FieldReader] = []
    original_init = FieldReader.__init__

    def recording_init(self: FieldReader, *args: object, **kwargs: object) -> None:
        original_init(self, *args, **kwargs)  # type: ignore[arg-type]
        readers.append(self)

    monkeypatch.setattr(FieldReader, "__init__", recording_init)
    write(site, SNAPSHOT_FILE, json.dumps(_snapshot(), indent=2) + "\n")
    award_file = site / RECORD_FILES["award"]
    awards = yaml.safe_load(award_file.read_text(encoding="utf-8"))
    awards[0]["revoked"] = {"date": "2025-06-01", "reason": "issued in error"}
    award_file.write_text(yaml.safe_dump(awards), encoding="utf-8")
    settings = site / RECORD_FILES["site"]
    smtp = "smtp:\n  host: smtp.example.org\n  from: badges@harbour-lab.example\n"
    settings.write_text(settings.read_text(encoding="utf-8") + smtp, encoding="utf-8")
    _build_errors(site)

    schemas = _all_schemas()
    asked: dict[str, set[str]] = {name: set() for name in schemas}
    for reader in readers:
        schema = schemas[reader.record.kind]
        for key in reader.prefix:
            if isinstance(key, str):
                schema = schema.nested[key]
        stray = reader.asked - set(schema.names)
        assert not stray, f"{schema.name} reads {sorted(stray)}, which its schema does not list"
        asked[schema.name] |= reader.asked
    for name, schema in schemas.items():
        unread = set(schema.names) - asked[name]
        assert not unread, f"{name}: its schema lists {sorted(unread)}, which nothing reads"


def _misspelt(name: str) -> str:
    return name + "s"


def _with_misspellings(data: dict, schema: Schema) -> dict:
    """data with a misspelling of every field of the schema, and inside every nested mapping."""
    data = dict(data)
    for name, nested in schema.nested.items():
        value = data.get(name)
        if isinstance(value, list) and value:
            data[name] = [_with_misspellings(value[0], nested), *value[1:]]
        elif isinstance(value, dict):
            data[name] = _with_misspellings(value, nested)
        elif schema.field(name).type.shown.startswith("list"):
            data[name] = [_with_misspellings({}, nested)]
        else:
            data[name] = _with_misspellings({}, nested)
    for field in schema.fields:
        data[_misspelt(field.name)] = "x"
    return data


def _expected_suggestions(schema: Schema, prefix: str = "") -> set[str]:
    expected = {
        f"{prefix}{_misspelt(field.name)}: unknown field (did you mean '{field.name}'?)"
        for field in schema.fields
    }
    for name, nested in schema.nested.items():
        index = "[0]" if schema.field(name).type.shown.startswith("list") else ""
        expected |= _expected_suggestions(nested, f"{prefix}{name}{index}.")
    return expected


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda schema: schema.name)
def test_a_misspelt_field_is_told_the_field_its_schema_has(site: Path, schema: Schema) -> None:
    if schema.name == "imported":
        relative = SNAPSHOT_FILE
        write(site, relative, json.dumps(_with_misspellings(_snapshot(), schema), indent=2))
    else:
        relative = RECORD_FILES[schema.name]
        path = site / relative
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, list):
            data = [_with_misspellings(data[0], schema), *data[1:]]
        else:
            data = _with_misspellings(data, schema)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    told = {
        f"{error.field}: {error.message}"
        for error in _build_errors(site)
        if error.path == relative and error.message.startswith("unknown field")
    }
    assert told == _expected_suggestions(schema)
