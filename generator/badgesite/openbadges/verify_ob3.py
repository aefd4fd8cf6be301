"""Open Badges 3.0 verification of a foreign credential: what holds, what fails, and why.

Checked, in the report's words:
- `context`: every `@context` entry is one of the pinned contexts (ob3_contexts, PINNED or
  VERIFYING_ONLY); anything else is refused and never fetched;
- `proof`: a Data Integrity `eddsa-rdfc-2022` proof, an `Ed25519Signature2020` proof (the
  same hash construction over URDNA2015, which RDFC-1.0 renamed), or the VC-JWT signature
  (RS256, ES256, EdDSA); the credential is canonicalized within foreign_canon's bounds;
- `key`: the verification method resolves (did:web over HTTPS, did:key), its controller is
  the issuer, and it is listed in the issuer's `assertionMethod`;
- `dates` and `expiry`: `validFrom`/`validUntil` (VC 1.1's `issuanceDate`/`expirationDate`;
  a VC-JWT's `nbf`/`exp`) judged at the given moment;
- `revocation` and `status`: a `BitstringStatusListEntry` (the list fetched, its own proof
  verified, its issuer the credential's, the bit read) or a `1EdTechRevocationList`;
- `recipient`, when an email address is given: the credential's IdentityObjects, hashed
  (`sha256$…` with its salt) or plain, compared exactly as `import` and the 1EdTech
  validator compare a 2.0 recipient (recipient_check.check_credential_recipient).
A status list that cannot be fetched is a warning, as an unreachable OB 2.0 revocation list
is; a list that answers but does not verify is an error.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from badgesite.openbadges import data_integrity
from badgesite.openbadges.did_resolve import DidResolver, ResolutionProblem, ResolvedMethod
from badgesite.openbadges.fetch import (
    MAX_JSON_BYTES,
    Fetcher,
    FetchProblem,
    check_http_url,
    parse_json,
)
from badgesite.openbadges.foreign_canon import (
    TIME_BUDGET_SECONDS,
    CanonicalizationRefused,
    foreign_nquads,
)
from badgesite.openbadges.jws import CompactJws, JwsProblem, parse_compact_jws, signature_problem
from badgesite.openbadges.multikey import KeyProblem, decode_multibase_base58btc
from badgesite.openbadges.ob3_contexts import (
    CREDENTIALS_V1,
    CREDENTIALS_V2,
    ED25519_SIGNATURE_2020_V1,
    PINNED,
    VERIFYING_ONLY,
    verifying_contexts,
)
from badgesite.openbadges.ob3_reader import listed, read_credential
from badgesite.openbadges.ob3_source import (
    CREDENTIAL_ACCEPT,
    CredentialSource,
    jwt_credential,
    read_credential_source,
)
from badgesite.openbadges.rdf_canon import UnsafeDocument
from badgesite.openbadges.reader import (
    MAX_SHORT_TEXT,
    ForeignAssertion,
    parse_date,
    text,
)
from badgesite.openbadges.recipient_check import (
    UNCHECKED,
    RecipientProfile,
    RecipientResult,
    check_credential_recipient,
    credential_near_miss,
)
from badgesite.openbadges.status_list import MAXIMUM_LIST_BYTES
from badgesite.openbadges.verification_report import (
    ERROR,
    WARNING,
    CheckResult,
    VerificationReport,
)

OPEN_BADGE_TYPES = ("OpenBadgeCredential", "AchievementCredential")
EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
ED25519_SIGNATURE_2020 = "Ed25519Signature2020"
JWT_TYPES = ("JWT", "vc+jwt", "vc+ld+json+jwt", "vc+ld+jwt")
MAX_PROOFS = 5
MAX_STATUS_ENTRIES = 5
CLOCK_SKEW = dt.timedelta(minutes=5)


def _types(document: Any) -> list[str]:
    if not isinstance(document, dict):
        return []
    return [item for item in listed(document.get("type")) if isinstance(item, str)]


def _id_of(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


@dataclass
class _Proven:
    """What checking one credential's (or status list's) signature found."""

    problems: list[tuple[str, str]] = field(default_factory=list)  # (check, message)
    methods: list[ResolvedMethod] = field(default_factory=list)
    suites: list[str] = field(default_factory=list)


class _Checker:
    def __init__(
        self, found: CredentialSource, fetcher: Fetcher, now: dt.datetime, budget: float
    ) -> None:
        self.found = found
        self.document = found.credential
        self.fetcher = fetcher
        self.resolver = DidResolver(fetcher)
        self.now = now
        self.budget = budget
        self._canonical: dict[str, str | UnsafeDocument | CanonicalizationRefused] = {}
        self.findings: list[CheckResult] = []
        self.details: list[tuple[str, str]] = []
        self.recipient: RecipientResult = UNCHECKED
        self.revoked = False
        self.revocation_reason = ""
        self.method_id = ""
        self.suite = ""
        issuer = _id_of(self.document.get("issuer"))
        if not issuer and found.jws is not None:
            issuer = str(found.jws.payload.get("iss") or "")
        self.issuer_id = issuer

    def canonicalize(self, document: dict[str, Any], extra: Mapping[str, Any] | None) -> str:
        """foreign_nquads, each document once: with several proofs the credential would
        otherwise be canonicalized (or a bomb timed out) once per proof."""
        key = json.dumps(document, ensure_ascii=False)
        if key not in self._canonical:
            try:
                self._canonical[key] = foreign_nquads(document, extra, self.budget)
            except (UnsafeDocument, CanonicalizationRefused) as problem:
                self._canonical[key] = problem
        found = self._canonical[key]
        if isinstance(found, Exception):
            raise found
        return found

    def error(self, check: str, message: str) -> None:
        self.findings.append(CheckResult(ERROR, check, message))

    def warning(self, check: str, message: str) -> None:
        self.findings.append(CheckResult(WARNING, check, message))

    def run(self, emails: tuple[str, ...]) -> None:
        self.check_document()
        contexts_pinned = self.check_contexts(self.document)
        if self.issuer_id:
            self.details.append(("issuer", self.issuer_id))
        if self.found.jws is not None:
            proven = self.prove_jwt(self.found.jws, self.document, self.issuer_id)
        else:
            proven = self.prove_linked_data(self.document, self.issuer_id, contexts_pinned)
        for check, message in proven.problems:
            self.error(check, message)
        if proven.methods:
            self.method_id = proven.methods[0].id
            self.details.append(("verificationMethod", self.method_id))
            if proven.methods[0].document_url:
                self.details.append(("didDocument", proven.methods[0].document_url))
        self.suite = ", ".join(proven.suites)
        if self.suite:
            self.details.append(("proof", self.suite))
        self.check_dates()
        self.check_status()
        if emails:
            self.check_recipient(emails)

    # The credential's shape

    def check_document(self) -> None:
        types = _types(self.document)
        if "VerifiableCredential" not in types:
            self.error("document", "the credential's type does not include VerifiableCredential")
        if not any(kind in types for kind in OPEN_BADGE_TYPES):
            self.error(
                "document", "not an Open Badges credential (type OpenBadgeCredential missing)"
            )
        if not self.issuer_id:
            self.error("issuer", "the credential names no issuer id")
        elif not self.issuer_id.startswith(("did:web:", "did:key:")):
            self.error(
                "issuer",
                f"the issuer {self.issuer_id[:120]} is not a did:web or did:key: its key "
                "cannot be resolved",
            )
        if not isinstance(self.document.get("credentialSubject"), dict):
            self.error("document", "the credential has no credentialSubject object")

    def check_contexts(self, document: dict[str, Any]) -> bool:
        """Whether every context is pinned; each one that is not is an error."""
        declared = document.get("@context")
        entries = declared if isinstance(declared, list) else [declared]
        pinned = True
        if not entries or entries[0] not in (CREDENTIALS_V2, CREDENTIALS_V1):
            self.error("context", "the first @context is not the Verifiable Credentials context")
            pinned = False
        for entry in entries:
            if isinstance(entry, str) and (entry in PINNED or entry in VERIFYING_ONLY):
                continue
            pinned = False
            if isinstance(entry, str):
                self.error(
                    "context",
                    f"{entry[:160]} is not one of the pinned contexts: refused, and not fetched",
                )
            else:
                self.error("context", "an inline @context cannot be checked against a pin: refused")
        return pinned

    # Proofs

    def _method(self, method_url: str, issuer: str, proven: _Proven) -> ResolvedMethod | None:
        try:
            method = self.resolver.method(method_url)
        except ResolutionProblem as problem:
            proven.problems.append(("key", str(problem)))
            return None
        proven.methods.append(method)
        if method.controller != issuer or method.did != issuer:
            proven.problems.append(
                (
                    "key",
                    f"the key {method_url} is controlled by {method.controller or '(no one)'}, "
                    f"not by the issuer {issuer or '(none named)'}",
                )
            )
        if not method.in_assertion_method:
            proven.problems.append(
                ("key", f"{method_url} is not in the issuer's assertionMethod: it may not sign")
            )
        return method

    def prove_linked_data(
        self, document: dict[str, Any], issuer: str, contexts_pinned: bool
    ) -> _Proven:
        proven = _Proven()
        proofs = listed(document.get("proof"), MAX_PROOFS + 1)
        if not proofs:
            proven.problems.append(("proof", "the credential carries no proof and is no VC-JWT"))
            return proven
        if len(proofs) > MAX_PROOFS:
            proven.problems.append(("proof", f"more than {MAX_PROOFS} proofs; refused"))
            return proven
        for proof in proofs:
            self._prove_one(document, proof, issuer, contexts_pinned, proven)
        return proven

    def _prove_one(
        self,
        document: dict[str, Any],
        proof: Any,
        issuer: str,
        contexts_pinned: bool,
        proven: _Proven,
    ) -> None:
        if not isinstance(proof, dict):
            proven.problems.append(("proof", "a proof that is not a JSON object"))
            return
        kind, cryptosuite = proof.get("type"), proof.get("cryptosuite")
        if kind == data_integrity.PROOF_TYPE and cryptosuite == EDDSA_RDFC_2022:
            suite = EDDSA_RDFC_2022
        elif kind == ED25519_SIGNATURE_2020:
            suite = ED25519_SIGNATURE_2020
            if ED25519_SIGNATURE_2020_V1 not in listed(document.get("@context")):
                proven.problems.append(
                    (
                        "proof",
                        f"an Ed25519Signature2020 proof needs the context "
                        f"{ED25519_SIGNATURE_2020_V1} in the credential",
                    )
                )
                return
        else:
            named = f"{kind} ({cryptosuite})" if cryptosuite else str(kind)
            proven.problems.append(
                (
                    "proof",
                    f"the proof type {named[:80]} is not supported (eddsa-rdfc-2022, "
                    "Ed25519Signature2020 and VC-JWT are)",
                )
            )
            return
        proven.suites.append(suite)
        if proof.get("proofPurpose") != "assertionMethod":
            proven.problems.append(
                (
                    "proof",
                    f"the proof's purpose is {proof.get('proofPurpose')!r}, not assertionMethod",
                )
            )
            return
        expires = parse_date(proof.get("expires")) if "expires" in proof else None
        if expires is not None and expires.moment <= self.now:
            proven.problems.append(("proof", f"the proof expired on {expires.text}"))
        method = self._method(_id_of(proof.get("verificationMethod")), issuer, proven)
        if method is None:
            return
        if not isinstance(method.public_key, Ed25519PublicKey):
            proven.problems.append(
                ("proof", f"{suite} needs an Ed25519 key; {method.id} is not one")
            )
            return
        try:
            signature = decode_multibase_base58btc(str(proof.get("proofValue", "")))
        except KeyProblem as problem:
            proven.problems.append(("proof", f"the proofValue is not readable: {problem}"))
            return
        if len(signature) != 64:
            proven.problems.append(("proof", "the proofValue is not a 64-byte Ed25519 signature"))
            return
        if not contexts_pinned:
            proven.problems.append(("proof", "not checked: the credential names unpinned contexts"))
            return
        try:
            data = data_integrity.hash_data(
                document, proof, verifying_contexts(), canonicalize=self.canonicalize
            )
        except UnsafeDocument as unsafe:
            proven.problems.append(
                (
                    "proof",
                    "JSON-LD verifiers in safe mode refuse this credential, so its proof is "
                    f"not checked: {unsafe}"[:600],
                )
            )
            return
        except CanonicalizationRefused as refused:
            proven.problems.append(("proof", f"not checked: {refused}"))
            return
        try:
            method.public_key.verify(signature, data)
        except Exception:  # cryptography's InvalidSignature
            proven.problems.append(
                ("proof", "the signature does not match: the credential was changed after signing")
            )

    def prove_jwt(self, jws: CompactJws, document: dict[str, Any], issuer: str) -> _Proven:
        proven = _Proven([], [], [f"VC-JWT {jws.algorithm}"[:40]])
        typ = jws.header.get("typ")
        if typ is not None and typ not in JWT_TYPES:
            proven.problems.append(("proof", f"the JWT's typ {str(typ)[:40]!r} is not a VC-JWT"))
        kid = jws.header.get("kid")
        if not isinstance(kid, str) or not kid:
            proven.problems.append(
                (
                    "key",
                    "the VC-JWT header names no key (kid), so the signature cannot be tied to "
                    "the issuer",
                )
            )
            return proven
        if kid.startswith("#"):
            kid = issuer + kid
        method = self._method(kid, issuer, proven)
        if method is None:
            return proven
        problem = signature_problem(jws, method.public_key)
        if problem:
            proven.problems.append(("proof", problem))
        payload = jws.payload
        claimed = payload.get("iss")
        if claimed is not None and claimed != issuer:
            proven.problems.append(
                ("issuer", f"the JWT's iss {str(claimed)[:120]} is not the issuer {issuer}")
            )
        jti, credential_id = payload.get("jti"), document.get("id")
        if jti is not None and credential_id is not None and jti != credential_id:
            proven.problems.append(("proof", "the JWT's jti is not the credential's id"))
        subject = document.get("credentialSubject")
        subject_id = subject.get("id") if isinstance(subject, dict) else None
        sub = payload.get("sub")
        if sub is not None and subject_id is not None and sub != subject_id:
            proven.problems.append(("proof", "the JWT's sub is not the credential subject"))
        return proven

    # Dates

    def _claim_moment(self, name: str) -> dt.datetime | None:
        if self.found.jws is None:
            return None
        value = self.found.jws.payload.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        try:
            return dt.datetime.fromtimestamp(value, dt.timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None

    def check_dates(self) -> None:
        modern = CREDENTIALS_V2 in listed(self.document.get("@context"))
        start_name, end_name = (
            ("validFrom", "validUntil")
            if modern
            else (
                "issuanceDate",
                "expirationDate",
            )
        )
        start_raw, end_raw = self.document.get(start_name), self.document.get(end_name)
        if start_raw is None and self.found.jws is None:
            self.error("dates", f"the credential has no {start_name}")
        parsed = {}
        for name, raw in ((start_name, start_raw), (end_name, end_raw)):
            if raw is None:
                continue
            moment = parse_date(raw)
            if moment is None or isinstance(raw, (int, float)):
                self.error("dates", f"{name} {str(raw)[:40]!r} is not a date and time")
            elif not moment.has_time_zone or "T" not in moment.text:
                self.error("dates", f"{name} {moment.text!r} needs a time and a time zone")
            else:
                parsed[name] = moment
        start, end = parsed.get(start_name), parsed.get(end_name)
        not_before, expires = self._claim_moment("nbf"), self._claim_moment("exp")
        if start and start.moment > self.now + CLOCK_SKEW:
            self.error("dates", f"not valid until {start.text}")
        elif not_before and not_before > self.now + CLOCK_SKEW:
            self.error("dates", f"the JWT is not valid before {not_before.isoformat()}")
        if start and end and end.moment < start.moment:
            self.error("dates", f"{end_name} is before {start_name}")
        if end and end.moment <= self.now:
            self.error("expiry", f"the credential expired on {end.text}")
        elif expires and expires <= self.now:
            self.error("expiry", f"the VC-JWT expired on {expires.isoformat()}")

    # Status

    def check_status(self) -> None:
        entries = listed(self.document.get("credentialStatus"), MAX_STATUS_ENTRIES)
        for entry in entries:
            kind = entry.get("type") if isinstance(entry, dict) else None
            if kind == "BitstringStatusListEntry":
                self.check_bitstring_entry(entry)
            elif kind == "1EdTechRevocationList":
                self.check_revocation_list(entry)
            else:
                self.warning("status", f"the status type {str(kind)[:60]!r} is not checked")

    def _fetch_status_document(self, url: str, what: str) -> tuple[Any, CompactJws | None] | None:
        try:
            check_http_url(url)
            fetched = self.fetcher.fetch(url, MAX_JSON_BYTES, CREDENTIAL_ACCEPT)
        except FetchProblem as problem:
            self.warning("status", f"cannot check the {what}: {problem}")
            return None
        body = fetched.body.decode("utf-8", "replace").strip()
        if not body.startswith("{"):
            try:
                jws = parse_compact_jws(body)
            except JwsProblem as problem:
                self.error("status", f"the {what} at {url} is neither JSON nor a VC-JWT: {problem}")
                return None
            return jwt_credential(jws), jws
        try:
            return parse_json(fetched.body, url), None
        except FetchProblem as problem:
            self.error("status", f"the {what}: {problem}")
            return None

    def check_bitstring_entry(self, entry: dict[str, Any]) -> None:
        purpose = str(entry.get("statusPurpose") or "")
        raw_index = entry.get("statusListIndex")
        url = entry.get("statusListCredential")
        if not isinstance(raw_index, str) or not raw_index.isdigit() or len(raw_index) > 12:
            self.error("status", f"statusListIndex {str(raw_index)[:20]!r} is not a number")
            return
        if not isinstance(url, str):
            self.error("status", "the status entry names no statusListCredential")
            return
        index = int(raw_index)
        fetched = self._fetch_status_document(url, "status list")
        if fetched is None:
            return
        status_list, jws = fetched
        if not isinstance(status_list, dict):
            self.error("status", f"the status list at {url} is not a credential")
            return
        if "BitstringStatusListCredential" not in _types(status_list):
            self.error("status", f"the document at {url} is not a BitstringStatusListCredential")
            return
        list_issuer = _id_of(status_list.get("issuer"))
        if list_issuer != self.issuer_id:
            self.error(
                "status",
                f"the status list at {url} is issued by {list_issuer[:120] or '(no one)'}, "
                "not by the credential's issuer",
            )
            return
        if jws is not None:
            proven = self.prove_jwt(jws, status_list, list_issuer)
        else:
            pinned = self._contexts_pinned_quietly(status_list)
            if not pinned:
                self.error("status", f"the status list at {url} names unpinned contexts")
                return
            proven = self.prove_linked_data(status_list, list_issuer, pinned)
        if proven.problems:
            reasons = "; ".join(message for _check, message in proven.problems)
            self.error("status", f"the status list at {url} does not verify: {reasons}"[:600])
            return
        until = parse_date(status_list.get("validUntil")) if "validUntil" in status_list else None
        if until is not None and until.moment <= self.now:
            self.warning("status", f"the status list at {url} expired on {until.text}")
        subject = status_list.get("credentialSubject")
        subject = subject if isinstance(subject, dict) else {}
        purposes = [item for item in listed(subject.get("statusPurpose")) if isinstance(item, str)]
        if purpose not in purposes:
            self.error("status", f"the status list at {url} is not for {purpose!r}")
            return
        try:
            is_set = _bit(str(subject.get("encodedList", "")), index)
        except ValueError as problem:
            self.error("status", f"the status list at {url}: {problem}")
            return
        self.details.append(("status", f"{purpose} bit {index} of {url}: {int(is_set)}"))
        if is_set:
            self.revoked = True
            if purpose == "revocation":
                self.revocation_reason = f"bit {index} of the issuer's status list is set"
                self.error("revocation", f"revoked by its issuer (bit {index} of {url} is set)")
            else:
                self.error("revocation", f"{purpose} set by its issuer (bit {index} of {url})")

    def _contexts_pinned_quietly(self, document: dict[str, Any]) -> bool:
        entries = listed(document.get("@context"))
        return bool(entries) and all(
            isinstance(entry, str) and (entry in PINNED or entry in VERIFYING_ONLY)
            for entry in entries
        )

    def check_revocation_list(self, entry: dict[str, Any]) -> None:
        url = entry.get("id")
        if not isinstance(url, str):
            self.error("status", "the 1EdTechRevocationList entry names no list (id)")
            return
        credential_id = self.document.get("id")
        if not isinstance(credential_id, str):
            self.warning("status", "the credential has no id to look up in its revocation list")
            return
        fetched = self._fetch_status_document(url.split("#", 1)[0], "revocation list")
        if fetched is None:
            return
        revocations, _jws = fetched
        if not isinstance(revocations, dict):
            self.error("status", f"the revocation list at {url} is not a JSON object")
            return
        list_issuer = _id_of(revocations.get("issuer"))
        if list_issuer and list_issuer != self.issuer_id:
            self.error("status", f"the revocation list at {url} is not the credential issuer's")
            return
        revoked = listed(
            revocations.get("revokedCredential", revocations.get("revokedCredentials")), 100_000
        )
        self.details.append(("status", f"{len(revoked)} revoked in {url}"))
        for item in revoked:
            if _id_of(item) == credential_id or item == credential_id:
                reason = (
                    text(item.get("revocationReason"), MAX_SHORT_TEXT)
                    if isinstance(item, dict)
                    else ""
                )
                self.revoked = True
                self.revocation_reason = reason
                message = "revoked by its issuer (listed in its 1EdTech revocation list)"
                self.error("revocation", f"{message}: {reason}" if reason else message)
                return

    # Recipient

    def check_recipient(self, emails: tuple[str, ...]) -> None:
        # Exactly as import checks it (and the 1EdTech validator a 2.0 recipient): the
        # address as given, a near miss only named in the message.
        profile = RecipientProfile(emails=emails)
        self.recipient = check_credential_recipient(self.document, profile)
        if self.recipient.matched:
            self.details.append(("recipient", "issued to one of the given addresses"))
            return
        hint = credential_near_miss(self.document, profile)
        self.error("recipient", self.recipient.message + hint)


def _bit(encoded: str, index: int) -> bool:
    """Bit `index` of a BitstringStatusList `encodedList` (bit 0: the first byte's highest)."""
    if not encoded.startswith("u"):
        raise ValueError("the encodedList is not multibase base64url (u…)")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as stream:
            bits = stream.read(MAXIMUM_LIST_BYTES + 1)
    except (binascii.Error, OSError, EOFError, ValueError) as error:
        raise ValueError(f"the encodedList cannot be decoded ({error})") from None
    if len(bits) > MAXIMUM_LIST_BYTES:
        raise ValueError(f"the list is over {MAXIMUM_LIST_BYTES} bytes")
    if index >= len(bits) * 8:
        raise ValueError(f"index {index} is outside the list's {len(bits) * 8} bits")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def _assertion(checker: _Checker) -> ForeignAssertion:
    return read_credential(
        checker.document,
        checker.method_id,
        checker.suite,
        checker.revoked,
        checker.revocation_reason,
    )


def verify_credential(
    found: CredentialSource,
    fetcher: Fetcher,
    now: dt.datetime | None = None,
    email: str | Sequence[str] | None = None,
    budget: float = TIME_BUDGET_SECONDS,
) -> VerificationReport:
    """Judge an OB 3.0 credential; `budget` bounds each canonicalization, in seconds. With
    `email` (one address or several), the recipient must be one of them."""
    moment = now or dt.datetime.now(dt.timezone.utc)
    checker = _Checker(found, fetcher, moment, budget)
    checker.run((email,) if isinstance(email, str) else tuple(email or ()))
    container = {"json": "JSON", "jwt": "VC-JWT", "png": "baked PNG", "svg": "baked SVG"}
    details = [("format", container.get(found.container, found.container))]
    if found.url:
        details.append(("fetchedFrom", found.url))
    return VerificationReport(
        source=found.source,
        version="3.0",
        verification_url=checker.method_id,
        checked_at=moment,
        findings=tuple(checker.findings),
        assertion=_assertion(checker),
        details=tuple(details + checker.details),
        recipient=checker.recipient,
    )


def verify_ob3_source(
    source: str,
    fetcher: Fetcher,
    now: dt.datetime | None = None,
    email: str | Sequence[str] | None = None,
    budget: float = TIME_BUDGET_SECONDS,
) -> VerificationReport | None:
    """Read and verify an OB 3.0 credential; None when `source` holds none (an OB 2.0
    assertion, say), FetchProblem when it cannot be read at all."""
    found = read_credential_source(source, fetcher)
    if found is None:
        return None
    return verify_credential(found, fetcher, now, email, budget)
