"""Fingerprints: for each planned output, a hash of the inputs its plan says it depends on."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

from badgesite.cache.code_identity import code_fingerprint
from badgesite.cache.code_identity import file_hash as _file_hash
from badgesite.cache.code_identity import hash_parts as _hash
from badgesite.guards.credentials import Signing
from badgesite.model import Award, BadgeClass, Earner, ImportedBadge, Issuer, Listings, Site
from badgesite.outputs import Dependencies, Listing, Output, RecordKey, RecordType
from badgesite.plan import Plan, key_of
from badgesite.templating.sharing import site_image
from badgesite.templating.themes import ThemeChain
from badgesite.urls import UrlResolver

_RECORD_TYPES = (Issuer, BadgeClass, Earner, Award, ImportedBadge)


def own_digest(record: object) -> str:
    """A record's own values; records it refers to count by name, their values apart."""
    parts = [type(record).__name__]
    for field in dataclasses.fields(record):  # type: ignore[arg-type]
        value = getattr(record, field.name)
        parts.append(str(key_of(value)) if isinstance(value, _RECORD_TYPES) else repr(value))
    return _hash(parts)


def environment_digest(site: Site, theme: ThemeChain) -> str:
    """What every output depends on: badgesite's code, the config, which themes make the
    chain and their settings (a template's or asset's own file counts where it is read)."""
    return _hash(
        [
            code_fingerprint(),
            repr(site.config),
            str(site.root),
            *(str(folder) for folder in theme.template_dirs),
            *(f"{t.settings}:{_hash_if_file(t.settings)}" for t in theme.themes),
        ]
    )


def _hash_if_file(path: Path) -> str:
    return _file_hash(path) if path.is_file() else "missing"


