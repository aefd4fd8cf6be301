"""docs/content.md's field tables, rendered from the schemas so the two cannot drift.

Each table stands between `<!-- fields: NAME -->` and `<!-- /fields -->` in the document;
tests/test_schema.py fails when one differs from its schema, and rewrites them all with
BADGESITE_REFRESH_DOCS=1.
"""

from __future__ import annotations

import re

from badgesite.schema.awards import AWARD
from badgesite.schema.badges import BADGE
from badgesite.schema.declare import Field, Schema, SiteDefault
from badgesite.schema.earners import EARNER
from badgesite.schema.imported import SNAPSHOT
from badgesite.schema.issuers import ISSUER
from badgesite.schema.site import SITE

# Every record type, in the order docs/content.md describes them.
SCHEMAS: tuple[Schema, ...] = (SITE, ISSUER, BADGE, EARNER, AWARD, SNAPSHOT)
_BLOCK = re.compile(r"(<!-- fields: (\w+) -->\n).*?(<!-- /fields -->)", re.DOTALL)


def shown_default(field: Field) -> str:
    """A field's default as the docs state it; empty when it has none worth naming."""
    if field.default_doc:
        return field.default_doc
    default = field.default
    if isinstance(default, SiteDefault):
        return f"`{default.setting}` of `site.yaml`"
    if isinstance(default, bool):
        return "`true`" if default else "`false`"
    if default is None or default == "":
        return ""
    return f"`{default}`"


def _required(field: Field) -> str:
    return field.required_doc or ("yes" if field.required else "no")


def field_table(schema: Schema) -> str:
    """The schema's fields as a markdown table, then one table for each nested mapping."""
    rows = ["| key | type | required | default | meaning |", "|---|---|---|---|---|"]
    for field in schema.fields:
        cells = (f"`{field.name}`", field.type.shown, _required(field), shown_default(field))
        rows.append("| " + " | ".join((*cells, field.doc)) + " |")
    parts = ["\n".join(rows) + "\n"]
    for name, nested in schema.nested.items():
        holder = "Each item of" if schema.field(name).type.shown.startswith("list") else "In"
        parts.append(f"{holder} `{name}`:\n\n{field_table(nested)}")
    return "\n".join(parts)


def refreshed(document: str) -> str:
    """The document with every field table rendered anew from its schema."""
    by_name = {schema.name: schema for schema in SCHEMAS}

    def render(match: re.Match[str]) -> str:
        return match.group(1) + "\n" + field_table(by_name[match.group(2)]) + "\n" + match.group(3)

    return _BLOCK.sub(render, document)


def tables_in(document: str) -> list[str]:
    """The names of the schemas whose tables the document holds, in its order."""
    return [match.group(2) for match in _BLOCK.finditer(document)]
