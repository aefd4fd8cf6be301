"""Fingerprints: for each planned output, a hash of the inputs its plan says it depends on."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from badgesite.cache.code_identity import code_fingerprint
from badgesite.cache.code_identity import file_hash as _file_hash
from badgesite.cache.code_identity import hash_parts as _hash
from badgesite.guards.credentials import Signing
from badgesite.model import Award, ImportedBadge, Listings, Site
from badgesite.outputs import Dependencies, Listing, Output, RecordKey, RecordType
from badgesite.plan import KEY_FIELDS, Part, Plan, PlanParts, key_of
from badgesite.templating.sharing import site_image
from badgesite.templating.themes import ThemeChain
from badgesite.urls import UrlResolver

if TYPE_CHECKING:
    from badgesite.outputs import Subject

T = TypeVar("T")


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # each record type's, looked up once


def own_digest(record: object) -> str:
    """A record's own values; records it refers to count by name, their values apart."""
    kind = type(record)
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(field.name for field in dataclasses.fields(kind))  # type: ignore[arg-type]
    parts = [kind.__name__]
    for name in names:
        value = getattr(record, name)
        named_by = KEY_FIELDS.get(type(value))
        if named_by is None:
            parts.append(repr(value))
        else:  # str(key_of(value)), without making the key
            parts.append(f"{named_by[0].value}:{getattr(value, named_by[1])}")
    return _hash(parts)


def _output_line(output: Output) -> str:
    return f"{output.kind.value}:{output.url_path}:{output.indexable}"


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
        kept: KeptFingerprints | None = None,
        digests: dict[int, tuple[object, str]] | None = None,
        outputs: str | None = None,
        published: Mapping[str, int] | None = None,
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
        self.outputs = (
            _hash(_output_line(output) for output in plan.outputs) if outputs is None else outputs
        )
        self.plan = plan
        if published is not None:
            self.published = published
        self._records: dict[int, str] = {}
        self._kept: list[RecordKey] = []  # alive while their identities are keys above
        # Each record's digest by the identity of its object, which the entry keeps alive;
        # digests given are a kept build's, of objects it made sure are still the site's
        # own, with the same status and index at this build's moment.
        self.by_object: dict[int, tuple[object, str]] = {} if digests is None else digests
        # A kept build changed records only: the files, templates and texts are the same.
        self._files: dict[Path, str] = dict(kept.files) if kept is not None else {}
        self._templates: dict[str, str] = dict(kept.templates) if kept is not None else {}
        self._every_record = ""
        self._skill_index = ""
        self._listings: dict[Listing, str] = {}
        self._badge_counts = ""
        self._texts = kept.texts if kept is not None else ""

    @cached_property
    def published(self) -> Mapping[str, int]:
        """The URL paths the plan publishes (pages link to optional outputs that are),
        each with how many outputs have it."""
        return Counter(output.url_path for output in self.plan.outputs)

    @cached_property
    def site_image(self) -> str:
        """The image of pages without one of their own, as they show it."""
        return repr(site_image(self.site, UrlResolver(self.site.config.base_url)))

    @cached_property
    def listings(self) -> Listings:
        """The listings as of the build's moment, as the pages show them: the plan's."""
        return Listings.of(self.plan.listings, self.site, self.now)

    def record(self, key: RecordKey) -> str:
        # By the key's identity: the planner makes one key per record, the plan keeps them
        # all alive, and a RecordKey hashes in Python, some 200,000 times at 10,000 awards.
        found = self._records.get(id(key))
        if found is None:
            found = self.digest_of(self._find(key))
            self._records[id(key)] = found
            self._kept.append(key)
        return found

    def digest_of(self, record: Subject) -> str:
        """A record's own values, its status and index: made once for each object."""
        entry = self.by_object.get(id(record))
        if entry is not None and entry[0] is record:
            return entry[1]
        key = key_of(record)
        found = f"{key}:{own_digest(record)}"
        if isinstance(record, (Award, ImportedBadge)):
            found += ":" + record.status(self.now)
        if isinstance(record, Award) and self.signing is not None:
            found += f":index={self.signing.index_of(record.id)}"
        self.by_object[id(record)] = (record, found)
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

    def badge_counts(self) -> str:
        """How many badge classes each issuer has."""
        if not self._badge_counts:
            by_issuer = self.site.badges_by_issuer
            self._badge_counts = _hash(f"{slug}:{len(by_issuer[slug])}" for slug in by_issuer)
        return self._badge_counts

    def every_record(self) -> str:
        if not self._every_record:
            records = (records.values() for _, records in _records_of(self.site))
            self._every_record = _hash(map(self.digest_of, chain.from_iterable(records)))
        return self._every_record

    def aggregate(self, name: Aggregate) -> str:
        """The digest of one value computed across the site (see _aggregates_read)."""
        kind = name[0]
        if kind == "every_record":
            return self.every_record()
        if kind == "skill_index":
            return self.skill_index()
        if kind == "listing":
            return self.listing(Listing(name[1]))
        if kind == "holder_count":
            return str(self.listings.holder_count(name[1]))
        if kind == "badge_counts":
            return self.badge_counts()
        if kind == "site_image":
            return self.site_image
        if kind == "outputs":
            return self.outputs
        if kind == "published":
            return str(name[1] in self.published)
        return self._signing  # "signing"

    @property
    def files_read(self) -> Mapping[Path, str]:
        return self._files

    @property
    def templates_read(self) -> Mapping[str, str]:
        return self._templates

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
        return [*map(self.record, depends.records), *self._others(depends)]

    def _others(self, depends: Dependencies) -> list[str]:
        """The digests of what an output reads besides records."""
        parts = [f"{':'.join(name)}={self.aggregate(name)}" for name in _aggregates_read(depends)]
        parts.extend(self.file(path) for path in depends.files)
        parts.extend(self.template(name) for name in depends.templates)
        if depends.texts:
            parts.append("texts:" + self.texts())
        if depends.build_day:
            parts.append("day:" + self.build_day)
        return parts

    def fingerprint(self, output: Output) -> str:
        # digests(), unrolled for its commonest part: some 50,000 outputs at 10,000 awards.
        depends = output.depends
        parts = [self.environment, repr(output.recipe), str(output.indexable)]
        records = self._records
        for key in depends.records:
            found = records.get(id(key))
            parts.append(self.record(key) if found is None else found)
        parts.extend(self._others(depends))
        return _hash(parts)


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


