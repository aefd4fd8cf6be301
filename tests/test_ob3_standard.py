"""Open Badges 3.0 library pieces: contexts, keys, RDFC-1.0, eddsa-rdfc-2022, did:web, documents."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from badgesite.openbadges import data_integrity, did_web, ob3, ob3_contexts, status_list
from badgesite.openbadges.multikey import (
    KeyProblem,
    SigningKey,
    base58btc_decode,
    base58btc_encode,
    format_signing_key,
    generate_signing_key,
    parse_signing_key,
    public_key_from_multibase,
)
from badgesite.openbadges.rdf_canon import UnsafeDocument, canonical_nquads, safe_mode_problems

VECTOR = Path(__file__).parent / "fixtures" / "ob3" / "vc-di-eddsa"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
EXAMPLES = {EXAMPLES_V2: json.loads((VECTOR / "credentials-examples-v2.jsonld").read_text())}
BASE = "https://owner.github.io/repo"
KEY = parse_signing_key("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq")


def _vector(name: str) -> Any:
    text = (VECTOR / name).read_text()
    return json.loads(text) if name.endswith(".json") else text


def sample_data(**changes: Any) -> ob3.CredentialData:
    """A credential with every field the builder writes."""
    did = did_web.did_web(BASE, "issuers/acme")
    fields: dict[str, Any] = {
        "id": f"{BASE}/awards/a1/credential.json",
        "name": "Teamwork",
        "issuer": ob3.IssuerProfile(
            id=did,
            name="Acme",
            url="https://acme.example",
            email="badges@acme.example",
            description="We teach.",
            image_url=f"{BASE}/issuers/acme.png",
            other_identifiers=(f"{BASE}/issuers/acme.json",),
        ),
        "achievement": ob3.Achievement(
            id=f"{BASE}/badges/teamwork/",
            name="Teamwork",
            description="Works well in teams.",
            criteria_narrative="Lead a project.\nShip it.",
            criteria_url=f"{BASE}/badges/teamwork/#criteria",
            image_url=f"{BASE}/badges/teamwork.png",
            achievement_type="Badge",
            tags=("collaboration", "leadership", "collaboration"),
            alignments=(
                ob3.Alignment("ESCO teamwork", "https://esco.example/t", "d", "ESCO", "T1"),
            ),
        ),
        "recipient": ob3.HashedEmail("ada@example.com", "c0ffee"),
        "valid_from": "2026-01-02T03:04:05Z",
        "valid_until": "2030-01-01T00:00:00Z",
        "awarded_date": "2026-01-02T03:04:05Z",
        "evidence": (ob3.Evidence("https://ev.example/1", "Project", "A project", "Notes"),),
        "status": ob3.StatusEntry(f"{BASE}/issuers/acme/status/revocation.json", 3),
    }
    fields.update(changes)
    return ob3.CredentialData(**fields)


# Pinned contexts


def test_every_pinned_context_ships_with_the_bytes_its_hash_names() -> None:
    assert set(ob3_contexts.PINNED) == {
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        "https://w3id.org/security/data-integrity/v2",
        "https://w3id.org/security/multikey/v1",
        "https://www.w3.org/ns/did/v1",
    }
    for url, (_filename, pinned) in ob3_contexts.PINNED.items():
        assert hashlib.sha256(ob3_contexts.context_bytes(url)).hexdigest() == pinned
        assert "@context" in ob3_contexts.context_document(url)


def test_a_context_whose_bytes_changed_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    url = ob3_contexts.OPEN_BADGES_V3
    filename, _pinned = ob3_contexts.PINNED[url]
    monkeypatch.setitem(ob3_contexts.PINNED, url, (filename, "0" * 64))
    with pytest.raises(ob3_contexts.ContextProblem, match="pinned 0000"):
        ob3_contexts.context_bytes(url)
    with pytest.raises(ob3_contexts.ContextProblem, match="not one of the pinned"):
        ob3_contexts.context_bytes("https://example.com/context.json")


def test_the_wheel_ships_the_contexts() -> None:
    # Hatch packages every file under generator/badgesite that git does not ignore.
    folder = Path(ob3_contexts.__file__).parent / "contexts"
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--ignored", "--exclude-standard", str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert listed.stdout == ""
    pinned = {**ob3_contexts.PINNED, **ob3_contexts.VERIFYING_ONLY}
    assert {name for name, _hash in pinned.values()} == {path.name for path in folder.iterdir()}


# Keys


def test_keys_match_the_w3c_vector_key_pair() -> None:
    pair = _vector("keyPair.json")
    key = parse_signing_key(pair["privateKeyMultibase"] + "\n")
    assert key.public_key_multibase == pair["publicKeyMultibase"]
    assert format_signing_key(key) == pair["privateKeyMultibase"]
    assert pair["privateKeyMultibase"] not in repr(key)


def test_a_new_key_round_trips_through_its_text() -> None:
    key = generate_signing_key()
    text = format_signing_key(key)
    assert text.startswith("z3u2") and len(text) == 48
    assert parse_signing_key(text) == key
    assert key.public_key_multibase.startswith("z6Mk")
    assert public_key_from_multibase(key.public_key_multibase) == key.public_key


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", "public key"),
        ("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjx0", "not a base58 character"),
        ("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvj", "48 characters"),
        ("-----BEGIN PRIVATE KEY-----", "does not start with 'z'"),
    ],
)
def test_a_key_text_that_is_not_a_signing_key_is_refused_without_echoing_it(
    text: str, message: str
) -> None:
    with pytest.raises(KeyProblem, match=message) as refused:
        parse_signing_key(text)
    assert text not in str(refused.value)


def test_base58btc_keeps_leading_zero_bytes() -> None:
    for data in (b"", b"\0", b"\0\0\x01", b"\xff" * 64, bytes(range(32))):
        assert base58btc_decode(base58btc_encode(data)) == data
    assert base58btc_encode(b"\0\0\x01") == "112"
    assert base58btc_encode(b"hello world") == "StV1DL6CwTryKyV"


# RDFC-1.0 and eddsa-rdfc-2022: the W3C vector, byte for byte


def test_the_w3c_eddsa_rdfc_2022_vector_reproduces_byte_for_byte() -> None:
    signed = _vector("signedDataInt.json")
    unsigned = {key: value for key, value in signed.items() if key != "proof"}
    configuration = _vector("proofConfigDataInt.json")
    assert canonical_nquads(configuration, EXAMPLES) == _vector("proofCanonDataInt.txt")
    options = {key: value for key, value in configuration.items() if key != "@context"}
    combined = data_integrity.hash_data(unsigned, options, EXAMPLES)
    assert combined.hex() == _vector("combinedHashDataInt.txt")
    ours = data_integrity.sign(
        unsigned,
        KEY,
        options["verificationMethod"],
        options["created"],
        extra_contexts=EXAMPLES,
    )
    assert ours["proof"]["proofValue"] == _vector("sigBTC58DataInt.txt")
    assert json.dumps(ours, indent=2) == json.dumps(signed, indent=2)
    assert data_integrity.proof_is_valid(signed, KEY.public_key_multibase, extra_contexts=EXAMPLES)


def test_the_1edtech_open_badges_example_canonicalizes_as_published() -> None:
    folder = VECTOR.parent / "1edtech-ob3"
    credential = json.loads((folder / "credential.json").read_text())
    method = "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    options = data_integrity.proof_options(method, "2010-01-01T19:23:24Z", "assertionMethod")
    configuration = {**options, "@context": credential["@context"]}
    assert canonical_nquads(credential) == (folder / "document-canon.txt").read_text()
    assert canonical_nquads(configuration) == (folder / "proof-canon.txt").read_text()
    key = SigningKey(
        bytes.fromhex("6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4")
    )
    assert key.public_key.hex() == (
        "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5"
    )
    assert method.endswith(key.public_key_multibase)
    signed = data_integrity.sign(credential, key, method, options["created"])
    assert signed["proof"]["proofValue"].startswith("z5x9aCBYovW3")
    assert data_integrity.proof_is_valid(signed, key.public_key_multibase)


def test_a_changed_vector_no_longer_verifies() -> None:
    signed = _vector("signedDataInt.json")
    signed["credentialSubject"]["alumniOf"] = "Another School"
    assert not data_integrity.proof_is_valid(
        signed, KEY.public_key_multibase, extra_contexts=EXAMPLES
    )


def test_canonical_form_escapes_line_feeds_as_rdfc_1_0_does() -> None:
    document = ob3.open_badge_credential(sample_data())
    assert '"Lead a project.\\nShip it."' in canonical_nquads(document)


# Safe mode: refused before signing, with a path and a message


def _problems(document: dict[str, Any]) -> dict[str, str]:
    return {problem.path: problem.message for problem in safe_mode_problems(document)}


def test_a_built_credential_has_no_safe_mode_problem() -> None:
    assert safe_mode_problems(ob3.open_badge_credential(sample_data())) == []


def test_an_undefined_term_is_refused_where_it_is() -> None:
    document = ob3.open_badge_credential(sample_data())
    document["credentialSubject"]["achievement"]["colour"] = "red"
    document["favourite"] = "yes"
    problems = _problems(document)
    assert "not defined by the credential's contexts" in problems["favourite"]
    assert '"colour"' in problems["credentialSubject.achievement.colour"]
    assert len(problems) == 2


def test_an_undefined_type_is_refused() -> None:
    document = ob3.open_badge_credential(sample_data())
    document["credentialSubject"]["achievement"]["type"] = ["Achievement", "Trophy"]
    assert '"Trophy"' in _problems(document)["credentialSubject.achievement.type"]


def test_a_relative_iri_is_refused_where_it_is() -> None:
    document = ob3.open_badge_credential(sample_data())
    document["credentialSubject"]["achievement"]["image"]["id"] = "images/teamwork.png"
    problems = _problems(document)
    assert problems == {
        "credentialSubject.achievement.image.id": (
            '"images/teamwork.png" is a relative IRI; verifiers need an absolute URL'
        )
    }


@pytest.mark.parametrize(
    "iri", ["https://exa mple.com/x.png", "https://example.com/<x>", "http://[::1", "a b.png"]
)
def test_a_malformed_iri_is_refused_not_dropped(iri: str) -> None:
    # pyoxigraph drops a node whose id is not a valid IRI, without a word.
    document = ob3.open_badge_credential(sample_data())
    document["credentialSubject"]["achievement"]["image"]["id"] = iri
    assert _problems(document) == {
        "credentialSubject.achievement.image.id": f'"{iri}" is not a valid IRI'
    }


def test_keys_and_types_that_cannot_be_iris_are_refused() -> None:
    document = ob3.open_badge_credential(sample_data())
    document["credentialSubject"]["achievement"]["type"] = ["Achievement", "Gold Star"]
    document["credentialSubject"]["achievement"]["skill level"] = "high"
    problems = _problems(document)
    assert problems["credentialSubject.achievement.type[1]"] == '"Gold Star" is not a valid IRI'
    assert "cannot be a term" in problems["credentialSubject.achievement.skill level"]


def test_a_presentation_term_that_clears_the_context_is_refused() -> None:
    document = ob3.open_badge_credential(sample_data())
    document["verifiableCredential"] = [{"id": "urn:x", "anything": "goes"}]
    messages = [p.message for p in safe_mode_problems(document) if p.path == "verifiableCredential"]
    assert any("belongs in a presentation" in message for message in messages)


def test_a_null_value_is_refused() -> None:
    document = ob3.open_badge_credential(sample_data())
    document["credentialSubject"]["achievement"]["description"] = None
    assert "null" in _problems(document)["credentialSubject.achievement.description"]


@pytest.mark.parametrize("empty", ["", []])
def test_an_empty_type_is_refused(empty: Any) -> None:
    document = ob3.open_badge_credential(sample_data())
    document["issuer"]["type"] = empty
    assert "an empty type" in _problems(document)["issuer.type"]


@pytest.mark.parametrize("character", ["\t", "\r", "\x00", "\x1b", "\x7f"])
def test_control_characters_are_refused(character: str) -> None:
    document = ob3.open_badge_credential(sample_data())
    document["credentialSubject"]["achievement"]["name"] = f"Team{character}work"
    message = _problems(document)["credentialSubject.achievement.name"]
    assert f"U+{ord(character):04X}" in message


def test_fractions_and_huge_integers_are_refused() -> None:
    document = ob3.open_badge_credential(sample_data())
    document["credentialSubject"]["creditsEarned"] = 1.5
    document["credentialSubject"]["achievement"]["creditsAvailable"] = 2**60
    problems = _problems(document)
    assert "1.5" in problems["credentialSubject.creditsEarned"]
    assert "only integers up to 2^53" in problems["credentialSubject.achievement.creditsAvailable"]


def test_unpinned_and_inline_contexts_are_refused() -> None:
    document = ob3.open_badge_credential(sample_data())
    document["@context"] = [*document["@context"], "https://example.com/ctx.json", {"a": "b"}]
    problems = _problems(document)
    assert "not one of the pinned contexts" in problems["@context[2]"]
    assert "inline context" in problems["@context[3]"]


def test_signing_refuses_an_unsafe_document_listing_every_problem() -> None:
    document = ob3.open_badge_credential(sample_data())
    document["credentialSubject"]["achievement"]["image"]["id"] = "x.png"
    document["issuer"]["name"] = "Acme\tInc"
    with pytest.raises(UnsafeDocument) as refused:
        data_integrity.sign(document, KEY, "did:web:x#k", "2026-01-01T00:00:00Z")
    paths = [problem.path for problem in refused.value.problems]
    assert paths == ["issuer.name", "credentialSubject.achievement.image.id"]


def test_the_checking_parse_gives_the_quads_of_a_plain_parse() -> None:
    # The sentinel @vocab and base change nothing in a document with no problem.
    import pyoxigraph

    document = ob3.open_badge_credential(sample_data())
    embedded = [ob3_contexts.context_document(url)["@context"] for url in document["@context"]]
    plain = {**document, "@context": embedded}
    quads = pyoxigraph.parse(json.dumps(plain), format=pyoxigraph.RdfFormat.JSON_LD)
    dataset = pyoxigraph.Dataset(quads)
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    text = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS)
    assert text is not None
    assert "".join(sorted(text.decode().splitlines(keepends=True))) == canonical_nquads(document)


# did:web


@pytest.mark.parametrize(
    ("base_url", "path", "did", "document_url"),
    [
        (
            "https://owner.github.io/repo/",
            "issuers/acme",
            "did:web:owner.github.io:repo:issuers:acme",
            "https://owner.github.io/repo/issuers/acme/did.json",
        ),
        (
            "https://Badges.Example.com",
            "",
            "did:web:badges.example.com",
            "https://badges.example.com/.well-known/did.json",
        ),
        (
            "https://example.com:8443/a",
            "/issuers/b/",
            "did:web:example.com%3A8443:a:issuers:b",
            "https://example.com:8443/a/issuers/b/did.json",
        ),
    ],
)
def test_did_web_of_a_base_url_and_where_it_resolves(
    base_url: str, path: str, did: str, document_url: str
) -> None:
    assert did_web.did_web(base_url, path) == did
    assert did_web.did_document_url(did) == document_url
    assert did_web.did_document_path(did) == "/" + document_url.split("/", 3)[3]


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("http://example.com", "https"),
        ("https://127.0.0.1/site", "IP address"),
        ("https://[::1]/", "IP address"),
        ("https://example.com/a/../b", "'..'"),
        ("https://user@example.com/", "credentials"),
    ],
)
def test_did_web_refuses_what_cannot_be_resolved(base_url: str, message: str) -> None:
    with pytest.raises(did_web.DidProblem, match=message):
        did_web.did_web(base_url)


def test_the_did_document_keeps_every_key_as_absolute_did_urls() -> None:
    did = did_web.did_web(BASE, "issuers/acme")
    old, new = KEY.public_key_multibase, generate_signing_key().public_key_multibase
    document = did_web.did_document(did, [old, new, old], [f"{BASE}/issuers/acme.json"])
    assert document["@context"] == [ob3_contexts.DID_V1, ob3_contexts.MULTIKEY_V1]
    assert document["id"] == did
    assert document["alsoKnownAs"] == [f"{BASE}/issuers/acme.json"]
    assert document["assertionMethod"] == [f"{did}#{old}", f"{did}#{new}"]
    assert [method["controller"] for method in document["verificationMethod"]] == [did, did]
    assert {method["type"] for method in document["verificationMethod"]} == {"Multikey"}
    assert [method["publicKeyMultibase"] for method in document["verificationMethod"]] == [
        old,
        new,
    ]
    with pytest.raises(KeyProblem):
        did_web.did_document(did, ["z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"])
    with pytest.raises(did_web.DidProblem):
        did_web.did_document(did, [])


# The credential and the status list


def test_the_credential_has_every_field_of_the_standard() -> None:
    document = ob3.open_badge_credential(sample_data())
    assert document["@context"] == [ob3_contexts.CREDENTIALS_V2, ob3_contexts.OPEN_BADGES_V3]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert "issuanceDate" not in document
    subject = document["credentialSubject"]
    (identity,) = subject["identifier"]
    assert identity["identityType"] == "emailAddress"
    assert identity["identityHash"] == (
        "sha256$" + hashlib.sha256(b"ada@example.comc0ffee").hexdigest()
    )
    assert "id" not in subject and "ada@example.com" not in json.dumps(document)
    achievement = subject["achievement"]
    assert achievement["criteria"]["narrative"] == "Lead a project.\nShip it."
    assert achievement["image"] == {"id": f"{BASE}/badges/teamwork.png", "type": "Image"}
    assert achievement["tag"] == ["collaboration", "leadership"]
    assert achievement["achievementType"] == "Badge"
    assert achievement["alignment"][0]["targetCode"] == "T1"
    assert document["issuer"]["otherIdentifier"][0]["identifier"] == f"{BASE}/issuers/acme.json"
    assert document["validUntil"] == "2030-01-01T00:00:00Z"
    assert document["evidence"][0]["narrative"] == "Notes"
    assert document["credentialStatus"] == {
        "id": f"{BASE}/issuers/acme/status/revocation.json#3",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "3",
        "statusListCredential": f"{BASE}/issuers/acme/status/revocation.json",
    }


def test_an_achievement_without_criteria_is_refused() -> None:
    data = sample_data()
    bare = ob3.Achievement(id=f"{BASE}/badges/x/", name="X", description="X")
    with pytest.raises(ValueError, match="needs criteria"):
        ob3.open_badge_credential(sample_data(achievement=bare))
    assert data.achievement.criteria_url


def test_signed_credentials_are_byte_identical_across_runs() -> None:
    script = (
        "import sys; sys.path.insert(0, 'tests');"
        "from test_ob3_standard import sample_data, KEY;"
        "from badgesite.openbadges import data_integrity, ob3;"
        "doc = data_integrity.sign(ob3.open_badge_credential(sample_data()), KEY,"
        " 'did:web:owner.github.io:repo:issuers:acme#' + KEY.public_key_multibase,"
        " '2026-01-02T03:04:05Z');"
        "sys.stdout.buffer.write(ob3.credential_bytes(doc))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            check=True,
            cwd=Path(__file__).parent.parent,
        ).stdout
        for _ in range(2)
    }
    assert len(runs) == 1
    (text,) = runs
    assert json.loads(text)["proof"]["proofValue"].startswith("z")


def test_the_status_list_sets_the_most_significant_bit_first() -> None:
    encoded = status_list.encode_bitstring({0, 9, 131_071})
    assert encoded.startswith("u")
    body = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert len(bits) * 8 == 131_072
    assert bits[0] == 0b1000_0000 and bits[1] == 0b0100_0000 and bits[-1] == 0b0000_0001
    assert status_list.decode_bitstring(encoded) == {0, 9, 131_071}
    assert encoded == status_list.encode_bitstring([131_071, 9, 0])  # deterministic
    assert "=" not in encoded


def test_the_status_list_keeps_the_minimum_size_and_grows_in_steps() -> None:
    assert status_list.list_size(0) == 131_072
    assert status_list.list_size(131_071) == 131_072
    assert status_list.list_size(131_072) == 262_144
    with pytest.raises(ValueError, match="at least 131072"):
        status_list.encode_bitstring({1}, size=1024)
    with pytest.raises(ValueError, match="outside"):
        status_list.encode_bitstring({131_072})


def test_the_status_list_credential_passes_the_safe_mode_check() -> None:
    document = status_list.status_list_credential(
        f"{BASE}/issuers/acme/status/revocation.json",
        did_web.did_web(BASE, "issuers/acme"),
        "2026-01-01T00:00:00Z",
        status_list.encode_bitstring(set()),
    )
    assert safe_mode_problems(document) == []
    assert document["credentialSubject"]["type"] == "BitstringStatusList"


def test_the_standard_room_imports_only_openbadges_and_primitives() -> None:
    import ast

    folder = Path(ob3_contexts.__file__).parent
    modules = ["ob3_contexts", "multikey", "rdf_canon", "data_integrity", "did_web", "ob3"]
    modules += ["status_list", "signing_keys"]
    for name in modules:
        tree = ast.parse((folder / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("badgesite"):
                assert node.module.startswith(("badgesite.openbadges", "badgesite.primitives")), (
                    f"{name}: {node.module}"
                )
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("badgesite"), f"{name}: {alias.name}"


# Where the signing key lives


def test_the_variable_wins_over_the_key_file(tmp_path: Path) -> None:
    from badgesite.openbadges.signing_keys import read_signing_key, write_key_file

    key_file = tmp_path / "keys" / "signing.key"
    file_key = generate_signing_key()
    write_key_file(key_file, file_key)
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert read_signing_key({}, key_file) == file_key
    variable = {"BADGESITE_SIGNING_KEY": format_signing_key(KEY) + "\n"}
    assert read_signing_key(variable, key_file) == KEY
    assert read_signing_key({"BADGESITE_SIGNING_KEY": " "}, key_file) == file_key
    assert read_signing_key({}, tmp_path / "missing.key") is None


def test_key_files_are_never_overwritten_and_must_be_private(tmp_path: Path) -> None:
    from badgesite.openbadges.signing_keys import read_signing_key, write_key_file

    key_file = tmp_path / "signing.key"
    write_key_file(key_file, KEY)
    with pytest.raises(KeyProblem, match="never overwritten"):
        write_key_file(key_file, generate_signing_key())
    assert read_signing_key({}, key_file) == KEY
    key_file.chmod(0o644)
    with pytest.raises(KeyProblem, match="chmod 600"):
        read_signing_key({}, key_file)


def test_a_bad_key_names_where_it_came_from_and_not_its_value(tmp_path: Path) -> None:
    from badgesite.openbadges.signing_keys import read_signing_key

    secret = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8Xnope"
    with pytest.raises(KeyProblem, match=r"^BADGESITE_SIGNING_KEY: ") as refused:
        read_signing_key({"BADGESITE_SIGNING_KEY": secret}, tmp_path / "none")
    assert secret not in str(refused.value)
    key_file = tmp_path / "signing.key"
    key_file.write_text(secret)
    key_file.chmod(0o600)
    with pytest.raises(KeyProblem, match=r"signing\.key: not an Ed25519 signing key"):
        read_signing_key({}, key_file)


def test_a_leaked_signing_key_is_found_in_text() -> None:
    from badgesite.openbadges.multikey import contains_signing_key

    secret = format_signing_key(generate_signing_key())
    assert contains_signing_key(f"signing_key: {secret}\n")
    assert contains_signing_key(f'{{"k":"{secret}"}}')
    assert not contains_signing_key(KEY.public_key_multibase)
    assert not contains_signing_key(secret[:-1])
    assert not contains_signing_key(f"x{secret}")  # part of a longer base58 word
    assert contains_signing_key(f"{secret}Qx")  # in a binary file a letter may follow it


@pytest.mark.parametrize(
    ("created", "method"),
    [
        ("2026-01-02T03:04:05Z", "did:web:example.org:issuers:acme#z6MkhivfA4F7rDUrx3Wp"),
        ("2024-04-10T18:30:00+02:00", "did:web:example.org%3A8443:a:b#key-1"),
        ("2024-04-10T18:30:00.250Z", "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"),
        ("not a date", "did:web:example.org#key"),  # the full way
        ("2026-01-02T03:04:05Z", 'did:web:example.org#a"b'),  # the full way
    ],
)
def test_proof_options_filled_in_canonicalize_as_the_full_way(created: str, method: str) -> None:
    from badgesite.openbadges.rdf_canon import canonical_nquads

    configuration = {
        **data_integrity.proof_options(method, created, "assertionMethod"),
        "@context": [ob3_contexts.CREDENTIALS_V2, ob3_contexts.OPEN_BADGES_V3],
    }
    try:
        full = canonical_nquads(configuration)
    except Exception as error:  # an IRI the canonicalizer refuses: refused either way
        with pytest.raises(type(error)):
            data_integrity.canonical_options(configuration)
        return
    assert data_integrity.canonical_options(configuration) == full
