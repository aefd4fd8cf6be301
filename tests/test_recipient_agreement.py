"""The recipient check of `verify` and `import` agrees with the 1EdTech reference validator.

Every recipient below (hashed with sha256 or md5, salted or not, upper-case hex, plain text,
email, telephone, url, an issuer that hashed a mixed-case or padded address...) is put in
an otherwise valid assertion on the loopback corpus, and checked against every profile
(the identifiers given: exact, upper-case, padded with spaces, several...) by badgesite and
by the validator's own recipient check (`--recipient` of the offline harness).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from badgesite.openbadges.recipient_check import RecipientProfile
from badgesite.openbadges.verify import verify_source
from loopback import loopback_fetcher, serve_corpus
from test_conformance import HARNESS, VALIDATOR_PYTHON

ADA = "ada@learner.example"
SALT = "s4lt-harbour"
PHONE = "+15555550123"
SITE = "https://ada.example/"
ZOE = "zoë@exämple.org"


def hashed(algorithm: str, identity: str, salt: str | None = SALT, **extra: Any) -> dict:
    recipient = {"type": "email", "hashed": True, **extra}
    digest = hashlib.new(algorithm, (identity + (salt or "")).encode()).hexdigest()
    recipient["identity"] = f"{algorithm}${digest}"
    if salt is not None:
        recipient["salt"] = salt
    return recipient


def plain(identity: str, kind: str = "email") -> dict:
    return {"type": kind, "hashed": False, "identity": identity}


def upper_hex(recipient: dict) -> dict:
    algorithm, digest = recipient["identity"].split("$")
    return recipient | {"identity": f"{algorithm}${digest.upper()}"}


RECIPIENTS: dict[str, dict] = {
    "sha256": hashed("sha256", ADA),
    "sha256-upper-hex": upper_hex(hashed("sha256", ADA)),
    "sha256-upper-prefix": hashed("sha256", ADA)
    | {"identity": "SHA256$" + hashed("sha256", ADA)["identity"].split("$")[1]},
    "sha256-unsalted": hashed("sha256", ADA, None),
    "sha256-null-salt": hashed("sha256", ADA, None) | {"salt": None},
    "md5": hashed("md5", ADA),
    "md5-upper-hex": upper_hex(hashed("md5", ADA)),
    "md5-unsalted": hashed("md5", ADA, None),
    "sha256-of-mixed-case": hashed("sha256", "Ada@Learner.example"),
    "sha256-of-padded": hashed("sha256", ADA + " "),
    "sha256-unicode": hashed("sha256", ZOE, "sälz"),
    "hashed-as-text": hashed("sha256", ADA) | {"hashed": "true"},
    "type-in-a-list": plain(ADA) | {"type": ["email"]},
    "plain": plain(ADA),
    "plain-mixed-case": plain("Ada@Learner.example"),
    "plain-padded": plain(" " + ADA),
    "telephone-hashed": hashed("sha256", PHONE) | {"type": "telephone"},
    "telephone-plain": plain(PHONE, "telephone"),
    "url-plain": plain(SITE, "url"),
    "url-hashed": hashed("md5", SITE) | {"type": "url"},
}
PROFILES: dict[str, tuple[str, ...]] = {
    "exact": (f"email:{ADA}",),
    "upper-case": (f"email:{ADA.upper()}",),
    "mixed-case": ("email:Ada@Learner.example",),
    "padded": (f"email: {ADA} ",),
    "trailing-space": (f"email:{ADA} ",),
    "someone-else": ("email:eve@learner.example",),
    "several": ("email:eve@learner.example", f"email:{ADA}"),
    "unicode": (f"email:{ZOE}",),
    "telephone-and-url": (f"telephone:{PHONE}", f"url:{SITE}"),
    "telephone-spaced": ("telephone:+1 555 555 0123",),
}
# What both must find: a match only for the identifier exactly as the issuer wrote it.
EXPECTED_MATCHES = {
    (recipient, "exact")
    for recipient in (
        "sha256",
        "sha256-upper-hex",
        "sha256-upper-prefix",
        "sha256-unsalted",
        "sha256-null-salt",
        "md5",
        "md5-upper-hex",
        "md5-unsalted",
        "hashed-as-text",
        "type-in-a-list",
        "plain",
    )
} | {
    ("sha256-of-mixed-case", "mixed-case"),
    ("plain-mixed-case", "mixed-case"),
    ("sha256-of-padded", "trailing-space"),
    ("sha256-unicode", "unicode"),
    ("telephone-hashed", "telephone-and-url"),
    ("telephone-plain", "telephone-and-url"),
    ("url-plain", "telephone-and-url"),
    ("url-hashed", "telephone-and-url"),
}
EXPECTED_MATCHES |= {
    (recipient, "several") for recipient, profile in set(EXPECTED_MATCHES) if profile == "exact"
}


def _profile(identifiers: tuple[str, ...]) -> RecipientProfile:
    by_type: dict[str, list[str]] = {"email": [], "url": [], "telephone": []}
    for identifier in identifiers:
        kind, _, value = identifier.partition(":")
        by_type[kind].append(value)
    return RecipientProfile(
        emails=tuple(by_type["email"]),
        urls=tuple(by_type["url"]),
        telephones=tuple(by_type["telephone"]),
    )


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    if not VALIDATOR_PYTHON.exists():
        pytest.fail("the validator is not set up: run scripts/setup-validator-venv")
    with serve_corpus(tmp_path_factory.mktemp("recipients") / "www") as corpus:
        template = json.loads((corpus.root / "assertions/valid-iri.json").read_text())
        urls = {}
        for name, recipient in RECIPIENTS.items():
            url = f"{corpus.base}assertions/recipient-{name}.json"
            document = template | {"id": url, "recipient": recipient}
            (corpus.root / f"assertions/recipient-{name}.json").write_text(
                json.dumps(document, ensure_ascii=False), encoding="utf-8"
            )
            urls[name] = url
        found = {}
        for profile_name, identifiers in PROFILES.items():
            profile = _profile(identifiers)
            for name, url in urls.items():
                report = verify_source(url, loopback_fetcher(), recipient=profile)
                found[(name, profile_name)] = [report.recipient.result]
            recipients = [argument for item in identifiers for argument in ("--recipient", item)]
            completed = subprocess.run(
                [
                    str(VALIDATOR_PYTHON),
                    str(HARNESS),
                    "--root",
                    str(corpus.root),
                    "--base-url",
                    corpus.base,
                    *recipients,
                    *urls.values(),
                ],
                capture_output=True,
                text=True,
                timeout=300,
                check=True,
            )
            theirs = {entry["url"]: entry for entry in json.loads(completed.stdout)}
            for name, url in urls.items():
                assert not theirs[url]["refused"], theirs[url]
                found[(name, profile_name)].append(theirs[url]["recipient"])
        yield {cell: tuple(pair) for cell, pair in found.items()}


CELLS = [(recipient, profile) for recipient in RECIPIENTS for profile in PROFILES]


@pytest.mark.parametrize(("recipient", "profile"), CELLS)
def test_the_recipient_verdicts_agree(verdicts, recipient: str, profile: str) -> None:
    ours, theirs = verdicts[(recipient, profile)]
    assert ours == theirs, f"badgesite says {ours}, the validator says {theirs}"


def test_only_the_identifier_as_the_issuer_wrote_it_matches(verdicts) -> None:
    matched = {cell for cell, (ours, _) in verdicts.items() if ours == "matched"}
    assert matched == EXPECTED_MATCHES
