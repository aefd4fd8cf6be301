"""Fingerprints: for each planned output, a hash of everything its bytes are made from."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from badgesite.cache.code_identity import code_fingerprint
from badgesite.cache.code_identity import file_hash as _file_hash
from badgesite.cache.code_identity import hash_parts as _hash
from badgesite.model import Award, BadgeClass, Earner, ImportedBadge, Issuer, Site
from badgesite.plan import Kind, Output, Plan
from badgesite.templating.themes import ThemeChain, builtin_themes_dir

_RECORD_TYPES = (Issuer, BadgeClass, Earner, Award, ImportedBadge)


def _reference(record: object) -> str:
    key = getattr(record, "id", None) or getattr(record, "key", None) or record.slug  # type: ignore[attr-defined]
    return f"{type(record).__name__}:{key}"


def own_digest(record: object) -> str:
    """A record's own values; records it refers to count by name, their values apart."""
    parts = [type(record).__name__]
    for field in dataclasses.fields(record):  # type: ignore[arg-type]
        value = getattr(record, field.name)
        parts.append(_reference(value) if isinstance(value, _RECORD_TYPES) else repr(value))
    return _hash(parts)


def uses_bundled_templates_only(theme: ThemeChain) -> bool:
    """Whether every template comes with badgesite, whose pages only read what
    `fingerprint_outputs` counts; other templates may read anything in the site."""
    bundled = builtin_themes_dir().resolve()
    return all(path.resolve().is_relative_to(bundled) for path in theme.template_dirs) and not any(
        theme.site_templates.rglob("*") if theme.site_templates.is_dir() else ()
    )


def environment_digest(site: Site, theme: ThemeChain) -> str:
    """What every output depends on: badgesite's code, the config, the theme's files."""
    return _hash(
        [
            code_fingerprint(),
            repr(site.config),
            str(site.root),
            *(f"{path}:{_file_hash(path)}" for path in theme.files()),
        ]
    )


class _Digests:
    """Memoized digests of records and of the neighbourhoods pages show."""

    def __init__(self, site: Site, now: dt.datetime) -> None:
        self.site = site
        self.now = now
        self.awards = {key: own_digest(award) for key, award in site.awards.items()}
        self.earners = {key: own_digest(earner) for key, earner in site.earners.items()}
        self.imported = {key: own_digest(badge) for key, badge in site.imported.items()}
        self.statuses = {key: award.status(now) for key, award in site.awards.items()}
        self.catalog = _hash(
            [
                *(own_digest(issuer) for issuer in site.issuers.values()),
                *(own_digest(badge) for badge in site.badges.values()),
            ]
        )
        self._earner_clusters: dict[str, str] = {}
        self._badge_holders: dict[str, str] = {}
        self.by_badge: dict[str, list[str]] = {slug: [] for slug in site.badges}
        for key, award in site.awards.items():
            self.by_badge[award.badge.slug].append(key)

    def award(self, key: str) -> str:
        return f"{key}:{self.awards[key]}:{self.statuses[key]}"

    def earner_cluster(self, slug: str) -> str:
        """An earner, all their awards (profiles and award pages list them) and imports."""
        found = self._earner_clusters.get(slug)
        if found is None:
            imported = self.site.imported_for(self.site.earners[slug])
            found = _hash(
                [
                    self.earners[slug],
                    *(self.award(award.id) for award in self.site.awards_by_earner[slug]),
                    *(
                        f"{badge.key}:{self.imported[badge.key]}:{badge.status(self.now)}"
                        for badge in imported
                    ),
                ]
            )
            self._earner_clusters[slug] = found
        return found

    def badge_holders(self, slug: str) -> str:
        """A badge's awards and their earners, which its page lists and counts."""
        found = self._badge_holders.get(slug)
        if found is None:
            awards = self.site.awards
            found = _hash(
                f"{self.award(key)}:{self.earners[awards[key].earner.slug]}"
                for key in self.by_badge[slug]
            )
            self._badge_holders[slug] = found
        return found

    def everything(self) -> str:
        return _hash(
            [
                self.catalog,
                *(self.award(key) for key in self.awards),
                *self.earners.values(),
                *(f"{key}:{value}" for key, value in self.imported.items()),
                *(badge.status(self.now) for badge in self.site.imported.values()),
            ]
        )


def fingerprint_outputs(
    site: Site, plan: Plan, theme: ThemeChain, now: dt.datetime
) -> Mapping[str, str]:
    """Output path -> a hash that changes whenever that output's bytes may change."""
    digests = _Digests(site, now)
    environment = environment_digest(site, theme)
    # Award pages show the day of the build; so may any page of a theme not bundled.
    build_day = now.astimezone(site.config.zone).date().isoformat()
    # Which outputs exist shows in the sitemap and in links to optional outputs.
    published = _hash(output.path for output in plan.outputs)
    whole_site = _hash([environment, digests.everything(), build_day, published])
    pages_read_anything = not uses_bundled_templates_only(theme)
    result: dict[str, str] = {}
    for output in plan.outputs:
        if output.kind is Kind.PAGE and pages_read_anything:
            result[output.path] = whole_site
            continue
        parts = _output_parts(output, digests, whole_site, build_day)
        result[output.path] = _hash([environment, output.kind.value, output.template, *parts])
    return result


def _output_parts(output: Output, digests: _Digests, whole_site: str, build_day: str) -> list[str]:
    subject = output.subject
    source = [str(output.source_file), str(output.width)] if output.source_file else []
    if isinstance(subject, Award):
        return [
            digests.catalog,
            digests.earner_cluster(subject.earner.slug),
            build_day,
            *source,
        ]
    if isinstance(subject, Earner):
        return [digests.catalog, digests.earner_cluster(subject.slug), *source]
    if isinstance(subject, ImportedBadge):
        return [digests.catalog, digests.earner_cluster(subject.earner.slug), *source]
    if isinstance(subject, BadgeClass):
        # The badge page and the further pages of its holders: which holders, on which page,
        # follows from its awards, their statuses and earners (and `paginate`, in the config).
        holders = digests.badge_holders(subject.slug) if output.kind is Kind.PAGE else ""
        return [digests.catalog, holders, *source]
    if isinstance(subject, Issuer) and output.template != "revocations":
        return [digests.catalog, *source]
    if output.kind is Kind.COPY and subject is None and output.source_file is not None:
        # A theme's static file: the theme's files are part of the environment already.
        return source
    # Home, the pages of the skills and earner indexes, 404, sitemap, revocation lists: they
    # read across the whole site.
    return [whole_site]
