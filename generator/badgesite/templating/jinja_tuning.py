"""Jinja speed-ups that leave every output byte the same: cheaper calls, texts known early."""

from __future__ import annotations

import hashlib
import hmac
import logging
import sys
import types
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import jinja2
import jinja2.bccache
import jinja2.ext
import jinja2.meta
import jinja2.runtime
from jinja2.lexer import Token, TokenStream

from badgesite.cache.code_identity import hash_parts, identity
from badgesite.cache.store import Store

# Callables of these types take the context only when marked with jinja_pass_arg (set by
# @pass_context and friends); Jinja looks for that mark three ways on every call.
_DIRECT_TYPES: set[type] = {
    types.FunctionType,
    types.MethodType,
    types.BuiltinFunctionType,
    types.BuiltinMethodType,
    jinja2.runtime.Macro,
}


def call_directly(kind: type) -> None:
    """Let instances of kind (a callable class whose __call__ is not marked) be called
    without Jinja's per-call checks."""
    _DIRECT_TYPES.add(kind)


class DirectCallContext(jinja2.runtime.Context):
    """A template context whose calls skip Jinja's introspection when it cannot matter.

    An award page makes about 160 calls (texts, links, macros); the checks cost about a
    third of the page's time.
    """

    def call(__self, __obj: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if type(__obj) not in _DIRECT_TYPES or hasattr(__obj, "jinja_pass_arg"):
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )


class ReusedModules(jinja2.Template):
    """A template whose module, imported `with context`, is made once for each set of the
    values its code reads from the context, not on every import.

    `{% from "macros.html" import x with context %}` runs the whole of macros.html and
    makes every macro again (about 30 µs), three times per award page. The module depends
    only on the context values its code names (its undeclared variables: `url`, `t`, ...),
    so an import that finds those same objects (by identity) reuses the module made for
    them: every page whose links climb as many folders shares one. A template that reads
    the page (`page`, `subject`) gets a module per page, as before.
    """

    MAX_MODULES = 64  # per template: one per link depth is what the bundled theme needs
    _free_names: tuple[str, ...] | None = None
    _unreadable = False
    _modules: dict[tuple[int, ...], tuple[jinja2.environment.TemplateModule, tuple[Any, ...]]]

    def make_module(
        self,
        vars: dict[str, Any] | None = None,
        shared: bool = False,
        locals: Mapping[str, Any] | None = None,
    ) -> jinja2.environment.TemplateModule:
        if vars is None or not shared or self.name is None:
            return super().make_module(vars, shared, locals)
        names = self._free_names
        if names is None:
            names = self._read_free_names()
        if self._unreadable:
            return super().make_module(vars, shared, locals)
        missing = jinja2.runtime.missing
        values = []
        for name in names:
            value = missing if locals is None else locals.get(name, missing)
            values.append(vars.get(name, missing) if value is missing else value)
        key = tuple(map(id, values))
        modules = self.__dict__.setdefault("_modules", {})
        found = modules.get(key)
        if found is None:
            if len(modules) >= self.MAX_MODULES:
                del modules[next(iter(modules))]
            # The values are kept with the module: an id is never reused while it is kept.
            found = modules[key] = (super().make_module(vars, shared, locals), tuple(values))
        return found[0]

    def _read_free_names(self) -> tuple[str, ...]:
        """The names the template's code reads from its context, from its source; when
        that cannot be read, its modules are made on every import."""
        environment = self.environment
        try:
            assert environment.loader is not None and self.name is not None
            source, _, _ = environment.loader.get_source(environment, self.name)

            def find() -> set[str]:
                return jinja2.meta.find_undeclared_variables(environment.parse(source))

            kept = environment.bytecode_cache
            if isinstance(kept, CompiledTemplates):
                found = kept.names_of("free names", source, find)
            else:
                found = tuple(sorted(find()))
        except Exception:  # the import itself reports what is wrong, as before
            self._unreadable = True
            found = ()
        self._free_names = found
        return self._free_names


class ConstantTexts(jinja2.ext.Extension):
    """Replaces `t('key')` (one literal key, nothing to fill in) by the text itself when
    a template is compiled, so the page escapes and joins it once, not on every render.

    Set `environment.constant_texts` to a key -> text mapping. Unknown keys are left to
    the call, which reports them when (and only if) the page reaches it.
    """

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        environment.extend(constant_texts={})

    def filter_stream(self, stream: TokenStream) -> Iterable[Token]:
        texts = self.environment.constant_texts  # type: ignore[attr-defined]
        return _fold_calls(iter(stream), texts)


_TEXT_CALL_SHAPE = ("name", "lparen", "string", "rparen")  # t ( 'key' )


def _fold_calls(tokens: Iterator[Token], texts: dict[str, str]) -> Iterator[Token]:
    window: list[Token] = []
    previous: Token | None = None
    for token in tokens:
        window.append(token)
        if len(window) < 4:
            continue
        if _is_text_call(window, previous) and window[2].value in texts:
            yield Token(window[0].lineno, "string", texts[window[2].value])
            previous = window[3]
            window.clear()
            continue
        previous = window.pop(0)
        yield previous
    yield from window


