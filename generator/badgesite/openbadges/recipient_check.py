"""Whether a foreign assertion names one of an earner's identifiers, as 1EdTech's validator judges.

The reference validator (badgecheck) compares a trusted profile with the assertion's
IdentityObject this way, and so does badgesite, to agree with it on every input:
- the recipient's `type` picks the profile's identifiers of that type (email, url,
  telephone); an assertion naming a type the profile has no identifier of does not match;
- a hashed identity is lowercased (hex digits and the `sha256$` / `md5$` prefix alike) and
  compared with `alg$hex(identifier + salt)`, the identifier exactly as given: no trimming,
  no lowercasing; a missing or null salt is the empty string;
- a plain identity must equal one of the identifiers exactly, case and spaces included;
- Open Badges 0.5's recipient string is hashed unless it holds an `@`, salted by `salt`.
The identifiers given are only compared: none is kept in a result, a message or a file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from badgesite.openbadges.ob3_reader import subject_identities

MATCHED = "matched"
NOT_MATCHED = "not matched"
NOT_CHECKED = "not checked"
RECIPIENT_RESULTS = (MATCHED, NOT_MATCHED, NOT_CHECKED)
# The option of `import` and `verify` that gives identifiers of each type.
OPTION_OF_TYPE = {"email": "--email", "url": "--recipient-url", "telephone": "--telephone"}
NOT_ISSUED_TO_THEM = "issued to someone else: none of the given addresses matches the recipient"
NO_IDENTIFIER_GIVEN = "no address was given to check the recipient with"


@dataclass(frozen=True)
class RecipientProfile:
    """The identifiers an earner is known by, trusted as given; never written anywhere."""

    emails: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    telephones: tuple[str, ...] = ()

    def of_type(self, kind: str) -> tuple[str, ...]:
        return {"email": self.emails, "url": self.urls, "telephone": self.telephones}.get(kind, ())

    @property
    def given(self) -> bool:
        return bool(self.emails or self.urls or self.telephones)


@dataclass(frozen=True)
class RecipientIdentity:
    """The assertion's recipient as the validator reads it, 0.5's string upgraded.

    Each part is None where the validator's own reading fails (a type or identity that is
    not a string, a salt that is neither a string nor missing): such a recipient matches
    no one.
    """

    type: str | None
    identity: str | None
    hashed: bool
    salt: str | None

    @property
    def hash_name(self) -> str:
        """sha256, md5 or plain: how the issuer published the identity ('' if neither)."""
        if not self.hashed:
            return "plain"
        lowered = (self.identity or "").lower()
        return next((name for name in ("md5", "sha256") if lowered.startswith(name)), "")


@dataclass(frozen=True)
class RecipientResult:
    """What checking the recipient found; `message` names no identifier that was given."""

    result: str  # MATCHED, NOT_MATCHED or NOT_CHECKED
    type: str  # the assertion's recipient type, '' when it has none
    hash: str  # sha256, md5, plain, or ''
    message: str

    @property
    def matched(self) -> bool:
        return self.result == MATCHED

    def as_json(self) -> dict[str, str]:
        return {"result": self.result, "type": self.type, "hash": self.hash}


UNCHECKED = RecipientResult(NOT_CHECKED, "", "", NO_IDENTIFIER_GIVEN)


def read_identity(document: dict[str, Any]) -> RecipientIdentity | None:
    """The recipient of an assertion (0.5 to 2.0), or None when it names none."""
    value = document.get("recipient")
    if isinstance(value, str):  # 0.5: the validator's upgrade makes it an IdentityObject
        salt = document.get("salt") or ""  # the upgrade keeps a salt only when it is truthy
        return RecipientIdentity(
            "email", value, "@" not in value, salt if isinstance(salt, str) else None
        )
    if not isinstance(value, dict):
        return None
    kind = value.get("type")
    if isinstance(kind, list) and len(kind) == 1:
        kind = kind[0]  # JSON-LD compaction, which the validator applies, unwraps it
    identity = value.get("identity")
    return RecipientIdentity(
        type=kind if isinstance(kind, str) else None,
        identity=identity if isinstance(identity, str) else None,
        # The validator tests the value's truth, whatever its JSON type.
        hashed=bool(value.get("hashed")),
        salt=_salt(value.get("salt")),
    )


def _salt(salt: Any) -> str | None:
    """A null salt is dropped by JSON-LD, so none; any other non-string fails to hash."""
    if salt is None:
        return ""
    return salt if isinstance(salt, str) else None


def check_recipient(document: dict[str, Any], profile: RecipientProfile | None) -> RecipientResult:
    """Whether `document` was issued to one of the profile's identifiers."""
    identity = read_identity(document)
    kind = (identity.type or "") if identity else ""
    hash_name = identity.hash_name if identity else ""
    if profile is None or not profile.given:
        return RecipientResult(NOT_CHECKED, kind, hash_name, NO_IDENTIFIER_GIVEN)

    def not_matched(message: str) -> RecipientResult:
        return RecipientResult(NOT_MATCHED, kind, hash_name, message)

    if identity is None or identity.type is None or identity.identity is None:
        return not_matched("the assertion names no recipient that can be checked")
    candidates = profile.of_type(identity.type)
    if not candidates:
        option = OPTION_OF_TYPE.get(identity.type)
        if option is None:
            return not_matched(
                f"the recipient is identified by {identity.type[:40]!r}, which badgesite "
                "cannot check (it checks email, url and telephone)"
            )
        return not_matched(
            f"the recipient is identified by {identity.type}, and no {identity.type} was "
            f"given: give it with {option}"
        )
    if not any(_matches(identity, candidate) for candidate in candidates):
        return not_matched(NOT_ISSUED_TO_THEM)
    return RecipientResult(MATCHED, kind, hash_name, f"issued to the given {identity.type}")


