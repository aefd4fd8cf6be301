"""jinja_tuning: texts folded at compile time and direct calls give the bytes Jinja would."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from badgesite.build import build
from badgesite.templating.jinja_tuning import CompiledTemplates, ConstantTexts, DirectCallContext
from helpers import FIXED_NOW, tree_bytes, write


class Texts:
    def __init__(self, strings: dict[str, str]) -> None:
        self.strings = strings
        self.calls: list[str] = []

    def __call__(self, key: str, **values: str) -> str:
        self.calls.append(key)
        if key not in self.strings:
            raise KeyError(key)
        return self.strings[key].format(**values) if values else self.strings[key]


def environment(texts: Texts, tuned: bool = True) -> jinja2.Environment:
    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=[ConstantTexts] if tuned else [],
    )
    if tuned:
        env.context_class = DirectCallContext
        env.constant_texts = dict(texts.strings)  # type: ignore[attr-defined]
    env.globals["t"] = texts
    return env


SOURCE = (
    "<p title=\"{{ t('quote') }}\">{{ t('hello') }}</p>{{ t('named', name=who) }}"
    "{{ t('he' ~ 'llo') }}{{ obj.t('hello') }}"
    "{% macro t2(x) %}[{{ x }}]{% endmacro %}{{ t2(t('hello')) }}"
    "{% for item in items %}{{ loop.cycle('a', 'b') }}{{ t('hello') | upper }}{% endfor %}"
)
STRINGS = {"hello": "Hi <you> & {all}", "quote": 'say "x"', "named": "Dear {name}"}


class Holder:
    def t(self, key: str) -> str:
        return f"method {key}"


def test_tuned_rendering_gives_the_same_bytes_as_plain_jinja() -> None:
    values = {"who": "<Ada>", "obj": Holder(), "items": [1, 2, 3]}
    plain = environment(Texts(STRINGS), tuned=False).from_string(SOURCE).render(values)
    tuned = environment(Texts(STRINGS)).from_string(SOURCE).render(values)
    assert tuned == plain
    assert "Hi &lt;you&gt; &amp; {all}" in tuned and "Dear &lt;Ada&gt;" in tuned


def test_texts_without_placeholders_are_looked_up_once_when_compiled() -> None:
    texts = Texts(STRINGS)
    template = environment(texts).from_string(SOURCE)
    texts.calls.clear()
    template.render(who="x", obj=Holder(), items=[1, 2])
    # Only the calls that need the page's values remain: a name to fill in, a built key.
    assert sorted(texts.calls) == ["hello", "named"]


def test_an_unknown_key_is_still_reported_by_the_call_when_reached() -> None:
    texts = Texts(STRINGS)
    template = environment(texts).from_string(
        "{% if show %}{{ t('missing') }}{% endif %}{{ t('hello') }}"
    )
    assert template.render(show=False) == "Hi &lt;you&gt; &amp; {all}"
    with pytest.raises(KeyError, match="missing"):
        template.render(show=True)


def test_functions_that_ask_for_the_context_still_get_it() -> None:
    @jinja2.pass_context
    def page_name(context: jinja2.runtime.Context) -> str:
        return context["name"]

    class Callable:
        @jinja2.pass_context
        def __call__(self, context: jinja2.runtime.Context) -> str:
            return "via " + context["name"]

    env = environment(Texts(STRINGS))
    env.globals.update(page_name=page_name, marked=Callable())
    assert env.from_string("{{ page_name() }} {{ marked() }}").render(name="home") == (
        "home via home"
    )


def _site_with_theme(site: Path, home_text: str) -> None:
    write(site, "themes/mine/theme.yaml", "extends: default\n")
    write(site, "themes/mine/i18n/en.yaml", f"skip_to_content: {home_text}\n")
    config = site / "content/site.yaml"
    config.write_text(config.read_text() + "theme: mine\n")


def test_a_second_build_in_one_process_compiles_no_template_again(site: Path, monkeypatch) -> None:
    """serve rebuilds, and test runs build many times: the compiled templates are kept."""
    CompiledTemplates.forget_all()
    compiled = _counting_compiles(monkeypatch)
    build(site, site / "first", now=FIXED_NOW, processes=1)
    assert "award.html" in compiled
    compiled.clear()
    build(site, site / "second", now=FIXED_NOW, processes=1, clean=True)
    assert compiled == []
    assert tree_bytes(site / "first") == tree_bytes(site / "second")


def test_kept_templates_are_compiled_again_for_other_texts_or_another_source(
    site: Path,
) -> None:
    """ConstantTexts folds texts in when compiling: a template kept from a build with other
    translations must not be reused, nor one whose file has changed."""
    _site_with_theme(site, "Start here")
    build(site, site / "output", now=FIXED_NOW, processes=1)
    assert "Start here" in (site / "output/index.html").read_text()
    write(site, "themes/mine/i18n/en.yaml", "skip_to_content: Begin here\n")
    build(site, site / "output", now=FIXED_NOW, processes=1, clean=True)
    page = (site / "output/index.html").read_text()
    assert "Begin here" in page and "Start here" not in page
    write(site, "themes/mine/templates/partials/footer.html", "<footer>Made by hand</footer>\n")
    build(site, site / "output", now=FIXED_NOW, processes=1, clean=True)
    assert "<footer>Made by hand</footer>" in (site / "output/index.html").read_text()


def _counting_compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates compiled from now on (in this process)."""
    compiled: list[str] = []
    real_compile = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return real_compile(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return compiled


def _kept_templates(site: Path) -> list[Path]:
    """The kept compiled templates (not the names read from their sources)."""
    return sorted(
        path
        for path in (site / ".cache/badgesite/templates").rglob("*")
        if path.is_file() and path.read_bytes().split(b" ", 2)[1] == CompiledTemplates.KIND.encode()
    )


def test_compiled_templates_are_kept_in_the_cache_for_the_next_build(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new process (forgotten in-process entries) compiles nothing the last build did,
    until a template's bytes change (same path) or the code identity does."""
    write(site, "templates/partials/footer.html", "<footer>Made</footer>\n")
    CompiledTemplates.forget_all()
    compiled = _counting_compiles(monkeypatch)
    build(site, site / "first", now=FIXED_NOW, processes=1)
    assert "award.html" in compiled
    assert [path for path in _kept_templates(site) if path.is_file()]
    CompiledTemplates.forget_all()
    compiled.clear()
    build(site, site / "second", now=FIXED_NOW, processes=1, clean=True)
    assert compiled == []
    assert tree_bytes(site / "first") == tree_bytes(site / "second")

    write(site, "templates/partials/footer.html", "<footer>Made by hand</footer>\n")  # same path
    CompiledTemplates.forget_all()
    build(site, site / "third", now=FIXED_NOW, processes=1, clean=True)
    assert compiled == ["partials/footer.html"]
    assert "<footer>Made by hand</footer>" in (site / "third/index.html").read_text()

    from badgesite.cache import code_identity

    monkeypatch.setattr(code_identity, "code_fingerprint", lambda: "another badgesite")
    CompiledTemplates.forget_all()
    compiled.clear()
    build(site, site / "fourth", now=FIXED_NOW, processes=1, clean=True)
    assert "award.html" in compiled


def test_the_names_a_macros_module_reads_are_kept_with_the_compiled_templates(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding what a module imported with context reads runs Jinja's code generator over
    the template: a new process finds them in the cache folder, as it finds the code."""
    import jinja2.meta

    found: list[set[str]] = []
    real_find = jinja2.meta.find_undeclared_variables

    def counting(ast):
        found.append(real_find(ast))
        return found[-1]

    monkeypatch.setattr(jinja2.meta, "find_undeclared_variables", counting)
    CompiledTemplates.forget_all()
    build(site, site / "first", now=FIXED_NOW, processes=1)
    assert any("url" in names for names in found)  # macros.html's, at least
    CompiledTemplates.forget_all()
    found.clear()
    build(site, site / "second", now=FIXED_NOW, processes=1, clean=True)
    assert found == []
    assert tree_bytes(site / "first") == tree_bytes(site / "second")


def test_the_templates_a_template_pulls_in_are_kept_with_the_compiled_templates(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planning reads which templates each page's template extends, includes and imports
    from their sources: a new process finds them in the cache folder, parsing nothing,
    and a template changed is read again."""
    import jinja2.meta

    read: list[list[str | None]] = []
    real_find = jinja2.meta.find_referenced_templates

    def counting(ast):
        read.append(list(real_find(ast)))
        return iter(read[-1])

    monkeypatch.setattr(jinja2.meta, "find_referenced_templates", counting)
    CompiledTemplates.forget_all()
    build(site, site / "first", now=FIXED_NOW, processes=1)
    assert any("base.html" in names for names in read)  # every page's template extends it
    CompiledTemplates.forget_all()
    read.clear()
    build(site, site / "second", now=FIXED_NOW, processes=1, clean=True)
    assert read == []
    assert tree_bytes(site / "first") == tree_bytes(site / "second")
    gone = '{% extends "base.html" %}{% block main %}Gone{% endblock %}\n'
    write(site, "templates/404.html", gone)
    CompiledTemplates.forget_all()
    build(site, site / "third", now=FIXED_NOW, processes=1, clean=True)
    assert read == [["base.html"]]  # only the changed template, read again
    assert "Gone" in (site / "third/404.html").read_text()


def test_a_damaged_or_forged_compiled_template_is_compiled_again(
    site: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A kept file cut short is removed; one written without the site's key (a cache
    poisoned by someone who cannot sign) is never run: its template is compiled again."""
    from badgesite.cache.store import Store

    CompiledTemplates.forget_all()
    build(site, site / "first", now=FIXED_NOW, processes=1)
    kept = [path for path in _kept_templates(site) if path.is_file()]
    damaged, forged, *_ = kept
    damaged.write_bytes(damaged.read_bytes()[:-20])
    header = forged.read_bytes().split(b"\n", 1)[0].split(b" ")
    # Another template's code, under a tag of someone else's key and a valid checksum.
    other = Store(kept[2], CompiledTemplates.KIND).read(header[2].decode(), (bytes, bytes))
    assert other is not None
    Store(forged, CompiledTemplates.KIND).write(header[2].decode(), (b"\x00" * 32, other[1]))
    CompiledTemplates.forget_all()
    compiled = _counting_compiles(monkeypatch)
    build(site, site / "second", now=FIXED_NOW, processes=1, clean=True)
    assert len(compiled) == 2
    assert tree_bytes(site / "first") == tree_bytes(site / "second")
    assert "damaged cache file" in caplog.text and "tag does not match" in caplog.text
    CompiledTemplates.forget_all()
    compiled.clear()
    build(site, site / "third", now=FIXED_NOW, processes=1, clean=True)
    assert compiled == []  # both were written again, right
