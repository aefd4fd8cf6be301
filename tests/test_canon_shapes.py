"""Canonicalizing a document of a shape already parsed fills in its strings instead of
parsing JSON-LD again, and gives exactly what parsing it gives, or the same refusal."""

from __future__ import annotations

import dataclasses
from typing import Any

import pyoxigraph
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from badgesite.openbadges import ob3, rdf_canon
from badgesite.openbadges.rdf_canon import UnsafeDocument, canonical_nquads
from test_ob3_standard import BASE, sample_data


def _parsed(document: dict[str, Any]) -> str | tuple[str, ...]:
    """The canonical form by a full parse, or the problems it is refused for."""
    try:
        return rdf_canon._canonical(rdf_canon.checked_quads(document))
    except UnsafeDocument as refused:
        return tuple(str(problem) for problem in refused.problems)


def _canonical(document: dict[str, Any]) -> str | tuple[str, ...]:
    try:
        return canonical_nquads(document)
    except UnsafeDocument as refused:
        return tuple(str(problem) for problem in refused.problems)


# Strings of every kind content can give: plain URLs, IRIs JSON-LD reads in other ways
# (compact IRIs of a context's terms, blank node names, relative references, terms), text
# with what N-Quads escapes, and what the safe-mode check refuses.
TRICKY = [
    "https://example.org/a",
    "https://example.org/a b",
    "https://example.org/./a/../b",
    "http://example.org/é?q=1&r=<2>#frag",
    "https://example.org/é",
    "HTTPS://EXAMPLE.ORG/",
    "did:web:example.org:issuers:acme",
    "mailto:ada@example.org",
    "urn:uuid:2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01",
    "xsd:string",
    "Achievement:x",
    "_:b0",
    "@id",
    "Badge",
    "OpenBadgeCredential",
    "relative/path",
    "../up",
    "#fragment",
    "",
    " ",
    'quote " and \\ backslash',
    "line\nfeed",
    "tab\there",
    "nul\x00",
    "del\x7f",
    "\u2028\u2029 separators",
    "漢字 and emoji 🎖",
    rdf_canon.RELATIVE_IRI_BASE + "x",
    rdf_canon.UNDEFINED_TERM_VOCAB + "x",
    rdf_canon._IRI_SLOT + "0",
    rdf_canon._TEXT_SLOT + "0",
]
# Mostly what a site holds (any text but control characters, URLs of any path), now and
# then a tricky string.
plain_texts = st.text("aZ0 .,:;/#@_-'\"\\\né漢🎖\u2028<>&", max_size=16)
tricky = st.sampled_from(TRICKY)
texts = st.integers(0, 30).flatmap(lambda n: tricky if n == 0 else plain_texts)
segments = st.text("abcXYZ019-._~!$&'()*+,;=:@", max_size=8) | st.just("%20")
url_paths = st.builds(
    lambda parts, query, fragment: "/".join(parts) + query + fragment,
    st.lists(segments, max_size=4),
    st.just("") | st.builds(lambda q: f"?{q}", segments),
    st.just("") | st.builds(lambda f: f"#{f}", segments),
)
plain_urls = st.one_of(
    st.builds(lambda path: f"https://example.org/{path}", url_paths),
    st.builds(lambda path: f"did:web:example.org:{path}", url_paths),
    st.builds(lambda path: f"urn:x-{path}", url_paths),
)
urls = st.integers(0, 30).flatmap(lambda n: tricky if n == 0 else plain_urls)


@st.composite
def credentials(draw: st.DrawFn) -> dict[str, Any]:
    data = sample_data()
    achievement = dataclasses.replace(
        data.achievement,
        id=draw(urls),
        name=draw(texts),
        description=draw(texts),
        criteria_narrative=draw(texts),
        criteria_url=draw(st.one_of(st.just(""), urls)),
        image_url=draw(st.one_of(st.just(""), urls)),
        tags=tuple(draw(st.lists(texts, max_size=3))),
        alignments=tuple(
            ob3.Alignment(draw(texts), draw(urls), draw(texts))
            for _ in range(draw(st.integers(0, 2)))
        ),
    )
    if not (achievement.criteria_url or achievement.criteria_narrative):
        achievement = dataclasses.replace(achievement, criteria_narrative="Do it.")
    issuer = dataclasses.replace(
        data.issuer, id=draw(urls), name=draw(texts), url=draw(st.one_of(st.just(""), urls))
    )
    same = draw(texts)  # evidence items may be alike: blank nodes that only hashing tells apart
    evidence = tuple(
        ob3.Evidence(draw(st.one_of(st.just(""), urls)), same, same, draw(texts))
        for _ in range(draw(st.integers(0, 3)))
    )
    return ob3.open_badge_credential(
        dataclasses.replace(
            data,
            id=draw(urls),
            name=draw(texts),
            issuer=issuer,
            achievement=achievement,
            valid_from=draw(st.one_of(st.just(data.valid_from), texts)),
            evidence=evidence,
        )
    )


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credentials())
@example(ob3.open_badge_credential(sample_data()))
def test_a_credential_canonicalizes_as_a_full_parse_does(document: dict[str, Any]) -> None:
    assert _canonical(document) == _parsed(document)


@pytest.mark.parametrize("text", TRICKY)
def test_each_tricky_string_anywhere_canonicalizes_as_a_full_parse_does(text: str) -> None:
    data = sample_data()
    variants = [
        dataclasses.replace(data, id=text),
        dataclasses.replace(data, name=text),
        dataclasses.replace(data, issuer=dataclasses.replace(data.issuer, id=text)),
        dataclasses.replace(data, issuer=dataclasses.replace(data.issuer, url=text)),
        dataclasses.replace(
            data, achievement=dataclasses.replace(data.achievement, tags=(text, "x"))
        ),
        dataclasses.replace(data, evidence=(ob3.Evidence(text, text, text, text),)),
    ]
    for variant in variants:
        document = ob3.open_badge_credential(variant)
        assert _canonical(document) == _parsed(document)


def test_a_shape_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    rdf_canon._shape_quads.cache_clear()
    parses = []
    real = pyoxigraph.parse

    def counting(*args: Any, **kwargs: Any) -> Any:
        parses.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pyoxigraph, "parse", counting)
    for number in range(5):
        data = sample_data(id=f"{BASE}/awards/a{number}/credential.json", name=f"Badge {number}")
        canonical_nquads(ob3.open_badge_credential(data))
    assert len(parses) == 1