def _matches(identity: RecipientIdentity, candidate: str) -> bool:
    if identity.identity is None:
        return False
    if not identity.hashed:
        return identity.identity == candidate
    algorithm = identity.hash_name
    if identity.salt is None or algorithm not in ("md5", "sha256"):
        return False
    expected = identity.identity.lower()
    try:
        digest = hashlib.new(algorithm, (candidate + identity.salt).encode("utf-8")).hexdigest()
    except UnicodeEncodeError:  # a lone surrogate: the validator cannot hash it either
        return False
    computed = f"{algorithm}${digest}".encode()
    return hmac.compare_digest(computed, expected.encode("utf-8", "replace"))


def near_miss(document: dict[str, Any], profile: RecipientProfile | None) -> str:
    """Which form of a given identifier would match, trimmed or lowercased, for the message
    the user reads ('' when none would): the match itself stays exact, as the validator's."""
    identity = read_identity(document)
    if profile is None or identity is None or identity.type is None:
        return ""
    for candidate in profile.of_type(identity.type):
        for variant in _variants(identity.type, candidate):
            if variant != candidate and _matches(identity, variant):
                return (
                    f" ({variant!r} would match: identifiers are compared exactly as given, "
                    "as the 1EdTech reference validator compares them)"
                )
    return ""


def _variants(kind: str, candidate: str) -> tuple[str, ...]:
    trimmed = candidate.strip()
    found = [trimmed, trimmed.lower()]
    if kind == "telephone":
        found.append("".join(char for char in trimmed if char.isdigit() or char == "+"))
    return tuple(found)


def recipient_fingerprint(document: dict[str, Any], verification_url: str) -> str:
    """A digest of the recipient the assertion names, salted by where it is verified.

    `import --refresh` cannot check the recipient again (the identifiers are not kept);
    this tells it whether the assertion still names the recipient that was checked. For a
    plain-text identity it is a salted hash, as an issuer's hashed identity is.
    """
    identity = read_identity(document)
    parts = [identity.type, identity.identity, identity.hashed, identity.salt] if identity else None
    canonical = json.dumps([parts, verification_url], ensure_ascii=False)
    return "sha256$" + hashlib.sha256(canonical.encode("utf-8", "replace")).hexdigest()


def without_plain_identity(document: Any) -> Any:
    """The assertion with a plain-text recipient identity (an address) blanked, else as is.

    A snapshot keeps the assertion as retrieved, in the site's own repository: an address
    the issuer published in the clear must not be copied there.
    """
    if not isinstance(document, dict):
        return document
    identity = read_identity(document)
    if identity is None or identity.hashed or not identity.identity:
        return document
    recipient = document["recipient"]
    if isinstance(recipient, str):
        return {**document, "recipient": ""}
    return {**document, "recipient": {**recipient, "identity": ""}}


