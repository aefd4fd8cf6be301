"""Open Badges 3.0 in `badgesite verify`: proofs (eddsa-rdfc-2022, Ed25519Signature2020,
VC-JWT), issuer keys through did:web and did:key, dates, status lists and the recipient.

Everything is served over HTTPS from 127.0.0.1 under the real host names (the golden site's
badges.harbour-lab.example, an independent issuer at issuer.test), with certificates from a
test certificate authority (trustme) that only these tests' Fetcher trusts. Credentials come
from badgesite's own golden build, from Digital Bazaar's signer (tests/ob3-verifier/sign.mjs),
and from the tests themselves (VC-JWTs signed with `cryptography`).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import functools
import hashlib
import json
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme
from click.testing import CliRunner
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from badgesite.build import build, load_site
from badgesite.cli import main
from badgesite.openbadges import data_integrity, fetch, ob3, status_list
from badgesite.openbadges.fetch import Fetcher, FetchProblem
from badgesite.openbadges.multikey import SigningKey
from badgesite.openbadges.ob3_contexts import OPEN_BADGES_V3_EXTENSIONS
from badgesite.openbadges.recipient_check import NOT_ISSUED_TO_THEM
from badgesite.openbadges.verification_report import VerificationReport, format_report
from badgesite.openbadges.verify_ob3 import verify_ob3_source
from helpers import FIXED_NOW, GOLDEN_SIGNING_KEY, GOLDEN_SITE
from loopback import serve_https_sites
from ob3_verifiers import run_digital_bazaar_signer
from test_ob3_standard import sample_data

GOLDEN_BASE = "https://badges.harbour-lab.example/pages/"
ISSUER = "https://issuer.test/"
ISSUER_DID = "did:web:issuer.test"  # the bare-host form: /.well-known/did.json
OTHER_DID = "did:web:issuer.test:other"  # the path form: /other/did.json
GONE_DID = "did:web:gone.test"  # a host that does not resolve
HOSTS = ("badges.harbour-lab.example", "issuer.test")
LIST_URL = f"{ISSUER}status/revocation.json"
REVOKED_INDEX = 7
CREATED = "2026-01-02T03:04:05Z"
REVOKED_GOLDEN = (
    "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d08",
    "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c04",
)

OURS = SigningKey(hashlib.sha256(b"issuer.test key").digest())
NOT_ASSERTING = SigningKey(hashlib.sha256(b"issuer.test key not for assertions").digest())
REMOVED = SigningKey(hashlib.sha256(b"issuer.test key since removed").digest())
OTHERS = SigningKey(hashlib.sha256(b"issuer.test:other key").digest())
NODE_SEED = hashlib.sha256(b"digital bazaar signer key").hexdigest()
NODE = SigningKey(bytes.fromhex(NODE_SEED))
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ED_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"jwt ed25519 key").digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _number(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def _method(did: str, key: SigningKey) -> str:
    return f"{did}#{key.public_key_multibase}"


def _multikey(did: str, key: SigningKey, controller: str = "") -> dict[str, Any]:
    return {
        "id": _method(did, key),
        "type": "Multikey",
        "controller": controller or did,
        "publicKeyMultibase": key.public_key_multibase,
    }


def _jwk_methods() -> list[dict[str, Any]]:
    rsa_numbers = RSA_KEY.public_key().public_numbers()
    ec_numbers = EC_KEY.public_key().public_numbers()
    ed_raw = ED_KEY.public_key().public_bytes_raw()
    jwks = {
        "rsa": {"kty": "RSA", "n": _number(rsa_numbers.n), "e": _number(rsa_numbers.e)},
        "ec": {
            "kty": "EC",
            "crv": "P-256",
            "x": _b64(ec_numbers.x.to_bytes(32, "big")),
            "y": _b64(ec_numbers.y.to_bytes(32, "big")),
        },
        "ed": {"kty": "OKP", "crv": "Ed25519", "x": _b64(ed_raw)},
    }
    return [
        {
            "id": f"{ISSUER_DID}#{name}",
            "type": "JsonWebKey",
            "controller": ISSUER_DID,
            "publicKeyJwk": jwk,
        }
        for name, jwk in jwks.items()
    ]


def _write(folder: Path, relative: str, document: Any) -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    text = document if isinstance(document, str) else json.dumps(document, indent=2)
    path.write_text(text, encoding="utf-8")
    return path


def _ours(
    key: SigningKey = OURS, did: str = ISSUER_DID, method_did: str = "", **changes: Any
) -> dict[str, Any]:
    """A credential badgesite's library signs, issued by `did` at issuer.test."""
    data = sample_data(
        id=f"{ISSUER}credentials/{changes.pop('name', 'a')}.json",
        status=changes.pop("status", ob3.StatusEntry(LIST_URL, 8)),
        **changes,
    )
    document = ob3.open_badge_credential(data)
    document["issuer"]["id"] = did
    return data_integrity.sign(document, key, _method(method_did or did, key), CREATED)


