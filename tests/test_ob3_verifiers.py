"""Credentials signed by badgesite's Open Badges 3.0 library, checked by independent verifiers.

Digital Bazaar's stack (node) and openbadgeslib (its own venv) verify offline, resolving the
did:web document and the status list from a site folder; see tests/ob3_verifiers.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from badgesite.openbadges import data_integrity, did_web, ob3, status_list
from badgesite.openbadges.multikey import SigningKey, generate_signing_key
from ob3_verifiers import run_digital_bazaar, run_openbadgeslib
from test_ob3_standard import BASE, KEY, sample_data

CREATED = "2026-01-02T03:04:05Z"
DID = did_web.did_web(BASE, "issuers/acme")
LIST_URL = f"{BASE}/issuers/acme/status/revocation.json"
REVOKED_INDEX = 3
OLD_KEY = SigningKey(bytes(range(32)))


def _write(root: Path, url: str, document: dict[str, Any]) -> Path:
    path = root / url.removeprefix(f"{BASE}/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ob3.credential_bytes(document))
    return path


def _signed_unchecked(document: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    """`document` signed the way a signer with no safe-mode check would: what the check saves."""
    import hashlib

    import pyoxigraph

    from badgesite.openbadges import ob3_contexts
    from badgesite.openbadges.multikey import multibase_base58btc

    def canonical(value: dict[str, Any]) -> bytes:
        urls = value["@context"]
        embedded = [ob3_contexts.context_document(url)["@context"] for url in urls]
        text = json.dumps({**value, "@context": embedded})
        dataset = pyoxigraph.Dataset(pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.JSON_LD))
        dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
        nquads = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS) or b""
        return b"".join(sorted(nquads.splitlines(keepends=True)))

    method = did_web.verification_method_id(DID, key.public_key_multibase)
    options = data_integrity.proof_options(method, CREATED, "assertionMethod")
    data = hashlib.sha256(canonical({**options, "@context": document["@context"]})).digest()
    data += hashlib.sha256(canonical(document)).digest()
    return {**document, "proof": {**options, "proofValue": multibase_base58btc(key.sign(data))}}


def _signed(key: SigningKey, **changes: Any) -> dict[str, Any]:
    document = ob3.open_badge_credential(sample_data(**changes))
    method = did_web.verification_method_id(DID, key.public_key_multibase)
    return data_integrity.sign(document, key, method, CREATED)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A published issuer: DID document (old and current key), status list, credentials."""
    root = tmp_path_factory.mktemp("ob3-site")
    did_document = did_web.did_document(
        DID, [OLD_KEY.public_key_multibase, KEY.public_key_multibase], [f"{BASE}/issuers/acme.json"]
    )
    _write(root, did_web.did_document_url(DID), did_document)
    encoded = status_list.encode_bitstring({REVOKED_INDEX})
    unsigned_list = status_list.status_list_credential(LIST_URL, DID, CREATED, encoded)
    method = did_web.verification_method_id(DID, KEY.public_key_multibase)
    _write(root, LIST_URL, data_integrity.sign(unsigned_list, KEY, method, CREATED))

    def status(index: int) -> ob3.StatusEntry:
        return ob3.StatusEntry(LIST_URL, index)

    good = _signed(KEY, status=status(4))
    tampered = json.loads(json.dumps(good))
    tampered["credentialSubject"]["achievement"]["name"] = "Leadership"
    credentials = {
        "good": good,
        "tampered": tampered,
        "revoked": _signed(KEY, id=f"{BASE}/awards/a2/credential.json", status=status(3)),
        "old-key": _signed(OLD_KEY, id=f"{BASE}/awards/a3/credential.json", status=status(5)),
        "unknown-key": _signed(
            generate_signing_key(), id=f"{BASE}/awards/a4/credential.json", status=status(6)
        ),
    }
    undefined_term = ob3.open_badge_credential(sample_data(id=f"{BASE}/awards/a5/credential.json"))
    undefined_term["credentialSubject"]["achievement"]["colour"] = "red"
    relative_iri = ob3.open_badge_credential(sample_data(id=f"{BASE}/awards/a6/credential.json"))
    relative_iri["credentialSubject"]["achievement"]["image"]["id"] = "images/teamwork.png"
    escape = ob3.open_badge_credential(sample_data(id=f"{BASE}/awards/a7/credential.json"))
    escape["credentialSubject"]["achievement"]["name"] = "Team\x1bwork"
    credentials["control-character"] = _signed_unchecked(escape, KEY)
    credentials["undefined-term"] = _signed_unchecked(undefined_term, KEY)
    credentials["relative-iri"] = _signed_unchecked(relative_iri, KEY)
    files = {
        name: _write(root, f"{BASE}/awards/{name}/credential.json", document)
        for name, document in credentials.items()
    }
    sites = {f"{BASE}/": root}
    names = list(files)
    paths = [files[name] for name in names]
    method_ids = [did_web.verification_method_id(DID, KEY.public_key_multibase)]
    bazaar = run_digital_bazaar(root, sites, paths, [DID, *method_ids])
    library = run_openbadgeslib(root, sites, paths)
    return {
        "bazaar": dict(zip(names, bazaar["credentials"], strict=True)),
        "resolved": bazaar["resolved"],
        "openbadgeslib": dict(zip(names, library["credentials"], strict=True)),
        "did_document": did_document,
    }