# Open Badges 3.0: a credential names its recipient by the IdentityObjects of its
# `credentialSubject.identifier` (and, rarely, a `mailto:` subject id); each is checked by
# the rules above, as the 2.0 recipient it would be. Its identityType, as a type here:
CREDENTIAL_IDENTITY_TYPES = {
    "emailAddress": "email",
    "email": "email",  # the getting-started guide's error
    "url": "url",
    "phoneNumber": "telephone",
    "telephone": "telephone",
}


def credential_recipients(credential: dict[str, Any]) -> list[dict[str, Any]]:
    """A 3.0 credential's recipients, each as the 2.0 assertion the checks above read:
    `{"recipient": {type, identity, hashed, salt}}` (what is not a string stays as given,
    for read_identity to refuse)."""
    found = []
    for item in subject_identities(credential):
        kind = item.get("identityType")
        found.append(
            {
                "recipient": {
                    "type": CREDENTIAL_IDENTITY_TYPES.get(kind, kind)
                    if isinstance(kind, str)
                    else kind,
                    "identity": item.get("identityHash"),
                    "hashed": item.get("hashed"),
                    "salt": item.get("salt"),
                }
            }
        )
    subject = credential.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    if isinstance(subject_id, str) and subject_id.lower().startswith("mailto:"):
        address = subject_id[len("mailto:") :]
        found.append({"recipient": {"type": "email", "identity": address, "hashed": False}})
    return found


def check_credential_recipient(
    credential: dict[str, Any], profile: RecipientProfile | None
) -> RecipientResult:
    """Whether a 3.0 credential was issued to one of the profile's identifiers: matched when
    any of its recipients matches one."""
    recipients = credential_recipients(credential)
    if not recipients:
        if profile is None or not profile.given:
            return RecipientResult(NOT_CHECKED, "", "", NO_IDENTIFIER_GIVEN)
        return RecipientResult(
            NOT_MATCHED, "", "", "the credential names no recipient that can be checked"
        )
    results = [check_recipient(document, profile) for document in recipients]
    matched = [result for result in results if result.matched]
    # Refused, the most telling reason: an identifier of the recipient's type did not match.
    telling = [result for result in results if result.message == NOT_ISSUED_TO_THEM]
    return (matched or telling or results)[0]


def credential_near_miss(credential: dict[str, Any], profile: RecipientProfile | None) -> str:
    """near_miss for a 3.0 credential: the first of its recipients another form would match."""
    hints = (near_miss(document, profile) for document in credential_recipients(credential))
    return next((hint for hint in hints if hint), "")


def credential_fingerprint(credential: dict[str, Any], key: str) -> str:
    """recipient_fingerprint for a 3.0 credential: of all its recipients, salted by `key`."""
    parts = [recipient_fingerprint(document, key) for document in credential_recipients(credential)]
    return "sha256$" + hashlib.sha256(json.dumps(parts).encode("ascii")).hexdigest()


def credential_without_plain_identity(credential: dict[str, Any]) -> dict[str, Any]:
    """The credential with each plain-text recipient identity (an address) blanked, else the
    same object: as without_plain_identity does for 2.0. Its proof no longer holds then."""
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        return credential
    changed = False
    identifiers = subject.get("identifier")
    if isinstance(identifiers, (dict, list)):
        kept = []
        for item in identifiers if isinstance(identifiers, list) else [identifiers]:
            if (
                isinstance(item, dict)
                and item.get("hashed") is not True
                and item.get("identityHash")
            ):
                item = {**item, "identityHash": ""}
                changed = True
            kept.append(item)
        identifiers = kept if isinstance(subject.get("identifier"), list) else kept[0]
    subject_id = subject.get("id")
    if isinstance(subject_id, str) and subject_id.lower().startswith("mailto:"):
        subject_id = "mailto:"
        changed = True
    if not changed:
        return credential
    blanked = {**subject, "id": subject_id} if "id" in subject else dict(subject)
    if "identifier" in subject:
        blanked["identifier"] = identifiers
    return {**credential, "credentialSubject": blanked}
