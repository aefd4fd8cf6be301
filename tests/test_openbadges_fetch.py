"""The fetcher's limits: schemes, public hosts, redirects, size, nesting depth and time."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from badgesite.openbadges import fetch
from badgesite.openbadges.fetch import (
    MAX_JSON_DEPTH,
    Fetcher,
    FetchProblem,
    is_public_address,
    json_depth,
    parse_json,
)
from loopback import TLS_CERTIFICATE, Served, loopback_fetcher, serve_corpus, serve_tls


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


REFUSED = r"is not a public address \(use --allow-private-hosts to allow it\)"


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
        "http://10.0.0.1/badge.json",
        "http://192.168.1.1/badge.json",
        "http://100.64.0.1/badge.json",  # carrier-grade NAT
        "http://0.0.0.0/badge.json",
        "https://[::1]/badge.json",
        "http://[fe80::1]/badge.json",
        "http://[fd00::1]/badge.json",
        "http://[::ffff:127.0.0.1]/badge.json",  # IPv4-mapped IPv6
        "http://[::ffff:169.254.169.254]/badge.json",
        "http://224.0.0.1/badge.json",
    ],
)
def test_private_addresses_are_refused_by_default(url: str) -> None:
    with pytest.raises(FetchProblem, match=REFUSED):
        Fetcher().fetch(url, 1000)


def test_a_live_loopback_server_is_refused_by_default(corpus: Served) -> None:
    url = corpus.base + "assertions/valid-iri.json"
    with pytest.raises(FetchProblem, match=f"refusing to fetch {url}: 127.0.0.1 {REFUSED}"):
        Fetcher().fetch_json(url)
    decimal = f"http://2130706433:{corpus.port}/assertions/valid-iri.json"
    with pytest.raises(FetchProblem, match=f"2130706433 resolves to 127.0.0.1, which {REFUSED}"):
        Fetcher().fetch_json(decimal)


def test_names_resolving_to_loopback_are_refused(corpus: Served) -> None:
    with pytest.raises(FetchProblem, match=f"localhost resolves to [0-9a-f.:]+, which {REFUSED}"):
        Fetcher().fetch_json(corpus.other_base + "assertions/valid-iri.json")


def test_every_address_of_a_name_must_be_public() -> None:
    def resolve(host: str, port: int) -> tuple[str, ...]:
        return ("93.184.216.34", "10.1.2.3")

    with pytest.raises(FetchProblem, match=f"badges.example resolves to 10.1.2.3, which {REFUSED}"):
        Fetcher(resolve=resolve).fetch("http://badges.example/a.json", 1000)


def test_a_redirect_to_a_private_address_is_refused(corpus: Served, monkeypatch) -> None:
    # Pretend the loopback server is a public host; the hop it redirects to must be checked.
    monkeypatch.setattr(fetch, "is_public_address", lambda address: address == "127.0.0.1")
    assert Fetcher().fetch_json(corpus.base + "assertions/valid-iri.json")[1]["type"]
    hop = "http://169.254.169.254/latest/meta-data/: 169.254.169.254"
    with pytest.raises(FetchProblem, match=f"refusing to fetch {re.escape(hop)} {REFUSED}"):
        Fetcher().fetch_json(corpus.base + "to-metadata")


def test_private_hosts_are_fetched_when_allowed(corpus: Served) -> None:
    allowed = Fetcher(allow_private_hosts=True)
    for base in (corpus.base, corpus.other_base):
        fetched, data = allowed.fetch_json(base + "assertions/valid-iri.json")
        assert fetched.status == 200 and data["type"] == "Assertion"


def test_the_connection_goes_to_the_address_checked(corpus: Served) -> None:
    # .invalid never resolves: the fetch works only if the connection uses the address the
    # check saw, rather than looking the name up again (which DNS rebinding would exploit).
    lookups: list[str] = []

    def resolve(host: str, port: int) -> tuple[str, ...]:
        lookups.append(host)
        return ("127.0.0.1",)

    fetcher = Fetcher(allow_private_hosts=True, resolve=resolve)
    _, data = fetcher.fetch_json(f"http://badges.invalid:{corpus.port}/echo-host")
    assert data == {"host": f"badges.invalid:{corpus.port}"}
    assert lookups == ["badges.invalid"]


def test_https_to_the_address_checked_still_verifies_the_host_name(monkeypatch) -> None:
    # The server at 127.0.0.1 holds a certificate for badges.test alone, trusted here.
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS_CERTIFICATE))
    fetcher = Fetcher(allow_private_hosts=True, resolve=lambda host, port: ("127.0.0.1",))
    with serve_tls() as port:
        _, data = fetcher.fetch_json(f"https://badges.test:{port}/echo-host")
        assert data == {"host": f"badges.test:{port}"}
        with pytest.raises(FetchProblem, match=r"CERTIFICATE_VERIFY_FAILED.*mismatch"):
            fetcher.fetch_json(f"https://other.test:{port}/echo-host")


def test_public_addresses() -> None:
    for address in ("8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"):
        assert is_public_address(address), address
    for address in ("127.0.0.1", "169.254.169.254", "fe80::1%eth0", "::ffff:10.0.0.1", "::"):
        assert not is_public_address(address), address


def test_a_document_is_fetched_and_parsed(corpus: Served) -> None:
    fetched, data = loopback_fetcher().fetch_json(corpus.base + "assertions/valid-iri.json")
    assert fetched.status == 200
    assert data["id"] == corpus.base + "assertions/valid-iri.json"


def test_redirects_are_followed_up_to_the_limit(corpus: Served) -> None:
    fetched, data = loopback_fetcher(max_redirects=5).fetch_json(corpus.base + "chain/3")
    assert fetched.final_url == corpus.base + "assertions/valid-iri.json"
    assert data["type"] == "Assertion"
    with pytest.raises(FetchProblem, match="more than 5 redirects"):
        loopback_fetcher(max_redirects=5).fetch_json(corpus.base + "chain/8")


def test_a_redirect_loop_is_refused(corpus: Served) -> None:
    with pytest.raises(FetchProblem, match="redirect loop"):
        loopback_fetcher().fetch_json(corpus.base + "loop-a")


def test_a_redirect_to_another_scheme_is_refused(corpus: Served) -> None:
    with pytest.raises(FetchProblem, match="not an http"):
        loopback_fetcher().fetch_json(corpus.base + "to-file")


@pytest.mark.parametrize("path", ["huge.json", "huge-unannounced.json"])
def test_oversize_bodies_are_refused(corpus: Served, path: str) -> None:
    with pytest.raises(FetchProblem, match=r"limit is|refused"):
        loopback_fetcher().fetch_json(corpus.base + path)


def test_deep_nesting_is_refused_before_parsing(corpus: Served) -> None:
    with pytest.raises(FetchProblem, match="nested 5000 levels"):
        loopback_fetcher().fetch_json(corpus.base + "deep.json")


def test_a_slow_server_times_out(corpus: Served) -> None:
    with pytest.raises(FetchProblem, match=r"timed out|longer than"):
        loopback_fetcher(timeout=0.5).fetch_json(corpus.base + "slow.json")


def test_a_dripping_body_times_out(corpus: Served) -> None:
    with pytest.raises(FetchProblem, match=r"longer than 0\.5 s"):
        loopback_fetcher(timeout=0.5).fetch_json(corpus.base + "drip.json")


def test_http_errors_and_html_are_reported(corpus: Served) -> None:
    with pytest.raises(FetchProblem, match="HTTP 404"):
        loopback_fetcher().fetch_json(corpus.base + "assertions/missing.json")
    with pytest.raises(FetchProblem, match="not JSON"):
        loopback_fetcher().fetch_json(corpus.base + "html.json")


def test_json_depth_ignores_brackets_inside_strings() -> None:
    assert json_depth('{"a": "[[[[{{{{", "b": [1, {"c": "\\"]"}]}') == 3
    deep = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
    with pytest.raises(FetchProblem, match="nested"):
        parse_json(deep.encode(), "test")
    assert parse_json(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH, "test")