def _unsigned(**changes: Any) -> dict[str, Any]:
    document = ob3.open_badge_credential(sample_data(**changes))
    document["issuer"]["id"] = ISSUER_DID
    return document


def _jwt(payload: dict[str, Any], alg: str, kid: str, **header: Any) -> str:
    head = {"alg": alg, "kid": kid, "typ": "JWT", **header}
    signing_input = f"{_b64(json.dumps(head).encode())}.{_b64(json.dumps(payload).encode())}"
    data = signing_input.encode("ascii")
    if alg == "RS256":
        signature = RSA_KEY.sign(data, padding.PKCS1v15(), hashes.SHA256())
    elif alg == "ES256":
        r, s = decode_dss_signature(EC_KEY.sign(data, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    elif alg == "EdDSA":
        signature = ED_KEY.sign(data)
    else:
        signature = b""
    return f"{signing_input}.{_b64(signature)}"


@dataclass(frozen=True)
class Web:
    sites: dict[str, Path]
    issuer: Path  # the folder served as https://issuer.test/
    golden: Path  # the golden build, served as GOLDEN_BASE
    requested: list[str]
    ca: trustme.CA
    fetcher: Fetcher
    node: dict[str, dict[str, Any]]  # what Digital Bazaar signed, by name

    def check(self, source: str | Path, **options: Any) -> VerificationReport:
        fetcher = options.pop("fetcher", self.fetcher)
        report = verify_ob3_source(str(source), fetcher, now=FIXED_NOW, **options)
        assert report is not None, f"{source} was not read as an OB 3.0 credential"
        return report

    def put(self, relative: str, document: Any) -> Path:
        return _write(self.issuer, relative, document)


def _resolver(host: str, port: int) -> tuple[str, ...]:
    if host in HOSTS:
        return ("127.0.0.1",)
    raise FetchProblem(f"cannot resolve {host} (no such host)")


def _node_items(did_key: str) -> dict[str, dict[str, Any]]:
    modern = _unsigned(id=f"{ISSUER}credentials/node-eddsa.json", status=None)
    modern["credentialSubject"]["achievement"]["creditsAvailable"] = 2.5  # a double
    ed2020 = copy.deepcopy(modern)
    ed2020["id"] = f"{ISSUER}credentials/node-ed2020.json"
    ed2020["@context"].append("https://w3id.org/security/suites/ed25519-2020/v1")
    lcw = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
            "https://w3id.org/security/suites/ed25519-2020/v1",
        ],
        "id": "urn:uuid:7b0b8f0e-1a8e-4a5e-9b53-0d6e0e1f0a11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Soldering",
        "issuer": {"id": did_key, "type": "Profile", "name": "Example University"},
        "issuanceDate": "2025-09-01T00:00:00Z",
        "expirationDate": "2030-09-01T00:00:00Z",
        "credentialSubject": {
            "type": "AchievementSubject",
            "identifier": [modern["credentialSubject"]["identifier"][0]],
            "achievement": {
                "id": "https://university.example/badges/soldering",
                "type": "Achievement",
                "name": "Soldering",
                "description": "Solders through-hole parts.",
                "criteria": {"narrative": "Solder a kit."},
            },
        },
    }
    encoded = status_list.encode_bitstring({REVOKED_INDEX})
    the_list = status_list.status_list_credential(LIST_URL, ISSUER_DID, CREATED, encoded)
    items = {
        "eddsa": (modern, "eddsa-rdfc-2022", ISSUER_DID),
        "ed2020": (ed2020, "Ed25519Signature2020", ISSUER_DID),
        "lcw": (lcw, "Ed25519Signature2020", did_key),
        "status-list": (the_list, "eddsa-rdfc-2022", ISSUER_DID),
    }
    return {
        name: {
            "credential": credential,
            "suite": suite,
            "seed": NODE_SEED,
            "did": did,
            "created": CREATED,
        }
        for name, (credential, suite, did) in items.items()
    }


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    with serve_web(tmp_path_factory.mktemp("verify-ob3")) as served:
        yield served


