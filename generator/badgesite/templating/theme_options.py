"""Theme options: what a theme.yaml declares under `options:`, and the values a site picks."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from badgesite.errors import did_you_mean
from badgesite.schema.fields import MAX_UNKNOWN_FIELDS_SHOWN, FieldReader, shown

OptionValue = bool | str
OPTION_TYPES = ("boolean", "text", "color", "image")
DECLARATION_FIELDS = ("type", "default", "description", "readable_on")
OPTION_NAME = re.compile(r"\A[a-z][a-z0-9_]{0,62}\Z")  # a Jinja attribute name
COLOR = re.compile(r"\A#(?:[0-9a-fA-F]{3}){1,2}\Z")
IMAGE_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".avif")
MIN_TEXT_CONTRAST = 4.5  # WCAG 2 AA, normal text


@dataclass(frozen=True)
class OptionDeclaration:
    """One option a theme offers: its name, type, default and where theme.yaml says so."""

    name: str
    type: str
    default: OptionValue
    description: str = ""
    readable_on: str = ""  # color options: a background the colour must be readable on
    theme: str = ""  # the theme.yaml that declares it
    line: int = 0

    @property
    def changes_a_default(self) -> bool:
        """Whether this is a theme's new default for an option of a theme it extends."""
        return not self.type


@dataclass(frozen=True)
class ThemeOptions:
    """The theme options of a build, by name; templates read `theme_options.NAME`."""

    # (an option's name starts with a letter, so none can be this attribute's)
    _pairs: tuple[tuple[str, OptionValue], ...] = ()

    def __getitem__(self, name: str) -> OptionValue:
        for key, value in self._pairs:
            if key == name:
                return value
        raise KeyError(name)  # Jinja turns this into an undefined (an error, strictly)

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self._pairs)


def read_declarations(reader: FieldReader, theme: str) -> tuple[OptionDeclaration, ...]:
    """The `options:` mapping of a theme.yaml; each problem goes to the reader's errors."""
    options = reader.mapping("options")
    if options is None or not options.valid:
        return ()
    declarations = []
    for name in options.data:
        if not isinstance(name, str) or not OPTION_NAME.match(name):
            options.error(
                (name,),
                f"'{shown(name)}' is not an option name: lowercase letters, digits and "
                "underscores, starting with a letter",
            )
            continue
        fields = options.mapping(name)
        if fields is None:
            options.error((name,), "expected a mapping with type, default and description")
            continue
        if not fields.valid:
            continue
        declaration = _declaration(fields, name, theme)
        if declaration is not None:
            declarations.append(declaration)
    return tuple(declarations)


def _declaration(fields: FieldReader, name: str, theme: str) -> OptionDeclaration | None:
    """One option's declaration; without a type, it changes the default of an option the
    themes it extends declare (the chain checks that default, see themes.py)."""
    fields.check_keys(DECLARATION_FIELDS)
    kind = fields.text("type")
    if kind and kind not in OPTION_TYPES:
        fields.error(
            ("type",),
            f"'{shown(kind)}' is not one of: {', '.join(OPTION_TYPES)}"
            f"{did_you_mean(kind, OPTION_TYPES)}",
        )
        return None
    readable_on = fields.text("readable_on")
    if readable_on and (kind != "color" or not COLOR.match(readable_on)):
        fields.error(("readable_on",), "a color option's background, as #rgb or #rrggbb")
        readable_on = ""
    description = fields.paragraph("description")
    line = fields.record.line(*fields.prefix)
    if not kind:
        return OptionDeclaration(name, "", "", description, "", theme, line)
    empty: OptionValue = False if kind == "boolean" else ""
    draft = OptionDeclaration(name, kind, empty, description, readable_on)
    default = read_value(fields, "default", draft, static_files=None)
    return OptionDeclaration(name, kind, default, description, readable_on, theme, line)


def read_value(
    reader: FieldReader,
    key: str,
    declaration: OptionDeclaration,
    static_files: Sequence[str] | None,
) -> OptionValue:
    """The value of reader's key for an option of declaration's type, else its default (an
    absent key or a value in error, which goes to the errors). static_files: the names an
    image may be, or None not to check them."""
    default = declaration.default
    if declaration.type == "boolean":
        read = reader.boolean(key, default=bool(default))
        return bool(default) if read is None else read
    if declaration.type == "text":
        return reader.text(key, default=str(default))
    if declaration.type == "color":
        return _color(reader, key, declaration, str(default))
    return _image(reader, key, str(default), static_files)


def _color(reader: FieldReader, key: str, declaration: OptionDeclaration, default: str) -> str:
    value = reader.text(key, default=default)
    if value == default:
        return value
    if not COLOR.match(value):
        reader.error((key,), f"'{shown(value)}' is not a colour: write it as #rgb or #rrggbb")
        return default
    if declaration.readable_on:
        ratio = contrast_ratio(value, declaration.readable_on)
        if ratio < MIN_TEXT_CONTRAST:
            reader.error(
                (key,),
                f"{value} on {declaration.readable_on} has a contrast of {ratio:.1f}:1; text "
                f"needs {MIN_TEXT_CONTRAST}:1 to be readable (WCAG AA): choose a darker colour",
            )
            return default
    return value.lower()


def _image(reader: FieldReader, key: str, default: str, static_files: Sequence[str] | None) -> str:
    value = reader.path(key)
    if not value:
        return default
    if not value.lower().endswith(IMAGE_SUFFIXES):
        reader.error((key,), f"'{shown(value)}' is not an image file ({', '.join(IMAGE_SUFFIXES)})")
        return default
    if static_files is not None and value not in static_files:
        reader.error(
            (key,),
            f"no file '{shown(value)}' in the static/ folder of any theme of the chain"
            f"{did_you_mean(value, static_files)}",
        )
        return default
    return value


def check_names(reader: FieldReader, declared: Mapping[str, OptionDeclaration], theme: str) -> None:
    """Each option name that no theme of the chain declares is an error, with a suggestion."""
    unknown = [key for key in reader.data if key not in declared]
    for key in unknown[:MAX_UNKNOWN_FIELDS_SHOWN]:
        reader.error(
            (key,),
            f"theme '{theme}' has no option '{shown(key)}'{did_you_mean(str(key), list(declared))}",
        )
    hidden = len(unknown) - MAX_UNKNOWN_FIELDS_SHOWN
    if hidden > 0:
        reader.error((), f"and {hidden:,} more unknown option{'s' if hidden != 1 else ''}")


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two #rgb/#rrggbb colours, 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(color: str) -> float:
    digits = color[1:]
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    channels = [int(digits[index : index + 2], 16) / 255 for index in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