# A value computed across the site that an output may depend on (Dependencies' fields):
# ("every_record",), ("skill_index",), ("listing", listing), ("holder_count", badge slug),
# ("badge_counts",), ("site_image",), ("outputs",), ("published", URL path), ("signing",).
Aggregate = tuple[str, ...]
_EVERY_RECORD: Aggregate = ("every_record",)


def _aggregates_read(depends: Dependencies) -> Iterator[Aggregate]:
    """The values computed across the site that an output's fingerprint reads."""
    if depends.every_record:
        yield _EVERY_RECORD  # which the summaries of the site are computed from
    else:
        if depends.skill_index:
            yield ("skill_index",)
        for listing in depends.listings:
            yield ("listing", listing.value)
        for slug in depends.holder_counts:
            yield ("holder_count", slug)
        if depends.badge_counts:
            yield ("badge_counts",)
        if depends.site_image:
            yield ("site_image",)
    if depends.outputs:
        yield ("outputs",)
    for path in depends.published:
        yield ("published", path)
    if depends.signing:
        yield ("signing",)


@dataclass(frozen=True)
class KeptFingerprints:
    """A build's fingerprints with what they were made from, by part of the plan
    (plan.Part), so that the next build makes again only those that may have changed."""

    fingerprints: Mapping[str, str]
    site: Site  # the site they were made for
    digests: Mapping[int, tuple[object, str]]  # each record's, by its object's identity
    aggregates: Mapping[Aggregate, str]  # the digest of each value any output reads
    published: Mapping[str, int]  # how many outputs have each URL path the plan holds
    part_lines: Mapping[Part, str]  # what each part adds to the digest of the outputs
    outputs: str  # that digest: of which outputs the plan holds, in its order
    by_record: Mapping[RecordKey, frozenset[Part]]  # the parts that read each record
    by_aggregate: Mapping[Aggregate, frozenset[Part]]  # the parts that read each value
    files: Mapping[Path, str]
    templates: Mapping[str, str]
    texts: str