@contextlib.contextmanager
def serve_web(
    tmp: Path,
    golden_site: Path = GOLDEN_SITE,
    frozen: bool = True,
    also_sign: dict[str, dict[str, Any]] | None = None,
) -> Iterator[Web]:
    """The web these tests verify against: `golden_site` built and served at GOLDEN_BASE,
    issuer.test with its DID documents and status list, what Digital Bazaar signed (and
    the credentials of `also_sign`, signed eddsa-rdfc-2022 by issuer.test's key)."""
    golden = tmp / "golden"
    build(
        golden_site,
        golden,
        now=FIXED_NOW,
        frozen=frozen,
        cache_dir=tmp / "cache",
        signing_key=GOLDEN_SIGNING_KEY,
    )
    issuer = tmp / "issuer"
    did_key = f"did:key:{NODE.public_key_multibase}"
    items = _node_items(did_key)
    for name, credential in (also_sign or {}).items():
        items[name] = {**items["eddsa"], "credential": credential}
    names = list(items)
    signed = run_digital_bazaar_signer(tmp, list(items.values()))
    node = dict(zip(names, signed, strict=True))
    for name, item in node.items():
        assert "signed" in item, (name, item.get("error"))
    _write(
        issuer,
        ".well-known/did.json",
        {
            "@context": [
                "https://www.w3.org/ns/did/v1",
                "https://w3id.org/security/multikey/v1",
                "https://w3id.org/security/jwk/v1",
            ],
            "id": ISSUER_DID,
            "verificationMethod": [
                _multikey(ISSUER_DID, OURS),
                _multikey(ISSUER_DID, NODE),
                _multikey(ISSUER_DID, NOT_ASSERTING),
                *_jwk_methods(),
            ],
            "assertionMethod": [
                _method(ISSUER_DID, OURS),
                f"#{NODE.public_key_multibase}",  # relative works too
                f"{ISSUER_DID}#rsa",
                f"{ISSUER_DID}#ec",
                f"{ISSUER_DID}#ed",
            ],
        },
    )
    _write(
        issuer,
        "other/did.json",
        {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": OTHER_DID,
            "verificationMethod": [_multikey(OTHER_DID, OTHERS)],
            "assertionMethod": [_method(OTHER_DID, OTHERS)],
        },
    )
    _write(issuer, "status/revocation.json", node["status-list"]["signed"])
    sites = {GOLDEN_BASE: golden, ISSUER: issuer}
    ca = trustme.CA()
    server_cert = ca.issue_cert(*HOSTS)
    certificate, key = tmp / "server.pem", tmp / "server.key"
    certificate.write_bytes(b"".join(blob.bytes() for blob in server_cert.cert_chain_pems))
    key.write_bytes(server_cert.private_key_pem.bytes())
    context = ssl.create_default_context()
    ca.configure_trust(context)
    requested: list[str] = []
    fetcher = Fetcher(allow_private_hosts=True, resolve=_resolver, ssl_context=context)
    with (
        serve_https_sites(sites, certificate, key, requested) as port,
        pytest.MonkeyPatch.context() as patch,
    ):
        connect = fetch._connect_first

        def to_test_port(addresses: Any, target: Any, *args: Any) -> Any:
            # https://host/ is port 443; the server listens where the system let it.
            host, wanted = target
            return connect(addresses, (host, port if wanted == 443 else wanted), *args)

        patch.setattr(fetch, "_connect_first", to_test_port)
        yield Web(sites, issuer, golden, requested, ca, fetcher, node)


