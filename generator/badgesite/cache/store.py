"""The one store of every cache file: a format tag, an identity and a checksum, then plain data.

Each stored file starts with one line, `badgesite-cache/1 KIND IDENTITY CHECKSUM`: KIND
names what it holds and the version of its layout ("outputs-2"), IDENTITY what it was made
by and for (code_identity.identity), CHECKSUM the hash of the rest, which is plain data
(str, int, bytes, dates, tuples, lists, dicts, sets) pickled. A file that is missing, of
another kind or layout, made for another identity, damaged, or holding data of another
shape reads as absent: the cache is then made again, which only costs time. Nothing read
from a store can run code, and a store that cannot be written is only not kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import pickle
import types
from collections.abc import Collection
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from badgesite.cache.code_identity import hash_bytes, hash_parts
from badgesite.errors import BuildError
from badgesite.primitives.atomic import write_atomic

TAG = b"badgesite-cache/1"
DEFAULT_ROOT = Path(".cache") / "badgesite"  # in the site folder, unless --cache-dir
_HEADER_LIMIT = 256
# YAML's safe loader makes only plain data; these are the only types pickle has to name.
_ALLOWED_CLASSES = {
    ("datetime", "datetime"): dt.datetime,
    ("datetime", "date"): dt.date,
    ("datetime", "timezone"): dt.timezone,
    ("datetime", "timedelta"): dt.timedelta,
}


class _PlainDataUnpickler(pickle.Unpickler):
    """Unpickles plain data only: a cache file can never make code run."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED_CLASSES[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not plain data") from None


@dataclass(frozen=True)
class Store:
    """One cache file of one kind."""

    path: Path
    kind: str

    def read(self, identity: str, shape: object = object) -> Any:
        """The data stored for identity, or None when there is none that fits `shape`
        (see conforms). A damaged file is removed, with one warning line in the log."""
        try:
            with open(self.path, "rb") as stream:
                header = stream.readline(_HEADER_LIMIT)
                payload = stream.read()
        except FileNotFoundError:
            return None
        except OSError as error:
            _note(f"cannot read {self.path} ({error.strerror}); it is made again")
            return None
        fields = header.rstrip(b"\n").split(b" ")
        if not fields[0].startswith(b"badgesite-cache/"):
            return self._damaged("it is not a badgesite cache file")
        if fields[0] != TAG or (len(fields) == 4 and fields[1] != self.kind.encode()):
            _note(f"{self.path} is of another badgesite's layout; it is made again")
            return None
        if len(fields) != 4:
            return self._damaged("its first line is cut short")
        if fields[2] != identity.encode():
            _note(f"{self.path} was made by other code or for other settings; it is made again")
            return None
        if fields[3] != hash_bytes(payload).encode():
            return self._damaged("its checksum does not match")
        try:
            data = _PlainDataUnpickler(io.BytesIO(payload)).load()
        except Exception:  # whatever the pickle says, the file is only ignored
            return self._damaged("it cannot be read")
        if not conforms(data, shape):
            return self._damaged("it holds data of another shape")
        return data

    def write(self, identity: str, data: Any, flat: bool = False) -> None:
        """Keep data for identity, in one atomic write; a failure only costs time later.

        flat: data holds no container twice (parsed YAML with aliases may, even inside
        itself), so it is pickled without pickle's memo of the objects seen before: three
        times quicker (0.010 s instead of 0.028 s for the build cache of 51,662 outputs),
        and it reads back the same (a string held twice is only stored twice).
        """
        payload = _pickled(data, flat)
        header = b" ".join(
            [TAG, self.kind.encode(), identity.encode(), hash_bytes(payload).encode()]
        )
        # A cache that cannot be written (read-only checkout, full disk) only costs time.
        with contextlib.suppress(OSError):
            write_atomic(self.path, header + b"\n" + payload)

    def forget(self) -> None:
        """Remove the file, so that what it said is never trusted again."""
        self.path.unlink(missing_ok=True)

    def _damaged(self, why: str) -> None:
        _note(f"ignoring the damaged cache file {self.path} ({why}); it is made again", True)
        with contextlib.suppress(OSError):  # so that the next reader says nothing again
            self.path.unlink()


def _pickled(data: Any, flat: bool) -> bytes:
    if not flat:
        return pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    stream = io.BytesIO()
    pickler = pickle.Pickler(stream, protocol=pickle.HIGHEST_PROTOCOL)
    # Pickle's "fast mode" (no memo); a pickle without it, should it ever go, only costs time.
    with contextlib.suppress(AttributeError):
        pickler.fast = True
    pickler.dump(data)
    return stream.getvalue()


