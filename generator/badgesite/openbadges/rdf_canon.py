"""RDFC-1.0 canonical N-Quads of JSON-LD documents, refusing what safe-mode verifiers reject.

The canonicalizer is pyoxigraph (RDFC-1.0): it matched jsonld.js with rdf-canonize byte for
byte where PyLD did not (control characters). It loads no contexts, so each @context URL is
replaced by the pinned context object it names (ob3_contexts); nothing is fetched.

A JSON-LD processor silently drops a term no context defines and resolves or drops a relative
IRI, so a signer would sign a document that the independent verifiers, which run JSON-LD in
safe mode (jsonld.js, openbadgeslib), then reject: a bad signature in the wild instead of an
error at build time. So before signing, `safe_mode_problems` lists, by field path:
- terms no context defines and relative IRIs: the document is parsed with a sentinel
  `@vocab` first in its context and a sentinel base IRI, so each such term or IRI shows up as
  an IRI in a sentinel namespace (the pinned contexts set no `@vocab` of their own; a term
  whose scoped context is `null`, which would clear the sentinel, is refused, as is every
  nested `@context`);
- malformed IRIs, which the parser drops with the node that holds them: every `id`, every
  value of a term some pinned context types `@id` or `@vocab`, every type and every key must
  make a valid IRI (as itself, or resolved against the sentinels as the parser would);
- null values (dropped), empty types, C0 control characters other than LF (and DEL) in any
  key or string, whose escaping implementations disagree on, and numbers that are not
  integers within ±2^53 (implementations write doubles, and JavaScript writes large integers,
  differently).
A document with no problem parses to the same quads with or without the sentinels, so the
quads of the checking parse are the ones canonicalized. Documents of one shape (the same keys,
types and kinds of strings: every credential of a site has one of a few) are parsed once per
shape, their strings filled into the quads (`_shaped_quads`), where that is exact.

A foreign document being verified (`foreign=True`) is spared the last group's control
characters and numbers: those are refused before signing because implementations disagree on
them, but for a signature someone else made, the signature itself says whether our canonical
form is the signer's.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urljoin

import pyoxigraph

from badgesite.openbadges.ob3_contexts import PINNED, context_document

UNDEFINED_TERM_VOCAB = "urn:badgesite:undefined-term:"
RELATIVE_IRI_BASE = "https://relative-iri.badgesite.invalid/"
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_LARGEST_EXACT_INTEGER = 2**53


@dataclass(frozen=True)
class Problem:
    """Why a document would not verify elsewhere: the field path (`a.b[0].c`) and a message."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(document)'}: {self.message}"