def _errors(report: VerificationReport) -> dict[str, str]:
    return {finding.check: finding.message for finding in report.errors}


# The credentials badgesite publishes


def _golden_expectations() -> dict[str, str]:
    site = load_site(GOLDEN_SITE)
    expected = {}
    for award in site.published_awards:
        if award.is_draft:
            continue
        if award.id in REVOKED_GOLDEN:
            expected[award.id] = "revoked"
        elif award.expires is not None and award.expires < FIXED_NOW:
            expected[award.id] = "expired"
        else:
            expected[award.id] = "valid"
    return expected


def test_every_credential_the_golden_site_publishes_verifies_by_url(web: Web) -> None:
    expected = _golden_expectations()
    assert set(expected.values()) == {"valid", "revoked", "expired"}
    for award_id, status in expected.items():
        url = f"{GOLDEN_BASE}assertions/{award_id}/credential.json"
        report = web.check(url)
        assert report.status == status, (award_id, report.findings)
        details = dict(report.details)
        assert details["proof"] == "eddsa-rdfc-2022"
        assert details["didDocument"] == f"{GOLDEN_BASE}issuers/harbour-lab/did.json"
        assert details["fetchedFrom"] == url
        assert report.version == "3.0" and report.assertion.badge.name


def test_a_revoked_golden_award_says_so_and_which_bit(web: Web) -> None:
    report = web.check(f"{GOLDEN_BASE}assertions/{REVOKED_GOLDEN[0]}/credential.json")
    assert report.status == "revoked"
    assert "revoked by its issuer" in _errors(report)["revocation"]
    assert report.assertion.revoked


def test_baked_png_and_svg_of_the_golden_build_verify(web: Web) -> None:
    expected = _golden_expectations()
    baked = {
        path.suffix: path
        for path in sorted(web.golden.glob("assertions/*.*"))
        if path.suffix in (".png", ".svg") and expected.get(path.stem) == "valid"
    }
    assert set(baked) == {".png", ".svg"}
    for suffix, path in baked.items():
        report = web.check(path)
        assert report.valid, (path, report.findings)
        assert dict(report.details)["format"] == f"baked {suffix[1:].upper()}"
    # ... by URL too.
    url = f"{GOLDEN_BASE}assertions/{baked['.png'].name}"
    assert web.check(url).valid


def test_a_tampered_golden_credential_fails(web: Web, tmp_path: Path) -> None:
    path = next(web.golden.glob("assertions/*/credential.json"))
    document = json.loads(path.read_text())
    document["credentialSubject"]["achievement"]["name"] = "Something else"
    copy_path = _write(tmp_path, "tampered.json", document)
    report = web.check(copy_path)
    assert report.status == "invalid"
    assert "changed after signing" in _errors(report)["proof"]


# Credentials signed by an independent signer (Digital Bazaar)


@pytest.mark.parametrize("name", ["eddsa", "ed2020", "lcw"])
def test_credentials_digital_bazaar_signs_verify(web: Web, tmp_path: Path, name: str) -> None:
    signed = web.node[name]["signed"]
    report = web.check(_write(tmp_path, f"{name}.json", signed))
    assert report.valid, report.findings
    details = dict(report.details)
    assert details["verificationMethod"] == web.node[name]["verificationMethod"]
    expected_suite = "eddsa-rdfc-2022" if name == "eddsa" else "Ed25519Signature2020"
    assert details["proof"] == expected_suite
    # Changed after signing, each fails.
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["description"] = "Changed."
    report = web.check(_write(tmp_path, f"{name}-tampered.json", tampered))
    assert "changed after signing" in _errors(report)["proof"]


def test_a_did_key_credential_needs_no_network(web: Web, tmp_path: Path) -> None:
    path = _write(tmp_path, "lcw.json", web.node["lcw"]["signed"])
    before = len(web.requested)
    report = web.check(path, fetcher=Fetcher(resolve=_resolver))  # no CA, no private hosts
    assert report.valid, report.findings
    assert len(web.requested) == before
    assert dict(report.details)["verificationMethod"].startswith("did:key:z6Mk")


