"""Open Badges 3.0 documents the site publishes, from the model: credentials, DIDs, status lists.

Each issuer is `did:web:HOST[:PATH]:issuers:SLUG`, whose DID document lists every key the site
ever signed with. Each published award is a signed `OpenBadgeCredential`; each issuer's
revoked awards are bits of its signed `BitstringStatusListCredential`. Every value is stable
for the same content: `validFrom` is the award's issue date, a proof's `created` is the
later of that and the day its key was first used, so two builds give the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from badgesite import urls
from badgesite.cache.image_cache import ImageCache
from badgesite.config import SiteConfig
from badgesite.errors import ContentError, ContentErrors
from badgesite.guards.credentials import Signing
from badgesite.model import Award, Issuer, Site
from badgesite.openbadges import data_integrity, did_web, ob3, status_list
from badgesite.openbadges.rdf_canon import UnsafeDocument
from badgesite.primitives.moments import timestamp
from badgesite.templating.markdown_text import plain_text
from badgesite.urls import UrlResolver

# OB 3.0's achievementType for each kind of badge badgesite knows.
ACHIEVEMENT_TYPES = {"badge": "Badge", "exam": "Assessment", "certification": "Certification"}
# OB 3.0 names an email address `emailAddress`; it has no type of its own for the others.
IDENTITY_TYPES = {"email": "emailAddress", "url": "identifier", "telephone": "identifier"}
OB3_PROFILE_TYPE = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#Profile"
OB3_CREDENTIAL_TYPE = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"


def publishes_credentials(config: SiteConfig) -> str:
    """Why this site's base_url cannot make did:web identities, or "" when it can."""
    try:
        did_web.did_web(config.base_url)
    except did_web.DidProblem as problem:
        return str(problem)
    return ""


def issuer_did(issuer: Issuer, config: SiteConfig) -> str:
    """The issuer's did:web, which resolves to its DID document on this site."""
    return did_web.did_web(
        config.base_url, urls.issuer_did_document(issuer.slug)[: -len("/did.json")]
    )


def _text(value: str) -> str:
    # A tab is the one control character content may hold (in markdown), and canonicalizers
    # disagree on control characters: the safe-mode check refuses them all. In markdown and
    # plain text four spaces say the same.
    return value.expandtabs(4)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone.utc)


def _utc(moment: dt.datetime) -> str:
    return timestamp(moment.astimezone(dt.timezone.utc))


def proof_created(signing: Signing, issued: dt.datetime) -> str:
    """When a document's proof says it was made: never before its key was first used."""
    return _utc(max(issued, _midnight(signing.key_added)))


def _issuer_profile(issuer: Issuer, site: Site, resolver: UrlResolver) -> ob3.IssuerProfile:
    image = ""
    if issuer.image is not None:
        image = resolver.absolute(urls.issuer_image(issuer.slug, issuer.image.extension))
    return ob3.IssuerProfile(
        id=issuer_did(issuer, site.config),
        name=issuer.name,
        url=issuer.url,
        email=issuer.email,
        description=_text(plain_text(issuer.description)) if issuer.description else "",
        image_url=image,
        other_identifiers=(resolver.absolute(urls.issuer_json(issuer.slug)),),
    )


def credential_data(
    award: Award, site: Site, resolver: UrlResolver, signing: Signing
) -> ob3.CredentialData:
    badge = award.badge
    achievement = ob3.Achievement(
        id=resolver.absolute(urls.badge_page(badge.slug)),
        name=badge.name,
        description=_text(plain_text(badge.description)),
        criteria_narrative=_text(badge.criteria),
        criteria_url=badge.criteria_url,
        image_url=resolver.absolute(urls.badge_image(badge.slug, badge.image.extension)),
        achievement_type=ACHIEVEMENT_TYPES.get(badge.kind, "Badge"),
        tags=(*badge.skills, *badge.tags),
        alignments=tuple(
            ob3.Alignment(a.name, a.url, a.description, a.framework, a.code)
            for a in badge.alignments
        ),
    )
    index = signing.index_of(award.id)
    status = None
    if index is not None:
        status = ob3.StatusEntry(
            resolver.absolute(urls.issuer_status_list(badge.issuer.slug)), index
        )
    return ob3.CredentialData(
        id=resolver.absolute(urls.award_credential(award.id)),
        name=badge.name,
        issuer=_issuer_profile(badge.issuer, site, resolver),
        achievement=achievement,
        recipient=ob3.HashedIdentity(
            award.recipient.identity,
            award.recipient.salt,
            IDENTITY_TYPES.get(award.recipient.type, "identifier"),
        ),
        valid_from=_utc(award.issued_on),
        valid_until=_utc(award.expires) if award.expires is not None else "",
        awarded_date=_utc(award.issued_on),
        evidence=tuple(
            ob3.Evidence(item.url, item.name, _text(item.description), _text(item.narrative))
            for item in award.evidence
        ),
        status=status,
    )


def _sign(document: dict[str, Any], did: str, signing: Signing, issued: dt.datetime) -> bytes:
    method = did_web.verification_method_id(did, signing.public_key)
    created = proof_created(signing, issued)
    return ob3.credential_bytes(data_integrity.sign(document, signing.key, method, created))


class CredentialRefused(ContentErrors):
    """A credential the safe-mode check refused: it would not verify elsewhere. Raised
    while rendering, located at the record each refused value comes from."""

    def __init__(self, problems: list[ContentError]) -> None:
        super().__init__(problems)
        self.problems = problems

    def __reduce__(self) -> tuple[type, tuple[list[ContentError]]]:
        return (CredentialRefused, (self.problems,))  # crosses back from a rendering worker