def _note(message: str, damaged: bool = False) -> None:
    """One line in the log: a warning for damage (shown on stderr unless the logging is
    configured otherwise), else information (a new badgesite, other settings)."""
    import logging  # only when there is something to say: a no-op build stays quick

    logger = logging.getLogger("badgesite.cache")
    logger.log(logging.WARNING if damaged else logging.INFO, "badgesite: %s", message)


def conforms(data: object, shape: object) -> bool:
    """Whether data has the shape: a type (int means an int, not a bool; a union such as
    str | None), a tuple of shapes (a tuple of as many), (shape, ...) (a tuple of any
    length), [shape] (a list), or {key shape: value shape} (a dict of any size)."""
    if isinstance(shape, tuple):
        if not isinstance(data, tuple):
            return False
        if len(shape) == 2 and shape[1] is Ellipsis:
            return _all_conform(data, shape[0])
        return len(data) == len(shape) and all(map(conforms, data, shape))
    if isinstance(shape, list):
        return isinstance(data, list) and _all_conform(data, shape[0])
    if isinstance(shape, dict):
        ((key_shape, value_shape),) = shape.items()
        return (
            isinstance(data, dict)
            and _all_conform(data.keys(), key_shape)
            and _all_conform(data.values(), value_shape)
        )
    if shape is int:
        return type(data) is int
    if isinstance(shape, type | types.UnionType):
        return isinstance(data, shape)
    raise TypeError(f"not a shape: {shape!r}")


def _all_conform(items: Collection[object], shape: object) -> bool:
    """Whether every item has the shape: by the set of the items' types, and a tuple
    shape column by column, so that a cache of 400,000 entries is checked in C loops
    rather than a call per value."""
    if shape is int:
        return set(map(type, items)) <= {int}
    if isinstance(shape, type):
        return all(issubclass(kind, shape) for kind in set(map(type, items)))
    if isinstance(shape, tuple) and not (len(shape) == 2 and shape[1] is Ellipsis):
        if not _all_conform(items, tuple) or not set(map(len, items)) <= {len(shape)}:
            return False
        return all(
            _all_conform(list(map(itemgetter(index), items)), part)
            for index, part in enumerate(shape)
        )
    return all(conforms(item, shape) for item in items)


def cache_root(site_dir: Path, cache_dir: Path | None = None) -> Path:
    """The folder of every cache: cache_dir (--cache-dir), or SITE/.cache/badgesite."""
    return (cache_dir or site_dir / DEFAULT_ROOT).absolute()


def images_folder(site_dir: Path, cache_dir: Path | None = None) -> Path:
    """Processed images, by a hash of everything they are made from: any site and any
    build may share them."""
    return cache_root(site_dir, cache_dir) / "images"


@dataclass(frozen=True)
class BuildStores:
    """The stores of one site built into one output folder, in a folder of their own under
    the cache root's build/: two sites, or a site built into two folders (`serve` and
    `build`), sharing a cache root never overwrite each other's."""

    root: Path
    folder: Path

    @classmethod
    def of(cls, site_dir: Path, output_dir: Path, cache_dir: Path | None = None) -> BuildStores:
        root = cache_root(site_dir, cache_dir)
        pair = hash_parts([str(site_dir.absolute()), str(output_dir.absolute())])
        return cls(root, root / "build" / pair[:16])

    def check_place(self, site_dir: Path, output_dir: Path) -> None:
        """Refuse a cache folder that the build would publish or replace (inside the output
        folder) or read as a source (inside content/, themes/ or templates/)."""
        root = self.root.resolve()
        if root.is_relative_to(output_dir.resolve()):
            raise BuildError(
                f"refusing to keep the cache in {self.root}: it is inside the output folder "
                f"{output_dir}, which every build replaces and a host publishes"
            )
        for name in ("content", "themes", "templates"):
            if root.is_relative_to(site_dir.resolve() / name):
                raise BuildError(
                    f"refusing to keep the cache in {self.root}: it is inside the site's "
                    f"{name}/, which the build reads"
                )

    @property
    def outputs(self) -> Store:
        """What each output was made from (build_cache)."""
        return Store(self.folder / "outputs.store", "outputs-2")

    @property
    def kept(self) -> Path:
        """The previous build, kept to make the next one from (write.py): in the cache
        folder, so that deleting it only costs time."""
        return self.folder / "previous-build"

    @property
    def sources(self) -> Store:
        """What the last build read (source_stamp)."""
        return Store(self.folder / "sources.store", "sources-1")

    @property
    def records(self) -> Store:
        """Parsed record files (parsed_cache)."""
        return Store(self.folder / "records.store", "records-1")