def _is_text_call(window: list[Token], previous: Token | None) -> bool:
    shape = tuple(token.type for token in window)
    return (
        shape == _TEXT_CALL_SHAPE
        and window[0].value == "t"
        # `x.t('a')` is another object's method; `macro t(` defines a name of its own.
        and (previous is None or previous.type != "dot")
        and not (previous is not None and previous.type == "name" and previous.value == "macro")
    )


class CompiledTemplates(jinja2.bccache.BytecodeCache):
    """Compiled templates kept for the life of the process, so a second build in it (every
    rebuild of `serve`, every build of a test run) does not compile its templates again:
    compiling a theme's templates costs about half a second, rendering a page a millisecond.
    With `keep_in`, they are also kept in the cache folder for the next builds.

    Jinja checks each entry against the template's source (a changed file is compiled
    again); the key also holds the texts ConstantTexts folds in when compiling, so a page
    compiled with other translations is never reused.
    """

    _compiled: ClassVar[OrderedDict[str, bytes]] = OrderedDict()
    MAX_ENTRIES = 1024  # a long `serve` session edits templates: keep the newest
    KIND = "template-1"
    NAMES_KIND = "template-names-1"

    def __init__(self, constant_texts: Mapping[str, str]) -> None:
        self.texts_identity = hash_parts(
            part for key in sorted(constant_texts) for part in (key, constant_texts[key])
        )
        self._folder: Path | None = None
        self._key = b""  # what authenticates the kept files (keep_in)
        self._key_id = ""

    def keep_in(self, folder: Path, secret: bytes) -> None:
        """Also keep each compiled template in folder (one store file each), for the builds
        that follow. A compiled template is code that runs: a kept one is used only when
        its keyed BLAKE2b tag, made with a subkey of secret (the site's signing key, which
        the cache never holds), matches, so a cache folder written by anyone without the
        key (a poisoned CI cache) can make a build compile again, never run its code."""
        self._folder = folder
        self._key = hashlib.blake2b(
            b"badgesite compiled templates", key=secret[:64], digest_size=32
        ).digest()
        self._key_id = hashlib.blake2b(b"key id", key=self._key, digest_size=10).hexdigest()

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hash_parts((self.texts_identity, name, filename or ""))

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._compiled.get(bucket.key)
        if code is None and self._folder is not None:
            code = self._read(bucket.key)
            if code is not None:
                self._remember(bucket.key, code)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._keep(bucket.key, bucket.bytecode_to_string())

    def names_of(
        self, purpose: str, source: str, find: Callable[[], Iterable[str]]
    ) -> tuple[str, ...]:
        """Names read from a template's source once and kept like its compiled code, by
        purpose: the names its code reads from its context ("free names", ReusedModules:
        finding them runs Jinja's code generator over the whole template, as compiling it
        does) or the templates it pulls in ("references", TemplateReferences: parsing
        them costs every build that plans pages some 0.15 s). Sorted, each once."""
        key = hash_parts((purpose, source))
        kept = self._compiled.get(key)
        if kept is None and self._folder is not None:
            kept = self._read(key, self.NAMES_KIND)
            if kept is not None:
                self._remember(key, kept)
        if kept is None:
            kept = "\n".join(sorted(set(find()))).encode("utf-8")
            self._keep(key, kept, self.NAMES_KIND)
        return tuple(name for name in kept.decode("utf-8").split("\n") if name)

    def _keep(self, key: str, code: bytes, kind: str = KIND) -> None:
        self._remember(key, code)
        if self._folder is not None:
            store, stored_identity = self._store(key, kind)
            store.write(stored_identity, (self._tag(key, code), code))

    def _remember(self, key: str, code: bytes) -> None:
        compiled = self._compiled
        compiled[key] = code
        compiled.move_to_end(key)
        while len(compiled) > self.MAX_ENTRIES:
            compiled.popitem(last=False)

    def _store(self, key: str, kind: str) -> tuple[Store, str]:
        """The file of one compiled template (or of names, by kind), and the identity it is
        stored under: the code (badgesite's, Jinja's) and the Python whose bytecode it holds."""
        assert self._folder is not None
        name = hash_parts((key, self._key_id))
        store = Store(self._folder / name[:2] / name, kind)
        return store, identity("compiled-template", sys.version)

    def _tag(self, key: str, code: bytes) -> bytes:
        return hashlib.blake2b(
            key.encode("ascii") + b"\x00" + code, key=self._key, digest_size=32
        ).digest()

    def _read(self, key: str, kind: str = KIND) -> bytes | None:
        """The kept code of key, when its tag says this site's key made it; else None (it
        is then compiled again and the file replaced)."""
        store, stored_identity = self._store(key, kind)
        stored = store.read(stored_identity, (bytes, bytes))
        if stored is None:
            return None
        tag, code = stored
        if not hmac.compare_digest(tag, self._tag(key, code)):
            logging.getLogger("badgesite.cache").warning(
                "badgesite: ignoring %s: its tag does not match this site's key; the "
                "template is compiled again",
                store.path,
            )
            return None
        return code

    @classmethod
    def forget_all(cls) -> None:
        cls._compiled.clear()