# Where each part of a credential comes from: (path prefix, record, field it is read from).
_SOURCES = (
    ("issuer.", "issuer", ""),
    ("credentialSubject.achievement.criteria.narrative", "badge", "criteria"),
    ("credentialSubject.achievement.criteria.id", "badge", "criteria_url"),
    ("credentialSubject.achievement.alignment", "badge", "alignment"),
    ("credentialSubject.achievement.tag", "badge", "skills"),
    ("credentialSubject.achievement.", "badge", ""),
    ("name", "badge", "name"),
    ("evidence", "award", "evidence"),
)


def _located(award: Award, refused: UnsafeDocument) -> list[ContentError]:
    """Each problem at the record it comes from: the issuer's, the badge's or the award's."""
    located = []
    for problem in refused.problems:
        record, field = "award", ""
        for prefix, source, name in _SOURCES:
            if problem.path.startswith(prefix):
                record, field = source, name or problem.path.removeprefix(prefix).split(".")[0]
                break
        owner = {"issuer": award.badge.issuer, "badge": award.badge, "award": award}[record]
        message = (
            f"the Open Badges 3.0 credential of award {award.id} would not verify in "
            f"independent verifiers ({problem})"
        )
        located.append(ContentError(owner.source, 0, field, message))
    return located


def signed_credential(
    award: Award,
    site: Site,
    resolver: UrlResolver,
    signing: Signing,
    cache: ImageCache | None = None,
) -> bytes:
    """The award's signed OpenBadgeCredential, as published; CredentialRefused when the
    safe-mode check refuses it. With a cache, a credential already signed (the same
    document, key and `created`: Ed25519 gives the same bytes) is not signed again."""
    data = credential_data(award, site, resolver, signing)
    document = ob3.open_badge_credential(data)

    def sign() -> bytes:
        try:
            return _sign(document, data.issuer.id, signing, award.issued_on)
        except UnsafeDocument as refused:
            raise CredentialRefused(_located(award, refused)) from None

    if cache is None or cache.folder is None:
        return sign()
    unsigned = ob3.credential_bytes(document).decode("utf-8")
    created = proof_created(signing, award.issued_on)
    return cache.get_or_make("credential", (unsigned, signing.public_key, created), sign)


def did_document(
    issuer: Issuer, site: Site, resolver: UrlResolver, signing: Signing
) -> dict[str, Any]:
    """The issuer's DID document: every key ever used, and its Open Badges 2.0 Profile."""
    did = issuer_did(issuer, site.config)
    profile = resolver.absolute(urls.issuer_json(issuer.slug))
    return did_web.did_document(did, signing.public_keys, also_known_as=(profile,))


def status_list_credential(
    issuer: Issuer, site: Site, resolver: UrlResolver, signing: Signing
) -> bytes:
    """The issuer's signed revocation list: the bit of each of its revoked awards is set.

    Its validFrom is the latest moment among its key's first use and its revoked awards'
    revocations (or issue dates, where no revocation date is given): stable until the list
    changes.
    """
    revoked = [
        award
        for award in site.revoked_awards_by_issuer[issuer.slug]
        if signing.index_of(award.id) is not None
    ]
    indices = [signing.indices[award.id] for award in revoked]
    moments = [_midnight(signing.key_added)]
    for award in revoked:
        revocation = award.revocation
        moments.append(revocation.date if revocation and revocation.date else award.issued_on)
    valid_from = max(moments)
    list_url = resolver.absolute(urls.issuer_status_list(issuer.slug))
    did = issuer_did(issuer, site.config)
    document = status_list.status_list_credential(
        list_url,
        did,
        _utc(valid_from),
        status_list.encode_bitstring(indices, signing.list_bits),
    )
    return _sign(document, did, signing, valid_from)


def ob2_profile_link(issuer: Issuer, resolver: UrlResolver) -> dict[str, Any]:
    """The OB 2.0 Profile's `related` entry naming the issuer's OB 3.0 identity (1EdTech's
    migration guide: the OB 3.0 type IRI in full, as the OB 2.0 context lacks it). It names
    the DID document by its https URL: the 1EdTech validator refuses a `did:` IRI there."""
    return {
        "type": [OB3_PROFILE_TYPE],
        "id": resolver.absolute(urls.issuer_did_document(issuer.slug)),
        "version": "Open Badges v3p0",
    }


def ob2_assertion_link(award: Award, resolver: UrlResolver) -> dict[str, Any]:
    """The OB 2.0 Assertion's `related` entry naming its OB 3.0 credential."""
    return {
        "type": [OB3_CREDENTIAL_TYPE],
        "id": resolver.absolute(urls.award_credential(award.id)),
        "version": "Open Badges v3p0",
    }


@dataclass
class CredentialMaker:
    """Signs each award's credential once per process: its JSON and its baked image both
    carry it, and signing is the costly part (RDFC-1.0 canonicalization)."""

    site: Site
    resolver: UrlResolver
    signing: Signing
    cache: ImageCache | None = None  # signed credentials by what made them, with the images
    _made: dict[str, bytes] = field(default_factory=dict, repr=False)

    def __call__(self, award: Award) -> bytes:
        found = self._made.get(award.id)
        if found is None:
            if len(self._made) > 64:  # an award's outputs are planned side by side
                self._made.clear()
            found = self._made[award.id] = signed_credential(
                award, self.site, self.resolver, self.signing, self.cache
            )
        return found


CredentialOf = Callable[[Award], bytes]
