"""Themes: resolve a theme name to its chain of folders (site, theme, parents, default)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from badgesite.errors import BuildError

THEME_FIELDS = ("name", "extends", "description")


def builtin_themes_dir() -> Path:
    """Where the built-in themes are: inside the wheel, or at the repository root."""
    packaged = Path(__file__).resolve().parent / "themes"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "themes"


@dataclass(frozen=True)
class Theme:
    """One theme folder and its settings."""

    name: str
    path: Path
    extends: str

    @property
    def templates(self) -> Path:
        return self.path / "templates"

    @property
    def static(self) -> Path:
        return self.path / "static"

    @property
    def i18n(self) -> Path:
        return self.path / "i18n"


@dataclass(frozen=True)
class ThemeChain:
    """The lookup order: the site's templates/, the theme, what it extends, then default."""

    site_templates: Path
    themes: tuple[Theme, ...]

    @property
    def template_dirs(self) -> tuple[Path, ...]:
        dirs = [self.site_templates] if self.site_templates.is_dir() else []
        return (*dirs, *(theme.templates for theme in self.themes if theme.templates.is_dir()))

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


def find_theme(name: str, site_dir: Path) -> Theme:
    for root in (site_dir / "themes", builtin_themes_dir()):
        folder = root / name
        if folder.is_dir():
            return _read_theme(name, folder)
    raise BuildError(
        f"content/site.yaml: theme: no theme '{name}' in themes/ or the built-in themes"
    )


def _read_theme(name: str, folder: Path) -> Theme:
    settings_path = folder / "theme.yaml"
    settings = {}
    if settings_path.is_file():
        try:
            settings = yaml.safe_load(settings_path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise BuildError(f"{settings_path}: invalid YAML: {exc}") from exc
    if not isinstance(settings, dict):
        raise BuildError(f"{settings_path}: expected a mapping of settings")
    unknown = sorted(set(settings) - set(THEME_FIELDS))
    if unknown:
        raise BuildError(f"{settings_path}: unknown field '{unknown[0]}'")
    return Theme(name=name, path=folder, extends=str(settings.get("extends") or ""))


def resolve_theme_chain(name: str, site_dir: Path) -> ThemeChain:
    themes: list[Theme] = []
    current = name
    while current:
        if any(theme.name == current for theme in themes):
            cycle = " -> ".join([*(theme.name for theme in themes), current])
            raise BuildError(f"themes extend each other in a cycle: {cycle}")
        theme = find_theme(current, site_dir)
        themes.append(theme)
        current = theme.extends or ("default" if theme.name != "default" else "")
    return ThemeChain(site_dir / "templates", tuple(themes))
