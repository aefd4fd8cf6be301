"""Themes: resolve a theme name to its chain of folders (site, theme, parents, default)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from badgesite.errors import ContentError, ContentErrors, did_you_mean
from badgesite.load import (
    MAX_RECORD_BYTES,
    SLUG_PATTERN,
    RawRecord,
    display_path,
    escapes_site,
    read_capped_text,
    read_yaml,
)
from badgesite.schema.fields import FieldReader
from badgesite.templating.theme_options import (
    OptionDeclaration,
    ThemeOptions,
    check_names,
    read_declarations,
    read_value,
)

THEME_FIELDS = ("name", "extends", "description", "options")
SITE_SETTINGS = "content/site.yaml"
BUILTIN_LABEL = "(built-in)"
FALLBACK_LANGUAGE = "en"  # every theme has all its texts in English
# `{% extends "default:award.html" %}`: that theme's own award.html, whatever overrides it.
THEME_PREFIX = ":"
NOT_A_THEME_NAME = (
    "is not a theme name: name a folder of themes/ or a built-in theme (lowercase letters, "
    "digits and hyphens; no paths)"
)


def builtin_themes_dir() -> Path:
    """Where the built-in themes are: inside the wheel, or at the repository root."""
    packaged = Path(__file__).resolve().parents[1] / "themes"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "themes"


def shown_path(path: Path, site_dir: Path) -> str:
    """A theme file as messages name it: relative to the site, or `(built-in) default/...`."""
    builtin = builtin_themes_dir()
    for root in (builtin, builtin.resolve()):
        if path.is_relative_to(root):
            return f"{BUILTIN_LABEL} {path.relative_to(root).as_posix()}"
    return display_path(path, site_dir)


@dataclass(frozen=True)
class Theme:
    """One theme folder and its settings."""

    name: str
    path: Path
    extends: str
    extends_line: int = 0  # in theme.yaml, for errors about what it extends
    options: tuple[OptionDeclaration, ...] = ()
    option_errors: tuple[ContentError, ...] = ()

    @property
    def settings(self) -> Path:
        return self.path / "theme.yaml"

    @property
    def templates(self) -> Path:
        return self.path / "templates"

    @property
    def static(self) -> Path:
        return self.path / "static"

    @property
    def i18n(self) -> Path:
        return self.path / "i18n"

    def texts_file(self, language: str) -> Path:
        return self.i18n / f"{language}.yaml"


@dataclass(frozen=True)
class ThemeChain:
    """The lookup order: the site's templates/, the theme, what it extends, then default."""

    site_dir: Path
    themes: tuple[Theme, ...]
    options: tuple[OptionDeclaration, ...] = ()  # what the site may set in theme_options

    @property
    def site_templates(self) -> Path:
        return self.site_dir / "templates"

    @property
    def template_dirs(self) -> tuple[Path, ...]:
        dirs = [self.site_templates] if self.site_templates.is_dir() else []
        return (*dirs, *(theme.templates for theme in self.themes if theme.templates.is_dir()))

    def shown(self, path: Path) -> str:
        return shown_path(path, self.site_dir)

    def static_files(self) -> dict[str, Path]:
        """Static file name -> the file that wins (the first theme in the chain)."""
        found: dict[str, Path] = {}
        for theme in reversed(self.themes):
            if not theme.static.is_dir():
                continue
            for path in sorted(theme.static.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    found[path.relative_to(theme.static).as_posix()] = path
        return dict(sorted(found.items()))

    def files(self) -> tuple[Path, ...]:
        """Every file the chain is made of, for knowing when a rebuild is needed."""
        roots = [self.site_templates, *(theme.path for theme in self.themes)]
        return tuple(
            path
            for root in roots
            if root.is_dir()
            for path in sorted(root.rglob("*"))
            if path.is_file()
        )


@dataclass(frozen=True)
class _Reference:
    """Where a theme name was given: site.yaml's `theme`, or a theme.yaml's `extends`."""

    source: str
    line: int  # -1: site.yaml's, looked up only when there is an error to report
    field: str
    site_dir: Path

    def error(self, message: str) -> ContentErrors:
        line = setting_line(self.site_dir, self.field) if self.line < 0 else self.line
        return ContentErrors([ContentError(self.source, line, self.field, message)])


def available_themes(site_dir: Path) -> list[str]:
    """The names a site can use: its own themes/ folders and the built-in themes."""
    names = set()
    for root in (site_dir / "themes", builtin_themes_dir()):
        if root.is_dir():
            names.update(
                entry.name
                for entry in root.iterdir()
                if entry.is_dir() and SLUG_PATTERN.match(entry.name)
            )
    return sorted(names)


def find_theme(name: str, site_dir: Path, reference: _Reference | None = None) -> Theme:
    """The theme folder called name: the site's themes/NAME, else the built-in one.

    Theme names are slugs, so a name can never climb out of themes/ (`../x`, `/etc`); a
    folder of the site's themes/ that is (or lies behind) a symlink leading outside the
    site is refused, since its files would be published.
    """
    reference = reference or _Reference(SITE_SETTINGS, -1, "theme", site_dir)
    if not SLUG_PATTERN.match(name):
        raise reference.error(f"'{name}' {NOT_A_THEME_NAME}")
    folder = site_dir / "themes" / name
    if folder.is_dir() or folder.is_symlink():
        if not folder.resolve().is_relative_to(site_dir.resolve()):
            raise reference.error(
                f"theme '{name}': {display_path(folder, site_dir)} leads outside the site "
                f"(to {folder.resolve()}); refused: themes must live inside the site's "
                "themes/ folder or be built in"
            )
        if folder.is_dir():
            return _read_theme(name, folder, site_dir)
    builtin = builtin_themes_dir() / name
    if builtin.is_dir():
        return _read_theme(name, builtin, site_dir)
    hint = did_you_mean(name, available_themes(site_dir))
    raise reference.error(f"no theme '{name}' in themes/ or the built-in themes{hint}")


def setting_line(site_dir: Path, *key_path: Hashable) -> int:
    """The line of a setting in content/site.yaml (`theme`, or `theme_options`, `logo`), or
    0 when the file cannot be read."""
    parsed = read_yaml(site_dir / SITE_SETTINGS, site_dir)
    return 0 if isinstance(parsed, ContentError) else parsed[1].line(key_path)


# A `theme:` line at the top level of site.yaml, with a theme name as its plain value.
_THEME_LINE = re.compile(
    r"^theme:[ \t]*(?P<quote>['\"]?)(?P<name>[a-z0-9][a-z0-9-]*)(?P=quote)[ \t]*(?:#.*)?$",
    re.MULTILINE,
)


def readable_theme(site_dir: Path) -> str:
    """The theme a site.yaml that cannot be parsed names, when one `theme:` line says it
    plainly; else default, the end of every chain. Its templates are then still checked."""
    path = site_dir / SITE_SETTINGS
    if not path.is_file() or escapes_site(path, site_dir):
        return "default"
    text = read_capped_text(path, SITE_SETTINGS, MAX_RECORD_BYTES)
    if isinstance(text, ContentError):
        return "default"
    found = {match["name"] for match in _THEME_LINE.finditer(text)}
    return found.pop() if len(found) == 1 else "default"


def _read_theme(name: str, folder: Path, site_dir: Path) -> Theme:
    settings_path = folder / "theme.yaml"
    shown = shown_path(settings_path, site_dir)
    if not settings_path.is_file():
        return Theme(name=name, path=folder, extends="")
    parsed = read_yaml(settings_path, site_dir)
    if isinstance(parsed, ContentError):
        raise ContentErrors([dataclasses.replace(parsed, path=shown)])
    data, locator = parsed
    errors: list[ContentError] = []
    record = RawRecord("theme", name, shown, {} if data is None else data, locator)
    reader = FieldReader(record, errors)
    reader.check_keys(THEME_FIELDS)
    extends = reader.text("extends")
    # Mistakes in options are reported with those the chain finds in them (_merge_declarations).
    option_errors: list[ContentError] = []
    options = read_declarations(FieldReader(record, option_errors), name)
    if errors:
        raise ContentErrors(sorted([*errors, *option_errors]))
    if extends and not SLUG_PATTERN.match(extends):
        raise ContentErrors(
            [
                ContentError(
                    shown,
                    record.line("extends"),
                    "extends",
                    f"'{extends}' {NOT_A_THEME_NAME}",
                )
            ]
        )
    return Theme(
        name=name,
        path=folder,
        extends=extends,
        extends_line=record.line("extends"),
        options=options,
        option_errors=tuple(option_errors),
    )


def resolve_theme_chain(name: str, site_dir: Path) -> ThemeChain:
    """The chain of the theme site.yaml names; raise ContentErrors when it cannot be made."""
    themes: list[Theme] = []
    current, reference = name, None
    while current:
        if any(theme.name == current for theme in themes):
            cycle = " -> ".join([*(theme.name for theme in themes), current])
            assert reference is not None  # the first name cannot repeat one before it
            raise reference.error(f"themes extend each other in a cycle: {cycle}")
        theme = find_theme(current, site_dir, reference)
        themes.append(theme)
        if theme.extends:
            shown = shown_path(theme.settings, site_dir)
            reference = _Reference(shown, theme.extends_line, "extends", site_dir)
            current = theme.extends
        else:
            reference = None
            current = "default" if theme.name != "default" else ""
    return _merge_declarations(ThemeChain(site_dir, tuple(themes)))


def _merge_declarations(chain: ThemeChain) -> ThemeChain:
    """The chain with its options: each declared once (by the last theme of the chain to
    declare it), with the default of the first theme to change it; an image default must be
    one of the chain's static files. Raise ContentErrors for what is wrong."""
    errors = [error for theme in chain.themes for error in theme.option_errors]
    declared: dict[str, OptionDeclaration] = {}
    static_files = list(chain.static_files())
    for theme in reversed(chain.themes):
        shown = shown_path(theme.settings, chain.site_dir)
        for option in theme.options:
            base = declared.get(option.name)
            field = f"options.{option.name}"
            if base is None and option.changes_a_default:
                hint = did_you_mean(option.name, list(declared))
                message = (
                    f"required field 'type' is missing: no theme it extends has this option{hint}"
                )
                errors.append(ContentError(shown, option.line, field, message))
            elif base is not None and not option.changes_a_default:
                message = (
                    f"theme '{base.theme}' declares this option already: give only a new "
                    "default (and description), without type"
                )
                errors.append(ContentError(shown, option.line, field, message))
            elif base is not None:
                declared[option.name] = _changed_default(
                    chain, theme, base, option, static_files, errors
                )
            elif option.type == "image" and option.default and option.default not in static_files:
                message = (
                    f"no file '{option.default}' in the static/ folder of any theme of the chain"
                )
                errors.append(ContentError(shown, option.line, f"{field}.default", message))
            else:
                declared[option.name] = option
    if errors:
        raise ContentErrors(sorted(errors))
    return dataclasses.replace(chain, options=tuple(declared.values()))


def _changed_default(
    chain: ThemeChain,
    theme: Theme,
    base: OptionDeclaration,
    change: OptionDeclaration,
    static_files: list[str],
    errors: list[ContentError],
) -> OptionDeclaration:
    """base with the default (and description) theme's theme.yaml gives it, read again to
    check it against base's type now that the chain knows it."""
    parsed = read_yaml(theme.settings, chain.site_dir)
    if isinstance(parsed, ContentError):  # it was read a moment ago
        return base
    data, locator = parsed
    record = RawRecord(
        "theme", theme.name, shown_path(theme.settings, chain.site_dir), data, locator
    )
    prefix = ("options", change.name)
    fields = FieldReader(record, errors, data["options"][change.name], prefix)
    default = read_value(fields, "default", base, static_files)
    return dataclasses.replace(
        base, default=default, description=change.description or base.description
    )


class _SiteLines:
    """Lines of content/site.yaml for a FieldReader, read only when an error needs one."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir

    def line(self, key_path: Sequence[Hashable]) -> int:
        return setting_line(self.site_dir, *key_path)


def resolve_options(
    chain: ThemeChain, chosen: Mapping[str, object]
) -> tuple[ThemeOptions, list[ContentError]]:
    """The value of every option of the chain: site.yaml's `theme_options`, else the
    theme's default; unknown names and values of the wrong type are the errors."""
    errors: list[ContentError] = []
    record = RawRecord("site", None, SITE_SETTINGS, {}, _SiteLines(chain.site_dir))  # type: ignore[arg-type]
    reader = FieldReader(record, errors, dict(chosen), ("theme_options",))
    declared = {option.name: option for option in chain.options}
    check_names(reader, declared, chain.themes[0].name)
    static_files = list(chain.static_files())
    for name, value in chosen.items():
        if isinstance(value, tuple):  # how SiteConfig keeps a list or a mapping
            reader.error((name,), "expected one value (true/false, a text or a colour)")
    plain = FieldReader(
        record,
        errors,
        {name: value for name, value in chosen.items() if not isinstance(value, tuple)},
        ("theme_options",),
    )
    values = tuple(
        (name, read_value(plain, name, declaration, static_files))
        for name, declaration in declared.items()
    )
    return ThemeOptions(values), errors


def read_texts(path: Path, site_dir: Path, errors: list[ContentError]) -> dict[str, str]:
    """One i18n/<language>.yaml: message key -> text, for the keys whose value is a text;
    each problem goes to errors."""
    shown = shown_path(path, site_dir)
    parsed = read_yaml(path, site_dir)
    if isinstance(parsed, ContentError):
        errors.append(dataclasses.replace(parsed, path=shown))
        return {}
    data, locator = parsed
    if data is None:
        return {}
    if not isinstance(data, dict):
        errors.append(ContentError(shown, 1, "", "expected a mapping of message keys to text"))
        return {}
    texts: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            errors.append(ContentError(shown, locator.line((key,)), str(key), "expected a text"))
        else:
            texts[str(key)] = str(value)
    return texts


def translation_codes(language: str) -> tuple[str, ...]:
    """The i18n files a language reads, later ones winning: en, then `pt`, then `pt-BR`."""
    return tuple(dict.fromkeys((FALLBACK_LANGUAGE, language.split("-")[0], language)))


def theme_loader(theme: ThemeChain) -> jinja2.BaseLoader:
    """Templates by name through the chain (the site's templates/ first), and each theme's
    own as `THEME:name`, so that a theme can extend the page it overrides one block of."""
    chain = jinja2.FileSystemLoader([str(path) for path in theme.template_dirs])
    by_theme = {
        part.name: jinja2.FileSystemLoader(str(part.templates))
        for part in theme.themes
        if part.templates.is_dir()
    }
    return jinja2.ChoiceLoader([chain, jinja2.PrefixLoader(by_theme, delimiter=THEME_PREFIX)])
