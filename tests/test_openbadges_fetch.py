"""The fetcher's limits: schemes, redirects, size, nesting depth and time, on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from badgesite.openbadges.fetch import (
    MAX_JSON_DEPTH,
    Fetcher,
    FetchProblem,
    json_depth,
    parse_json,
)
from loopback import Served, serve_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve_corpus(tmp_path_factory.mktemp("corpus") / "www") as served:
        yield served


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/badge.json",
        "data:application/json,{}",
        "javascript:alert(1)",
        "gopher://127.0.0.1:70/",
        "http:///no-host",
    ],
)
def test_only_http_and_https_are_fetched(url: str) -> None:
    with pytest.raises(FetchProblem, match="not an http"):
        Fetcher().fetch(url, 1000)


def test_a_document_is_fetched_and_parsed(corpus: Served) -> None:
    fetched, data = Fetcher().fetch_json(corpus.base + "assertions/valid-iri.json")
    assert fetched.status == 200
    assert data["id"] == corpus.base + "assertions/valid-iri.json"


def test_redirects_are_followed_up_to_the_limit(corpus: Served) -> None:
    fetched, data = Fetcher(max_redirects=5).fetch_json(corpus.base + "chain/3")
    assert fetched.final_url == corpus.base + "assertions/valid-iri.json"
    assert data["type"] == "Assertion"
    with pytest.raises(FetchProblem, match="more than 5 redirects"):
        Fetcher(max_redirects=5).fetch_json(corpus.base + "chain/8")


def test_a_redirect_loop_is_refused(corpus: Served) -> None:
    with pytest.raises(FetchProblem, match="redirect loop"):
        Fetcher().fetch_json(corpus.base + "loop-a")


def test_a_redirect_to_another_scheme_is_refused(corpus: Served) -> None:
    with pytest.raises(FetchProblem, match="not an http"):
        Fetcher().fetch_json(corpus.base + "to-file")


@pytest.mark.parametrize("path", ["huge.json", "huge-unannounced.json"])
def test_oversize_bodies_are_refused(corpus: Served, path: str) -> None:
    with pytest.raises(FetchProblem, match=r"limit is|refused"):
        Fetcher().fetch_json(corpus.base + path)


def test_deep_nesting_is_refused_before_parsing(corpus: Served) -> None:
    with pytest.raises(FetchProblem, match="nested 5000 levels"):
        Fetcher().fetch_json(corpus.base + "deep.json")


def test_a_slow_server_times_out(corpus: Served) -> None:
    with pytest.raises(FetchProblem, match=r"timed out|longer than"):
        Fetcher(timeout=0.5).fetch_json(corpus.base + "slow.json")


def test_a_dripping_body_times_out(corpus: Served) -> None:
    with pytest.raises(FetchProblem, match=r"longer than 0\.5 s"):
        Fetcher(timeout=0.5).fetch_json(corpus.base + "drip.json")


def test_http_errors_and_html_are_reported(corpus: Served) -> None:
    with pytest.raises(FetchProblem, match="HTTP 404"):
        Fetcher().fetch_json(corpus.base + "assertions/missing.json")
    with pytest.raises(FetchProblem, match="not JSON"):
        Fetcher().fetch_json(corpus.base + "html.json")


def test_json_depth_ignores_brackets_inside_strings() -> None:
    assert json_depth('{"a": "[[[[{{{{", "b": [1, {"c": "\\"]"}]}') == 3
    deep = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
    with pytest.raises(FetchProblem, match="nested"):
        parse_json(deep.encode(), "test")
    assert parse_json(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH, "test")