class _Inputs:
    """The digest of each kind of input an output may declare, each made once per build."""

    def __init__(
        self,
        site: Site,
        plan: Plan,
        theme: ThemeChain,
        now: dt.datetime,
        signing: Signing | None,
    ) -> None:
        self.site = site
        self.signing = signing
        self._signing = (
            "" if signing is None else _hash([*signing.digest_parts(), str(signing.list_bits)])
        )
        self.now = now
        self.theme = theme
        self.environment = environment_digest(site, theme)
        self.build_day = now.astimezone(site.config.zone).date().isoformat()
        # Which outputs exist shows in the sitemap, and in links to optional outputs.
        self.outputs = _hash(
            f"{output.kind.value}:{output.url_path}:{output.indexable}" for output in plan.outputs
        )
        self.published = frozenset(output.url_path for output in plan.outputs)
        self._records: dict[int, str] = {}
        self._by_name: dict[RecordKey, str] = {}
        self._kept: list[RecordKey] = []  # alive while their identities are keys above
        self._files: dict[Path, str] = {}
        self._templates: dict[str, str] = {}
        self._every_record = ""
        self._skill_index = ""
        self._listings: dict[Listing, str] = {}
        self._holder_counts: dict[str, str] = {}
        self._badge_counts = ""
        self._texts = ""

    @cached_property
    def site_image(self) -> str:
        """The image of pages without one of their own, as they show it."""
        return repr(site_image(self.site, UrlResolver(self.site.config.base_url)))

    @cached_property
    def listings(self) -> Listings:
        """The listings as of the build's moment, as the pages show them."""
        return Listings(self.site, self.now)

    def record(self, key: RecordKey) -> str:
        # By the key's identity: the planner makes one key per record, the plan keeps them
        # all alive, and a RecordKey hashes in Python, some 200,000 times at 10,000 awards.
        found = self._records.get(id(key))
        if found is None:
            found = self._by_name.get(key)
            if found is None:
                record = self._find(key)
                found = f"{key}:{own_digest(record)}"
                if isinstance(record, (Award, ImportedBadge)):
                    found += ":" + record.status(self.now)
                if isinstance(record, Award) and self.signing is not None:
                    found += f":index={self.signing.index_of(record.id)}"
                self._by_name[key] = found
            self._records[id(key)] = found
            self._kept.append(key)
        return found

    def _find(self, key: RecordKey) -> object:
        if key.type is RecordType.AWARD:
            return self.site.awards[key.key]
        if key.type is RecordType.IMPORTED:
            return self.site.imported[key.key]
        if key.type is RecordType.BADGE:
            return self.site.badges[key.key]
        if key.type is RecordType.EARNER:
            return self.site.earners[key.key]
        return self.site.issuers[key.key]

    def skill_index(self) -> str:
        if not self._skill_index:
            paths = self.listings.skill_paths
            self._skill_index = _hash(f"{skill}:{path}" for skill, path in paths.items())
        return self._skill_index

    def listing(self, listing: Listing) -> str:
        """How many entries an index has, and the paths of its pages."""
        found = self._listings.get(listing)
        if found is None:
            pagers = {
                Listing.BADGES: self.listings.badge_pages,
                Listing.EARNERS: self.listings.earner_pages,
                Listing.SKILLS: self.listings.skill_pages,
            }[listing]
            found = _hash([listing.value, str(pagers[0].total), *pagers[0].paths])
            self._listings[listing] = found
        return found

    def holder_count(self, badge_slug: str) -> str:
        found = self._holder_counts.get(badge_slug)
        if found is None:
            found = f"{badge_slug}:{self.listings.holder_count(badge_slug)}"
            self._holder_counts[badge_slug] = found
        return found

    def badge_counts(self) -> str:
        if not self._badge_counts:
            by_issuer = self.site.badges_by_issuer
            self._badge_counts = _hash(f"{slug}:{len(by_issuer[slug])}" for slug in by_issuer)
        return self._badge_counts

    def every_record(self) -> str:
        if not self._every_record:
            site = self.site
            records = (
                *site.issuers.values(),
                *site.badges.values(),
                *site.earners.values(),
                *site.awards.values(),
                *site.imported.values(),
            )
            self._every_record = _hash(self.record(key_of(record)) for record in records)
        return self._every_record

    def file(self, path: Path) -> str:
        found = self._files.get(path)
        if found is None:
            found = self._files[path] = f"{path}:{_hash_if_file(path)}"
        return found

    def template(self, name: str) -> str:
        """A template by name: the file of the chain that wins, or none."""
        found = self._templates.get(name)
        if found is None:
            path = next(
                (folder / name for folder in self.theme.template_dirs if (folder / name).is_file()),
                None,
            )
            found = f"{name}:{'missing' if path is None else self.file(path)}"
            self._templates[name] = found
        return found

    def texts(self) -> str:
        """Every translation file of the chain (which of them a language reads is the
        renderer's business; they change together rarely enough)."""
        if not self._texts:
            folders = [theme.i18n for theme in self.theme.themes if theme.i18n.is_dir()]
            files = sorted(path for folder in folders for path in folder.rglob("*"))
            self._texts = _hash(self.file(path) for path in files if path.is_file())
        return self._texts

    def digests(self, depends: Dependencies) -> list[str]:
        parts = [self.record(key) for key in depends.records]
        if depends.every_record:  # which the summaries below are computed from
            parts.append("every record:" + self.every_record())
        else:
            if depends.skill_index:
                parts.append("skill index:" + self.skill_index())
            parts.extend(self.listing(listing) for listing in depends.listings)
            parts.extend(self.holder_count(slug) for slug in depends.holder_counts)
            if depends.badge_counts:
                parts.append("badge counts:" + self.badge_counts())
            if depends.site_image:
                parts.append("site image:" + self.site_image)
        parts.extend(self.file(path) for path in depends.files)
        parts.extend(self.template(name) for name in depends.templates)
        if depends.texts:
            parts.append("texts:" + self.texts())
        if depends.build_day:
            parts.append("day:" + self.build_day)
        if depends.outputs:
            parts.append("outputs:" + self.outputs)
        parts.extend(f"{path} published:{path in self.published}" for path in depends.published)
        if depends.signing:
            parts.append("signing:" + self._signing)
        return parts

    def fingerprint(self, output: Output) -> str:
        recipe = repr(output.recipe)
        return _hash(
            [self.environment, recipe, str(output.indexable), *self.digests(output.depends)]
        )


def fingerprint_outputs(
    site: Site,
    plan: Plan,
    theme: ThemeChain,
    now: dt.datetime,
    signing: Signing | None = None,
) -> Mapping[str, str]:
    """Output path -> a hash that changes whenever the inputs its plan declares change,
    and so whenever its bytes may."""
    inputs = _Inputs(site, plan, theme, now, signing)
    return {output.path: inputs.fingerprint(output) for output in plan.outputs}