class UnsafeDocument(ValueError):
    """A document refused before signing; `problems` lists every reason at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(problem) for problem in problems))


def _walk(
    value: Any, path: str = "", holder: str | None = None
) -> Iterator[tuple[str, str | None, str | None, Any]]:
    """Every (path, key, property, value) below `value`: key is None for list items, and
    property is the key the value is under (for a list item, the key of its list)."""
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield child, key, key, item
            yield from _walk(item, child, key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            child = f"{path}[{index}]"
            yield child, None, holder, item
            yield from _walk(item, child, holder)


@cache
def _iri_valued_terms() -> frozenset[str]:
    """Terms some pinned context types `@id` or `@vocab`, anywhere (scoped contexts too)."""
    terms = {"id", "@id"}
    for url in PINNED:
        for _path, key, _property, value in _walk(context_document(url)):
            if isinstance(value, dict) and value.get("@type") in ("@id", "@vocab") and key:
                terms.add(key)
    return frozenset(terms)


@cache
def _context_clearing_terms() -> frozenset[str]:
    """Terms some pinned context scopes to `"@context": null` (a presentation's credentials)."""
    terms = set()
    for url in PINNED:
        for _path, key, _property, value in _walk(context_document(url)):
            if isinstance(value, dict) and "@context" in value and value["@context"] is None:
                terms.add(str(key))
    return frozenset(terms)


def _is_iri(value: str) -> bool:
    try:
        pyoxigraph.NamedNode(value)
    except ValueError:
        return False
    return True


def _resolves_to_iri(value: str) -> bool:
    try:
        return _is_iri(urljoin(RELATIVE_IRI_BASE, value))
    except ValueError:  # urljoin refuses some malformed hosts ("http://[::1")
        return False


def _iri_problems(path: str, key: str | None, prop: str | None, value: Any) -> list[Problem]:
    """A key, type or IRI-valued string the parser would drop as a malformed IRI."""
    problems = []
    if key is not None and not key.startswith("@") and not _is_iri(UNDEFINED_TERM_VOCAB + key):
        problems.append(Problem(path, f'"{key}" cannot be a term: it is not a valid IRI'))
    if not isinstance(value, str) or not value or prop == "@context":
        return problems
    if prop in ("type", "@type"):
        # A type is a term (made an IRI by the vocabulary) or an IRI of its own.
        valid = _is_iri(value) or _is_iri(UNDEFINED_TERM_VOCAB + value)
    elif prop in _iri_valued_terms():
        valid = _resolves_to_iri(value)
    else:
        valid = True
    if not valid:
        problems.append(Problem(path, f'"{value}" is not a valid IRI'))
    return problems


def _json_problems(document: dict[str, Any], foreign: bool = False) -> list[Problem]:
    problems: list[Problem] = []
    for path, key, prop, value in _walk(document):
        problems += _iri_problems(path, key, prop, value)
        if not foreign and key is not None and _UNSAFE_CHARACTERS.search(key):
            problems.append(Problem(path, _control_message(key, "key")))
        if key in ("type", "@type") and (
            value in ("", [], None) or (isinstance(value, list) and "" in value)
        ):
            problems.append(Problem(path, "an empty type: give a type or leave the field out"))
        if key in _context_clearing_terms():
            problems.append(Problem(path, f'"{key}" belongs in a presentation, not a credential'))
        if key == "@context" and path != "@context":
            problems.append(Problem(path, "a nested @context: only the top-level one is read"))
        if isinstance(value, str):
            if not foreign and _UNSAFE_CHARACTERS.search(value):
                problems.append(Problem(path, _control_message(value, "text")))
        elif isinstance(value, (int, float)) and _number_refused(value, foreign):
            problems.append(Problem(path, _number_message(value)))
        elif value is None and key != "@context":
            problems.append(Problem(path, "a null value, which JSON-LD drops: leave it out"))
        elif value is not None and not isinstance(value, (str, int, float, list, dict)):
            problems.append(Problem(path, f"a {type(value).__name__}, which JSON cannot hold"))
    return problems


def _number_refused(value: float | int, foreign: bool) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return True
    return not foreign and (isinstance(value, float) or abs(value) > _LARGEST_EXACT_INTEGER)


def _control_message(text: str, what: str) -> str:
    found = _UNSAFE_CHARACTERS.search(text)
    assert found is not None
    return (
        f"{what} holds the control character U+{ord(found.group()):04X}; verifiers escape "
        "control characters differently, so it is refused (only line feeds are allowed)"
    )


def _number_message(value: float | int) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a JSON number"
    return (
        f"the number {value!r}: JSON-LD processors write fractions and integers past 2^53 "
        "differently, so only integers up to 2^53 are allowed (write others as text)"
    )


def _embedded_context(
    document: dict[str, Any], extra_contexts: Mapping[str, Any]
) -> tuple[list[Any], list[Problem]]:
    """The document's @context with each URL replaced by its pinned context object."""
    listed = document.get("@context")
    if listed is None:
        return [], [Problem("@context", "missing: name the pinned contexts")]
    entries = listed if isinstance(listed, list) else [listed]
    embedded: list[Any] = []
    problems: list[Problem] = []
    for index, entry in enumerate(entries):
        where = f"@context[{index}]" if isinstance(listed, list) else "@context"
        if isinstance(entry, str) and entry in extra_contexts:
            embedded.append(extra_contexts[entry]["@context"])
        elif isinstance(entry, str) and entry in PINNED:
            embedded.append(context_document(entry)["@context"])
        elif isinstance(entry, str):
            problems.append(Problem(where, f"{entry} is not one of the pinned contexts"))
        else:
            problems.append(Problem(where, "an inline context: name a pinned context's URL"))
    return embedded, problems


def _paths_of_term(document: dict[str, Any], term: str) -> list[str]:
    paths = []
    for path, key, _property, value in _walk(document):
        types = value if isinstance(value, list) else [value]
        if key == term or (key in ("type", "@type") and term in types):
            paths.append(path)
    return paths or [""]


def _paths_of_relative(document: dict[str, Any], iri: str) -> list[str]:
    paths = [
        path
        for path, _key, _property, value in _walk(document)
        if isinstance(value, str) and urljoin(RELATIVE_IRI_BASE, value) == iri
    ]
    return paths or [""]


def _sentinel_problems(document: dict[str, Any], quads: list[pyoxigraph.Quad]) -> list[Problem]:
    terms: set[str] = set()
    relatives: set[str] = set()
    for quad in quads:
        for node in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if isinstance(node, pyoxigraph.Literal):
                node = node.datatype
            if not isinstance(node, pyoxigraph.NamedNode):
                continue
            if node.value.startswith(UNDEFINED_TERM_VOCAB):
                terms.add(node.value[len(UNDEFINED_TERM_VOCAB) :])
            elif node.value.startswith(RELATIVE_IRI_BASE):
                relatives.add(node.value)
    problems = []
    for term in sorted(terms - {""}):  # an empty type, reported as such by _json_problems
        message = (
            f'"{term}" is not defined by the credential\'s contexts; verifiers in JSON-LD '
            "safe mode reject it"
        )
        problems += [Problem(path, message) for path in _paths_of_term(document, term)]
    for iri in sorted(relatives):
        relative = iri[len(RELATIVE_IRI_BASE) :]
        message = f'"{relative}" is a relative IRI; verifiers need an absolute URL'
        problems += [Problem(path, message) for path in _paths_of_relative(document, iri)]
    return problems


def checked_quads(
    document: dict[str, Any],
    extra_contexts: Mapping[str, Any] | None = None,
    foreign: bool = False,
) -> list[pyoxigraph.Quad]:
    """The RDF quads of `document`, or UnsafeDocument listing every safe-mode problem.

    `extra_contexts` (URL -> context document) adds contexts beyond the pinned ones, for
    test vectors that use the W3C examples context. `foreign`: a document being verified,
    not signed (see the module's docstring).
    """
    problems = _json_problems(document, foreign)
    context, context_problems = _embedded_context(document, extra_contexts or {})
    if context_problems:
        raise UnsafeDocument(problems + context_problems)
    sentinel = {**document, "@context": [{"@vocab": UNDEFINED_TERM_VOCAB}, *context]}
    try:
        text = json.dumps(sentinel, ensure_ascii=False, allow_nan=False)
        quads = list(
            pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.JSON_LD, base_iri=RELATIVE_IRI_BASE)
        )
    except (SyntaxError, ValueError) as error:
        raise UnsafeDocument([*problems, Problem("", f"not valid JSON-LD: {error}")]) from None
    problems += _sentinel_problems(document, quads)
    if problems:
        raise UnsafeDocument(problems)
    return quads