def test_the_status_list_digital_bazaar_signed_is_verified_and_read(web: Web) -> None:
    web.put(
        "credentials/revoked.json",
        _ours(name="revoked", status=ob3.StatusEntry(LIST_URL, REVOKED_INDEX)),
    )
    web.put("credentials/current.json", _ours(name="current"))
    revoked = web.check(f"{ISSUER}credentials/revoked.json")
    assert revoked.status == "revoked", revoked.findings
    assert f"bit {REVOKED_INDEX}" in _errors(revoked)["revocation"]
    current = web.check(f"{ISSUER}credentials/current.json")
    assert current.valid, current.findings
    assert dict(current.details)["status"] == f"revocation bit 8 of {LIST_URL}: 0"


def test_a_tampered_or_foreign_status_list_is_an_error(web: Web) -> None:
    the_list = copy.deepcopy(web.node["status-list"]["signed"])
    the_list["credentialSubject"]["encodedList"] = status_list.encode_bitstring(set())
    web.put("status/tampered.json", the_list)
    web.put(
        "credentials/tampered-list.json",
        _ours(name="tampered-list", status=ob3.StatusEntry(f"{ISSUER}status/tampered.json", 7)),
    )
    report = web.check(f"{ISSUER}credentials/tampered-list.json")
    assert "does not verify" in _errors(report)["status"]
    assert "changed after signing" in _errors(report)["status"]
    # A list another issuer signed cannot revoke (or clear) this one's credentials.
    unsigned = status_list.status_list_credential(
        f"{ISSUER}status/other.json", OTHER_DID, CREATED, status_list.encode_bitstring(set())
    )
    web.put(
        "status/other.json",
        data_integrity.sign(unsigned, OTHERS, _method(OTHER_DID, OTHERS), CREATED),
    )
    web.put(
        "credentials/other-list.json",
        _ours(name="other-list", status=ob3.StatusEntry(f"{ISSUER}status/other.json", 1)),
    )
    report = web.check(f"{ISSUER}credentials/other-list.json")
    assert "not by the credential's issuer" in _errors(report)["status"]


def test_an_unreachable_status_list_is_a_warning(web: Web) -> None:
    web.put(
        "credentials/no-list.json",
        _ours(name="no-list", status=ob3.StatusEntry(f"{ISSUER}status/missing.json", 1)),
    )
    report = web.check(f"{ISSUER}credentials/no-list.json")
    assert report.valid
    assert any("cannot check the status list" in w.message for w in report.warnings)


def test_a_1edtech_revocation_list_revokes_with_its_reason(web: Web) -> None:
    def listed(name: str) -> dict[str, Any]:
        document = _unsigned(id=f"{ISSUER}credentials/{name}.json", status=None)
        document["@context"].append(OPEN_BADGES_V3_EXTENSIONS)
        document["credentialStatus"] = {
            "id": f"{ISSUER}revocations.json",
            "type": "1EdTechRevocationList",
        }
        return data_integrity.sign(document, OURS, _method(ISSUER_DID, OURS), CREATED)

    web.put(
        "revocations.json",
        {
            "id": f"{ISSUER}revocations.json",
            "issuer": ISSUER_DID,
            "revokedCredential": [
                {
                    "id": f"{ISSUER}credentials/rl-revoked.json",
                    "revocationReason": "Issued in error",
                }
            ],
        },
    )
    web.put("credentials/rl-revoked.json", listed("rl-revoked"))
    web.put("credentials/rl-current.json", listed("rl-current"))
    revoked = web.check(f"{ISSUER}credentials/rl-revoked.json")
    assert revoked.status == "revoked"
    assert _errors(revoked)["revocation"].endswith(": Issued in error")
    assert revoked.assertion.revocation_reason == "Issued in error"
    assert web.check(f"{ISSUER}credentials/rl-current.json").valid


# Keys and DIDs