def _records_of(site: Site) -> tuple[tuple[RecordType, Mapping[str, Subject]], ...]:
    return (
        (RecordType.ISSUER, site.issuers),
        (RecordType.BADGE, site.badges),
        (RecordType.EARNER, site.earners),
        (RecordType.AWARD, site.awards),
        (RecordType.IMPORTED, site.imported),
    )


def _part_lines(outputs: Iterable[Output]) -> str:
    return "\x00".join(map(_output_line, outputs))


def fingerprints_kept(
    site: Site,
    plan: Plan,
    parts: PlanParts,
    made: frozenset[Part],
    theme: ThemeChain,
    now: dt.datetime,
    signing: Signing | None = None,
    previous: KeptFingerprints | None = None,
    before: PlanParts | None = None,
) -> tuple[KeptFingerprints, frozenset[Part]]:
    """fingerprint_outputs, kept, and the parts whose fingerprints were made again.

    With previous and before (the last build's fingerprints and plan, of the same settings,
    theme, files and statuses; made: the parts planned again since), only the fingerprints
    of the parts planned again, of those that read a record whose digest changed and of
    those that read a digest of the whole site that changed are made: the others are the
    same as then, and are not looked at.
    """
    if previous is None or before is None:
        part_lines = {part: _part_lines(outputs) for part, outputs in parts.parts.items()}
        outputs_digest = _outputs_digest(parts, part_lines)
        inputs = _Inputs(site, plan, theme, now, signing, outputs=outputs_digest)
        for _, records in _records_of(site):
            for record in records.values():
                inputs.digest_of(record)
        reading: dict[RecordKey, set[Part]] = {}
        by_aggregate: dict[Aggregate, set[Part]] = {}
        for part, outputs in parts.parts.items():
            _index(part, outputs, reading, by_aggregate)
        by_record = {key: frozenset(found) for key, found in reading.items()}
        read = {name: frozenset(found) for name, found in by_aggregate.items()}
        aggregates = {name: inputs.aggregate(name) for name in read}
        fingerprints = {output.path: inputs.fingerprint(output) for output in plan.outputs}
        again = frozenset(parts.parts)
    else:
        dropped = {part for part in before.parts if part not in parts.parts}
        redone = made | dropped  # parts whose outputs are not those of before
        part_lines = dict(previous.part_lines)
        for part in dropped:
            del part_lines[part]
        # With the same parts (so in the same order), each holding the same outputs, the
        # plan holds the outputs it held: their digest is the same (hashing every part's
        # lines again would cost a few hundredths of a second at 100,000 awards).
        same_outputs = not dropped
        for part in made:
            lines = part_lines[part] = _part_lines(parts.parts[part])
            same_outputs = same_outputs and previous.part_lines.get(part) == lines
        outputs_digest = previous.outputs if same_outputs else _outputs_digest(parts, part_lines)
        # The records whose object is another than the last build's: their digests alone
        # are made again (with the same settings, status and index, the same object has
        # the same digest).
        digests = dict(previous.digests)
        others: list[tuple[RecordKey, str]] = []
        for (record_type, now_records), (_, then_records) in zip(
            _records_of(site), _records_of(previous.site), strict=True
        ):
            for key in now_records.keys() | then_records.keys():
                old, new = then_records.get(key), now_records.get(key)
                if old is not new:
                    then = digests.pop(id(old), (None, ""))[1] if old is not None else ""
                    others.append((RecordKey(record_type, key), then))
        # Only the parts planned again or dropped hold other outputs than before: of the
        # ("published", URL path) values, only those of their URL paths may have changed.
        published = dict(previous.published)
        candidates: set[str] = set()
        left: set[RecordKey] = set()  # the records and values the outputs gone read
        left_aggregates: set[Aggregate] = set()
        for part in redone:
            for output in before.parts.get(part, ()):
                published[output.url_path] -= 1
                candidates.add(output.url_path)
                left.update(output.depends.records)
                left_aggregates.update(_aggregates_read(output.depends))
        for part in made:
            for output in parts.parts[part]:
                published[output.url_path] = published.get(output.url_path, 0) + 1
                candidates.add(output.url_path)
        for path in candidates:
            if not published.get(path):
                published.pop(path, None)
        inputs = _Inputs(
            site,
            plan,
            theme,
            now,
            signing,
            previous,
            digests,
            outputs_digest,
            published,
        )
        again_parts = set(made)
        now_records = dict(_records_of(site))
        for key, then in others:
            new = inputs.record(key) if key.key in now_records[key.type] else ""
            if new != then:
                again_parts.update(previous.by_record.get(key, ()))
        aggregates = dict(previous.aggregates)
        for name, then in previous.aggregates.items():
            if name[0] == "published" and name[1] not in candidates:
                continue  # the same outputs have that URL path as before
            aggregates[name] = inputs.aggregate(name)
            if aggregates[name] != then:
                again_parts.update(previous.by_aggregate[name])
        again = frozenset(again_parts & parts.parts.keys())
        # The reverse indexes: the parts planned again or dropped leave them, the parts
        # planned again join them (the index is copied, and each set that changes).
        fresh: dict[RecordKey, set[Part]] = {}
        fresh_aggregates: dict[Aggregate, set[Part]] = {}
        for part in made:
            _index(part, parts.parts[part], fresh, fresh_aggregates)
        by_record = dict(previous.by_record)
        _reindex(by_record, left | fresh.keys(), redone, fresh)
        read = dict(previous.by_aggregate)
        _reindex(read, left_aggregates | fresh_aggregates.keys(), redone, fresh_aggregates)
        for name in left_aggregates | fresh_aggregates.keys():
            if name not in read:
                aggregates.pop(name, None)
            elif name not in aggregates:
                aggregates[name] = inputs.aggregate(name)
        fingerprints = dict(previous.fingerprints)
        for part in redone:
            for output in before.parts.get(part, ()):
                del fingerprints[output.path]
        for part in again:
            for output in parts.parts[part]:
                fingerprints[output.path] = inputs.fingerprint(output)
    kept = KeptFingerprints(
        fingerprints=fingerprints,
        site=site,
        digests=inputs.by_object,
        aggregates=aggregates,
        published=inputs.published,
        part_lines=part_lines,
        outputs=outputs_digest,
        by_record=by_record,
        by_aggregate=read,
        files=inputs.files_read,
        templates=inputs.templates_read,
        texts=inputs.texts(),
    )
    return kept, again