def safe_mode_problems(
    document: dict[str, Any], extra_contexts: Mapping[str, Any] | None = None
) -> list[Problem]:
    """Every reason a JSON-LD safe-mode verifier would refuse `document` (empty: none)."""
    try:
        checked_quads(document, extra_contexts)
    except UnsafeDocument as unsafe:
        return list(unsafe.problems)
    return []


def canonical_nquads(
    document: dict[str, Any], extra_contexts: Mapping[str, Any] | None = None
) -> str:
    """The RDFC-1.0 canonical N-Quads of `document` (UnsafeDocument if it would not verify).

    The canonicalization's cost grows steeply with the number of blank nodes in some graph
    shapes; the documents signed here are built by badgesite with a handful of them. A
    document of a shape already parsed (see `_shaped_quads`) is not parsed again.
    """
    quads = _shaped_quads(document) if extra_contexts is None else None
    if quads is None:
        quads = checked_quads(document, extra_contexts)
    return _canonical(quads)


def _canonical(quads: list[pyoxigraph.Quad]) -> str:
    dataset = pyoxigraph.Dataset(quads)
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    serialized = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS)
    assert serialized is not None
    lines = serialized.decode("utf-8").splitlines(keepends=True)
    return "".join(sorted(lines))


# Parsing JSON-LD, the pinned contexts' 18 KB each time, is most of what canonicalizing one
# of our credentials costs (2 ms of 2.3), and every credential of a site has one of a few
# shapes. So a document's strings are set aside, each replaced by a slot; the document of
# slots (its shape) is parsed once, and each slot's term in the quads is then filled with
# its string. That gives the quads of the document only where a string's meaning cannot
# depend on what it says:
# - what JSON-LD reads as a term or type (types, `@` keywords, terms some pinned context
#   types `@vocab` or `@json`) stays in the shape, as it is;
# - a string that is a plain absolute IRI (of a scheme no context defines as a term, and
#   not itself a term) reads the same whether the context makes it an IRI or a literal: its
#   slot is an IRI too, read the same way; any other string's slot holds a space, so that
#   where the context would read it as an IRI (relative, resolved, or refused) the slot
#   does not come back whole, and the shape is not used;
# - every slot must come back whole, as an IRI or a literal, and nowhere else (not inside
#   another IRI), and the document must pass the same checks (`_json_problems`) first;
# else the document is parsed as any other. Tests compare both ways over many credentials.
_IRI_SLOT = "https://slot.badgesite.invalid/"
_TEXT_SLOT = "badgesite slot "
_SLOT_MARKS = ("slot.badgesite.invalid", "badgesite slot")
_PLAIN_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+\Z")
_SHAPES_KEPT = 256


