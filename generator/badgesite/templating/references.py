"""Which templates of a theme chain a page template pulls in: extends, include, import, and
the fragments it renders (`fragment("partials/x.html", ...)`)."""

from __future__ import annotations

from collections.abc import Iterator

import jinja2
import jinja2.meta
from jinja2 import nodes

from badgesite.templating.jinja_tuning import CompiledTemplates
from badgesite.templating.themes import ThemeChain

# Kept in place of a name when a template names another by a variable, or does not parse.
_ANY = "\x00any"


class TemplateReferences:
    """Read from the templates' sources, without compiling or rendering them; each
    template is read once. A template that names another by a variable, or that does not
    parse, may pull in any of them. With kept (the theme's compiled templates), what each
    source names is kept with them, in the cache folder, so that a new process parses
    only the templates whose sources it has not seen."""

    def __init__(self, theme: ThemeChain, kept: CompiledTemplates | None = None) -> None:
        self.environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(path) for path in theme.template_dirs])
        )
        self.kept = kept
        self._direct: dict[str, tuple[str, ...] | None] = {}
        self._closures: dict[str, tuple[str, ...]] = {}
        self._every: tuple[str, ...] | None = None

    def every_template(self) -> tuple[str, ...]:
        if self._every is None:
            self._every = tuple(sorted(self.environment.list_templates()))
        return self._every

    def closure(self, name: str) -> tuple[str, ...]:
        """name and every template it pulls in, directly or not, sorted; a name that no
        folder of the chain holds counts too (adding that file changes the page)."""
        found = self._closures.get(name)
        if found is None:
            seen = {name}
            waiting = [name]
            while waiting:
                names = self._references(waiting.pop())
                if names is None:
                    seen.update(self.every_template())
                    break
                waiting.extend(other for other in names if other not in seen)
                seen.update(names)
            found = self._closures[name] = tuple(sorted(seen))
        return found

    def _references(self, name: str) -> tuple[str, ...] | None:
        if name not in self._direct:
            try:
                source, _, _ = self.environment.loader.get_source(self.environment, name)  # type: ignore[union-attr]
            except jinja2.TemplateNotFound:
                names: tuple[str, ...] = ()
            except (OSError, UnicodeDecodeError):
                names = (_ANY,)
            else:
                if self.kept is None:
                    names = self._read(source)
                else:
                    names = self.kept.names_of("references", source, lambda: self._read(source))
            self._direct[name] = None if _ANY in names else names
        return self._direct[name]

    def _read(self, source: str) -> tuple[str, ...]:
        """The templates a source names (_ANY for one it names by a variable, or when it
        does not parse)."""
        try:
            parsed = self.environment.parse(source)
        except jinja2.TemplateSyntaxError:
            return (_ANY,)
        found = (*jinja2.meta.find_referenced_templates(parsed), *_fragments(parsed))
        return tuple(_ANY if name is None else name for name in found)


def _fragments(parsed: nodes.Template) -> Iterator[str | None]:
    """The templates `fragment(...)` calls name; None for one named by a variable."""
    for call in parsed.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "fragment":
            first = call.args[0] if call.args else None
            yield (
                first.value
                if isinstance(first, nodes.Const) and isinstance(first.value, str)
                else None
            )