def test_a_did_web_that_does_not_resolve_fails(web: Web, tmp_path: Path) -> None:
    path = _write(tmp_path, "gone.json", _ours(did=GONE_DID, status=None))
    report = web.check(path)
    assert report.status == "invalid"
    assert "cannot resolve did:web:gone.test" in _errors(report)["key"]


def test_a_key_removed_from_the_did_document_fails(web: Web, tmp_path: Path) -> None:
    path = _write(tmp_path, "removed.json", _ours(key=REMOVED, status=None))
    assert "it was removed or never published" in _errors(web.check(path))["key"]


def test_a_key_the_issuer_does_not_control_or_assert_with_fails(web: Web, tmp_path: Path) -> None:
    # Signed with another DID's key (a valid signature), claiming issuer.test as issuer.
    borrowed = _write(
        tmp_path, "borrowed.json", _ours(key=OTHERS, method_did=OTHER_DID, status=None)
    )
    assert "not by the issuer did:web:issuer.test" in _errors(web.check(borrowed))["key"]
    # The issuer's own key, but one its DID document does not list for assertions.
    listed_only = _write(tmp_path, "not-asserting.json", _ours(key=NOT_ASSERTING, status=None))
    assert "not in the issuer's assertionMethod" in _errors(web.check(listed_only))["key"]


def test_private_hosts_are_refused_unless_allowed(web: Web, tmp_path: Path) -> None:
    path = _write(tmp_path, "ours.json", _ours(status=None))
    strict = Fetcher(resolve=_resolver, ssl_context=web.fetcher.ssl_context)
    report = web.check(path, fetcher=strict)
    assert "not a public address" in _errors(report)["key"]
    assert web.check(path).valid


def test_the_test_ca_is_needed_to_reach_the_issuer(web: Web, tmp_path: Path) -> None:
    path = _write(tmp_path, "ours.json", _ours(status=None))
    untrusting = Fetcher(allow_private_hosts=True, resolve=_resolver)
    assert "CERTIFICATE_VERIFY_FAILED" in _errors(web.check(path, fetcher=untrusting))["key"]


# Dates


def test_expired_and_not_yet_valid_credentials(web: Web, tmp_path: Path) -> None:
    expired = _write(
        tmp_path, "expired.json", _ours(valid_until="2026-06-01T00:00:00Z", status=None)
    )
    report = web.check(expired)
    assert report.status == "expired"
    assert "expired on 2026-06-01T00:00:00Z" in _errors(report)["expiry"]
    early = _write(tmp_path, "early.json", _ours(valid_from="2027-01-01T00:00:00Z", status=None))
    assert "not valid until 2027-01-01T00:00:00Z" in _errors(web.check(early))["dates"]


# The recipient


def test_the_recipient_is_checked_when_an_email_is_given(web: Web, tmp_path: Path) -> None:
    path = _write(tmp_path, "ours.json", _ours(status=None))
    matched = web.check(path, email="ada@example.com")
    assert (
        matched.valid
        and dict(matched.details)["recipient"] == "issued to one of the given addresses"
    )
    # Compared exactly as given, as import and the 1EdTech validator compare it.
    near = web.check(path, email=" Ada@Example.com")
    assert not near.valid and near.recipient.result == "not matched"
    assert "'ada@example.com' would match" in _errors(near)["recipient"]
    other = web.check(path, email="bob@example.com")
    assert _errors(other)["recipient"] == NOT_ISSUED_TO_THEM
    assert other.recipient.result == "not matched" and matched.recipient.matched
    assert "recipient" not in _errors(web.check(path))


# VC-JWT