@cache
def _context_terms() -> tuple[frozenset[str], frozenset[str]]:
    """Every term the pinned contexts define, and those typed `@vocab` or `@json`."""
    terms, read_as_terms = set(), set()
    for url in PINNED:
        for _path, key, _property, value in _walk(context_document(url)):
            if key and not key.startswith("@"):
                terms.add(key)
                if isinstance(value, dict) and value.get("@type") in ("@vocab", "@json"):
                    read_as_terms.add(key)
    return frozenset(terms), frozenset(read_as_terms)


def _is_plain_iri(value: str) -> bool:
    terms, _ = _context_terms()
    return (
        _PLAIN_IRI.match(value) is not None
        and value not in terms
        and value.partition(":")[0] not in terms
        and not value.startswith((RELATIVE_IRI_BASE, UNDEFINED_TERM_VOCAB))
        and "/./" not in value
        and "/../" not in value
        and _is_iri(value)
    )


def _shape(value: Any, strings: list[str]) -> Any:
    """value with each string it holds (outside what stays as it is) set aside in strings
    and replaced by its slot."""
    if isinstance(value, dict):
        _, read_as_terms = _context_terms()
        return {
            key: (
                item
                if (key.startswith("@") and key != "@id") or key == "type" or key in read_as_terms
                else _shape(item, strings)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_shape(item, strings) for item in value]
    if isinstance(value, str):
        slot = _IRI_SLOT if _is_plain_iri(value) else _TEXT_SLOT
        strings.append(value)
        return f"{slot}{len(strings) - 1}"
    return value


# A quad of a shape: each of its four terms as parsed, or a slot to fill: ("iri", index)
# or ("literal", index, datatype, language).
_Slot = tuple[Any, ...]


@lru_cache(maxsize=_SHAPES_KEPT)
def _shape_quads(shape_text: str, slots: int) -> tuple[tuple[Any, ...], ...] | None:
    """The quads of a shape with its slots marked, or None where it cannot be used."""
    try:
        quads = checked_quads(json.loads(shape_text))
    except UnsafeDocument:
        return None
    found: set[int] = set()
    marked = []
    for quad in quads:
        terms: list[Any] = []
        for node in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            slot = _slot_of(node)
            if slot is None:
                if any(mark in str(node) for mark in _SLOT_MARKS):
                    return None  # a slot read as part of something else
                terms.append(node)
            else:
                found.add(slot[1])
                terms.append(slot)
        marked.append(tuple(terms))
    return tuple(marked) if found == set(range(slots)) else None


def _slot_of(node: Any) -> _Slot | None:
    if isinstance(node, pyoxigraph.NamedNode):
        index = node.value.removeprefix(_IRI_SLOT)
        if index != node.value and index.isdigit():
            return ("iri", int(index))
    elif isinstance(node, pyoxigraph.Literal):
        for slot in (_IRI_SLOT, _TEXT_SLOT):
            index = node.value.removeprefix(slot)
            if index != node.value and index.isdigit():
                if any(mark in node.datatype.value for mark in _SLOT_MARKS):
                    return None
                return ("literal", int(index), node.datatype, node.language)
    return None


def _shaped_quads(document: dict[str, Any]) -> list[pyoxigraph.Quad] | None:
    """The quads of document from the parse of its shape; None when it cannot be used
    (or the document has a problem, which the full parse then reports)."""
    if _json_problems(document):
        return None
    strings: list[str] = []
    shape = _shape(document, strings)
    try:
        for text in strings:
            text.encode("utf-8")  # JSON text cannot hold a lone surrogate
        shape_text = json.dumps(shape, ensure_ascii=False, allow_nan=False)
    except (UnicodeEncodeError, ValueError, TypeError):
        return None
    marked = _shape_quads(shape_text, len(strings))
    if marked is None:
        return None
    filled: list[pyoxigraph.Quad] = []
    for quad in marked:
        terms = [_filled(term, strings) for term in quad]
        filled.append(pyoxigraph.Quad(*terms))
    return filled


def _filled(term: Any, strings: list[str]) -> Any:
    if not isinstance(term, tuple):
        return term
    if term[0] == "iri":
        return pyoxigraph.NamedNode(strings[term[1]])
    _, index, datatype, language = term
    if language:
        return pyoxigraph.Literal(strings[index], language=language)
    return pyoxigraph.Literal(strings[index], datatype=datatype)
