"""Record schemas declared once: each field's name, type, requiredness, default and meaning.

A Schema drives the reading of one record type (or of one mapping nested in a record):
its field names are the only keys allowed, so unknown keys and their "did you mean" come
from it; each Field reads itself through its FieldType, in three phases as MkDocs' config
validates: the mapping and its keys first, then every field, then the record's own checks
across fields (`make`), every error collected on the way. docs/content.md's field tables
are rendered from the same declarations (schema/reference.py), so they cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from badgesite.schema.fields import MAX_LINE, MAX_MARKDOWN, MAX_PARAGRAPH, FieldReader

if TYPE_CHECKING:
    from badgesite.cache.image_cache import ImageCache


class Context(Protocol):
    """What reading a record needs beyond the record (the model's builder is one): the
    site's settings for defaults taken from site.yaml, its time zone for dates without an
    offset, the site folder and the image cache for image paths. A field type asks only
    for what it uses."""

    config: Any
    zone: Any
    root: Path
    cache: ImageCache | None


@dataclass(frozen=True)
class SiteDefault:
    """A default taken from a setting of site.yaml, such as `default_visibility`."""

    setting: str


# A field's own check after it is read: it may report an error and returns the value kept.
Check = Callable[[FieldReader, Any, Any], Any]


@dataclass(frozen=True)
class FieldType:
    """How one kind of field is read, and how the docs name it."""

    shown: str
    read: Callable[[FieldReader, Field, Any], Any]
    nested: Schema | None = None


@dataclass(frozen=True)
class Field:
    """One key of a record: what it holds, whether it must be there, its default, its doc."""

    name: str
    type: FieldType
    doc: str
    required: bool = False
    default: Any = None
    # The docs' required column when it is neither yes nor no ("yes*": one of two fields).
    required_doc: str = ""
    # The docs' default column when the default is not a plain value or a site setting.
    default_doc: str = ""
    check: Check | None = None

    def default_for(self, context: Any) -> Any:
        if isinstance(self.default, SiteDefault):
            return getattr(context.config, self.default.setting)
        return self.default

    def read(self, reader: FieldReader, context: Any) -> Any:
        value = self.type.read(reader, self, context)
        return value if self.check is None else self.check(reader, value, context)


@dataclass(frozen=True)
class Schema:
    """The fields of one record type or nested mapping, and what makes them one value.

    `make` gets the reader and every field's value (by name) once all are read, adds the
    errors that concern several fields, and returns the value (None when it is invalid).
    """

    name: str
    fields: tuple[Field, ...]
    make: Callable[[FieldReader, dict[str, Any], Any], Any] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)

    def field(self, name: str) -> Field:
        return next(field for field in self.fields if field.name == name)

    @property
    def nested(self) -> dict[str, Schema]:
        """The schemas of the mappings nested in this one, by key."""
        return {field.name: field.type.nested for field in self.fields if field.type.nested}

    def read_fields(self, reader: FieldReader, context: Any) -> dict[str, Any]:
        """Every field's value, unknown keys reported (20 at most, then counted)."""
        reader.check_keys(self.names)
        return {field.name: field.read(reader, context) for field in self.fields}

    def read(self, reader: FieldReader, context: Any) -> Any:
        values = self.read_fields(reader, context)
        return values if self.make is None else self.make(reader, values, context)


def text(
    limit: int = MAX_LINE, multiline: bool = False, exact: bool = False, shown: str = "text"
) -> FieldType:
    """Text of at most limit characters; `exact`: a value YAML read as a number is refused."""

    def read(reader: FieldReader, field: Field, context: Any) -> str:
        return reader.text(
            field.name,
            required=field.required,
            default=field.default_for(context) or "",
            exact=exact,
            limit=limit,
            multiline=multiline,
        )

    return FieldType(shown, read)


LINE = text()
SLUG = text(shown="slug")
PARAGRAPH = text(MAX_PARAGRAPH, multiline=True, shown="plain text")
MARKDOWN = text(MAX_MARKDOWN, multiline=True, shown="markdown")


def _url(reader: FieldReader, field: Field, context: Any) -> str:
    return reader.url(field.name, required=field.required)


def _email(reader: FieldReader, field: Field, context: Any) -> str:
    return reader.email(field.name, required=field.required)


def _boolean(reader: FieldReader, field: Field, context: Any) -> bool | None:
    return reader.boolean(field.name, field.default_for(context))


def _integer(reader: FieldReader, field: Field, context: Any) -> int | None:
    value = reader.integer(field.name)
    return field.default_for(context) if value is None else value


def _timestamp(reader: FieldReader, field: Field, context: Any) -> Any:
    return reader.timestamp(field.name, context.zone, required=field.required)


def _text_list(reader: FieldReader, field: Field, context: Any) -> tuple[str, ...]:
    return reader.string_list(field.name)


URL = FieldType("URL", _url)
EMAIL = FieldType("email address", _email)
BOOLEAN = FieldType("true/false", _boolean)
INTEGER = FieldType("whole number", _integer)
TIMESTAMP = FieldType("date or timestamp", _timestamp)
TEXT_LIST = FieldType("list of text", _text_list)


def choice(choices: Sequence[str]) -> FieldType:
    """One of a few words; anything else is an error that suggests the nearest."""

    def read(reader: FieldReader, field: Field, context: Any) -> str:
        return reader.choice(field.name, choices, field.default_for(context))

    return FieldType("one of " + ", ".join(f"`{word}`" for word in choices), read)


def mapping(schema: Schema) -> FieldType:
    """A mapping read by its own schema; required, it must be there."""

    def read(reader: FieldReader, field: Field, context: Any) -> Any:
        nested = reader.mapping(field.name)
        if nested is None:
            if field.required:
                reader.text(field.name, required=True)  # says it is missing or empty
            return None
        return schema.read(nested, context)

    return FieldType("mapping", read, schema)


def mapping_list(schema: Schema) -> FieldType:
    """A list of mappings, each read by the schema; the invalid ones are left out."""

    def read(reader: FieldReader, field: Field, context: Any) -> tuple[Any, ...]:
        items = (schema.read(item, context) for item in reader.mapping_list(field.name))
        return tuple(item for item in items if item is not None)

    return FieldType("list of mappings", read, schema)