@pytest.mark.parametrize(("alg", "kid"), [("RS256", "rsa"), ("ES256", "ec"), ("EdDSA", "ed")])
def test_vc_jwts_verify_with_each_algorithm(web: Web, tmp_path: Path, alg: str, kid: str) -> None:
    credential = _unsigned(id=f"{ISSUER}credentials/jwt-{kid}.json", status=None)
    payload = {**credential, "iss": ISSUER_DID, "jti": credential["id"], "nbf": 1767323045}
    token = _jwt(payload, alg, f"{ISSUER_DID}#{kid}")
    report = web.check(_write(tmp_path, f"{kid}.jwt", token))
    assert report.valid, report.findings
    assert dict(report.details)["proof"] == f"VC-JWT {alg}"
    assert dict(report.details)["format"] == "VC-JWT"
    # Another payload under the same signature fails.
    header, _payload, signature = token.split(".")
    forged = {**payload, "name": "Something else"}
    forged_token = f"{header}.{_b64(json.dumps(forged).encode())}.{signature}"
    report = web.check(_write(tmp_path, f"{kid}-forged.jwt", forged_token))
    assert "does not match" in _errors(report)["proof"]


def test_a_vc_1_1_jwt_with_a_vc_claim_verifies(web: Web, tmp_path: Path) -> None:
    claim = copy.deepcopy(web.node["lcw"]["signed"])
    del claim["proof"], claim["issuer"], claim["issuanceDate"]
    payload = {"iss": ISSUER_DID, "nbf": 1767323045, "jti": claim["id"], "vc": claim}
    report = web.check(_write(tmp_path, "vc.jwt", _jwt(payload, "EdDSA", "#ed")))
    assert report.valid, report.findings


def test_a_jwt_whose_algorithm_is_not_its_keys_fails(web: Web, tmp_path: Path) -> None:
    credential = _unsigned(status=None)
    payload = {**credential, "iss": ISSUER_DID}
    # Signed with the EC key but naming the RSA key.
    header = _b64(json.dumps({"alg": "ES256", "kid": f"{ISSUER_DID}#rsa"}).encode())
    good = _jwt(payload, "ES256", f"{ISSUER_DID}#ec").split(".")
    confused = _write(tmp_path, "confused.jwt", f"{header}.{good[1]}.{good[2]}")
    assert "the issuer's key is for RS256" in _errors(web.check(confused))["proof"]
    unsigned = _write(tmp_path, "none.jwt", _jwt(payload, "none", f"{ISSUER_DID}#ed"))
    assert "'none' is not one of" in _errors(web.check(unsigned))["proof"]
    no_kid = _jwt(payload, "EdDSA", "")
    assert "names no key" in _errors(web.check(_write(tmp_path, "nokid.jwt", no_kid)))["key"]


# Foreign input: contexts and canonicalization bombs


def test_an_unknown_context_is_refused_and_never_fetched(web: Web, tmp_path: Path) -> None:
    web.put("contexts/extra.json", {"@context": {"colour": "https://issuer.test/colour"}})
    document = _ours(status=None)
    document["@context"].append(f"{ISSUER}contexts/extra.json")
    document["credentialSubject"]["colour"] = "red"
    before = len(web.requested)
    report = web.check(_write(tmp_path, "extra-context.json", document))
    assert (
        "https://issuer.test/contexts/extra.json is not one of the pinned contexts"
        in (_errors(report)["context"])
    )
    assert "unpinned contexts" in _errors(report)["proof"]
    assert f"{ISSUER}contexts/extra.json" not in web.requested[before:]


def test_an_undefined_term_is_refused_as_safe_mode_verifiers_do(web: Web, tmp_path: Path) -> None:
    document = _ours(status=None)
    document["credentialSubject"]["colour"] = "red"
    report = web.check(_write(tmp_path, "undefined.json", document))
    assert '"colour" is not defined' in _errors(report)["proof"]


def test_a_blank_node_bomb_is_refused_within_the_time_budget(web: Web, tmp_path: Path) -> None:
    # Two look-alike results with ten look-alike alignments each: a few kilobytes that would
    # keep RDFC-1.0 busy for hours trying every ordering.
    document = _ours(status=None)
    alignment = {"type": ["Alignment"], "targetName": "x", "targetUrl": "https://x.example/"}
    document["credentialSubject"]["result"] = [
        {"type": ["Result"], "alignment": [dict(alignment) for _ in range(10)]} for _ in range(2)
    ]
    path = _write(tmp_path, "bomb.json", document)
    started = time.monotonic()
    report = web.check(path, budget=1.0)
    assert time.monotonic() - started < 10
    assert "canonicalization bomb" in _errors(report)["proof"]
    # Three proofs over the same bomb cost one budget, not three: each document is
    # canonicalized (or given up on) once.
    document["proof"] = [document["proof"]] * 3
    path = _write(tmp_path, "bomb-3.json", document)
    started = time.monotonic()
    report = web.check(path, budget=1.0)
    assert time.monotonic() - started < 2.8
    assert "canonicalization bomb" in _errors(report)["proof"]