def _outputs_digest(parts: PlanParts, part_lines: Mapping[Part, str]) -> str:
    """The digest of which outputs the plan holds (_Inputs.outputs), from its parts', in
    the plan's order."""
    return _hash(lines for lines in map(part_lines.__getitem__, parts.parts) if lines)


_NO_PARTS: frozenset[Part] = frozenset()


def _reindex(
    index: dict[T, frozenset[Part]],
    keys: Iterable[T],
    redone: set[Part],
    fresh: Mapping[T, set[Part]],
) -> None:
    """Update a reverse index (what is read -> the parts reading it) for the keys read by
    the parts planned again or dropped (redone), now read by the parts of fresh."""
    for key in keys:
        then = index.get(key, _NO_PARTS)
        now = fresh.get(key, _NO_PARTS)
        # Most keys are read by the same parts as before (the parts planned again read
        # what they read then): the readers are then the same, and no set is made. (The
        # parts of fresh are among those redone.)
        if now <= then and then.isdisjoint(redone - now if now else redone):
            continue
        readers = (then - redone) | now
        if readers:
            index[key] = frozenset(readers)
        else:
            index.pop(key, None)


def _index(
    part: Part,
    outputs: Iterable[Output],
    reading: dict[RecordKey, set[Part]],
    by_aggregate: dict[Aggregate, set[Part]],
) -> None:
    """Note the records and digests of the whole site that a part's outputs read."""
    for output in outputs:
        depends = output.depends
        for key in depends.records:
            reading.setdefault(key, set()).add(part)
        for name in _aggregates_read(depends):
            by_aggregate.setdefault(name, set()).add(part)