def test_a_signed_credential_verifies_in_both(site: dict[str, Any]) -> None:
    bazaar = site["bazaar"]["good"]
    assert bazaar["verified"], bazaar["errors"]
    assert bazaar["statusVerified"] and bazaar["status"] == [False]
    library = site["openbadgeslib"]["good"]
    assert library["verified"], library["errors"]


def test_a_tampered_credential_fails_in_both(site: dict[str, Any]) -> None:
    bazaar = site["bazaar"]["tampered"]
    assert not bazaar["verified"]
    assert "Invalid signature." in bazaar["errors"]
    library = site["openbadgeslib"]["tampered"]
    assert not library["proof_verified"] and not library["verified"]
    assert "signature mismatch" in library["errors"][0]


def test_a_revoked_index_is_reported_revoked_by_both(site: dict[str, Any]) -> None:
    # Digital Bazaar's checkStatus verifies the list and reports the bit in results[].status.
    bazaar = site["bazaar"]["revoked"]
    assert bazaar["statusVerified"] and bazaar["status"] == [True]
    library = site["openbadgeslib"]["revoked"]
    assert library["proof_verified"] and not library["verified"] and library["revoked"]
    assert f"index {REVOKED_INDEX}" in library["errors"][0]


def test_a_credential_signed_with_an_earlier_key_still_verifies(site: dict[str, Any]) -> None:
    assert site["bazaar"]["old-key"]["verified"], site["bazaar"]["old-key"]["errors"]
    assert site["openbadgeslib"]["old-key"]["verified"], site["openbadgeslib"]["old-key"]
    assert not site["bazaar"]["unknown-key"]["verified"]
    assert not site["openbadgeslib"]["unknown-key"]["verified"]


def test_the_did_document_resolves_through_the_offline_loader(site: dict[str, Any]) -> None:
    document, method = site["resolved"]
    assert document["document"] == site["did_document"]
    assert method["document"]["controller"] == DID
    assert method["document"]["publicKeyMultibase"] == KEY.public_key_multibase


@pytest.mark.parametrize("name", ["undefined-term", "relative-iri"])
def test_what_the_safe_mode_check_refuses_fails_in_both_when_signed_unchecked(
    site: dict[str, Any], name: str
) -> None:
    # The check (test_ob3_standard) refuses these before signing; signed without it, the
    # proof is mathematically fine and both verifiers still reject the credential.
    bazaar = site["bazaar"][name]
    assert not bazaar["verified"]
    assert any("Safe mode validation error" in error for error in bazaar["errors"]), bazaar
    library = site["openbadgeslib"][name]
    assert not library["verified"] and not library["proof_verified"]
    assert "not in compacted form" in library["errors"][0]


def test_a_control_character_signed_unchecked_fails_where_canonicalizers_disagree(
    site: dict[str, Any],
) -> None:
    # pyoxigraph and rdf-canonize escape U+001B; PyLD (inside openbadgeslib) writes it raw, so
    # the same credential verifies in one and not the other: why the check refuses C0 controls.
    assert site["bazaar"]["control-character"]["verified"]
    library = site["openbadgeslib"]["control-character"]
    assert not library["proof_verified"]
    assert "signature mismatch" in library["errors"][0]


def test_a_multi_line_narrative_verifies_in_both(site: dict[str, Any]) -> None:
    # Line feeds are the one control character allowed: every canonicalizer escapes them alike.
    path = Path(site["bazaar"]["good"]["file"])
    narrative = json.loads(path.read_text())["credentialSubject"]["achievement"]["criteria"]
    assert "\n" in narrative["narrative"]
    assert site["bazaar"]["good"]["verified"] and site["openbadgeslib"]["good"]["verified"]