# The command


@pytest.fixture
def cli_fetcher(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's Fetcher, made to resolve the test hosts and trust the test CA."""
    monkeypatch.setattr(
        fetch,
        "Fetcher",
        functools.partial(Fetcher, resolve=_resolver, ssl_context=web.fetcher.ssl_context),
    )


def test_the_verify_command_reports_ob3_as_text_and_json(web: Web, cli_fetcher: None) -> None:
    png = next(
        path
        for path in sorted(web.golden.glob("assertions/*.png"))
        if _golden_expectations().get(path.stem) == "valid"
    )
    runner = CliRunner()
    result = runner.invoke(main, ["verify", str(png), "--allow-private-hosts"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("VALID (valid): ")
    assert "Open Badges 3.0, verified at did:web:badges.harbour-lab.example:pages:issuers:" in (
        result.output
    )
    assert "  proof: eddsa-rdfc-2022\n" in result.output
    result = runner.invoke(
        main, ["verify", str(png), "--allow-private-hosts", "--json", "--email", "x@example.com"]
    )
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["version"] == "3.0" and report["status"] == "invalid"
    assert report["errors"] == [
        {
            "check": "recipient",
            "message": NOT_ISSUED_TO_THEM,
        }
    ]
    assert report["details"]["format"] == "baked PNG"
    # Without --allow-private-hosts the issuer's loopback address is refused.
    result = runner.invoke(main, ["verify", str(png)])
    assert result.exit_code == 1 and "not a public address" in result.output


def test_the_verify_command_still_verifies_ob2_assertions(web: Web, cli_fetcher: None) -> None:
    award = next(key for key, status in _golden_expectations().items() if status == "valid")
    url = f"{GOLDEN_BASE}assertions/{award}.json"
    result = CliRunner().invoke(main, ["verify", url, "--allow-private-hosts", "--json"])
    report = json.loads(result.output)
    assert report["version"] == "2.0", report
    assert "details" not in report


def test_format_report_lists_what_was_established(web: Web, tmp_path: Path) -> None:
    report = web.check(_write(tmp_path, "ours.json", _ours(status=None)))
    text = format_report(report)
    assert f"  Open Badges 3.0, verified at {_method(ISSUER_DID, OURS)}\n" in text
    assert "verificationMethod" not in text  # said once, on the line above
    assert f"  didDocument: {ISSUER}.well-known/did.json" in text


def test_look_alike_blank_nodes_canonicalize_in_a_child_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from badgesite.openbadges import foreign_canon, rdf_canon

    document = _unsigned(status=None)
    alignment = {"type": ["Alignment"], "targetName": "x", "targetUrl": "https://x.example/"}
    document["credentialSubject"]["result"] = [
        {"type": ["Result"], "alignment": [dict(alignment) for _ in range(3)]} for _ in range(2)
    ]
    children: list[bytes] = []
    in_child = foreign_canon._in_child

    def counted(nquads: bytes, budget: float) -> bytes:
        children.append(nquads)
        return in_child(nquads, budget)

    monkeypatch.setattr(foreign_canon, "_in_child", counted)
    assert foreign_canon.foreign_nquads(document) == rdf_canon.canonical_nquads(document)
    assert len(children) == 1


def test_credentials_badgesite_signs_canonicalize_in_process(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    from badgesite.openbadges import foreign_canon

    def refuse(nquads: bytes, budget: float) -> bytes:
        raise AssertionError("a child process for a credential with no look-alike blank nodes")

    monkeypatch.setattr(foreign_canon, "_in_child", refuse)
    for path in sorted(web.golden.glob("assertions/*/credential.json"))[:3]:
        assert "proof" not in _errors(web.check(path))
