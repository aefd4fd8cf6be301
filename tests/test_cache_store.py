"""The one store of the caches: tag, identity and checksum; anything else reads as absent."""

from __future__ import annotations

import datetime as dt
import logging
import pickletools
import sys
from pathlib import Path

import pytest

from badgesite.cache import code_identity
from badgesite.cache.store import TAG, BuildStores, Store, conforms

PLAIN = {
    "text": ("a", 1, b"\x00", None, dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone.utc)),
    "date": dt.date(2026, 1, 2),
    "nested": [{"set": {1, 2}}, (dt.timezone(dt.timedelta(hours=2)),)],
}


def _log(caplog) -> list[tuple[str, str]]:
    return [
        (record.levelname, record.getMessage())
        for record in caplog.records
        if record.name == "badgesite.cache"
    ]


def test_what_is_written_is_read_back_for_the_same_identity(tmp_path: Path, caplog) -> None:
    store = Store(tmp_path / "deep/folder/thing.store", "thing-1")
    assert store.read("me") is None  # missing: absent, and nothing to say
    store.write("me", PLAIN)
    with caplog.at_level(logging.INFO, logger="badgesite.cache"):
        assert store.read("me") == PLAIN
        assert store.read("someone else") is None
        assert Store(store.path, "thing-2").read("me") is None
    assert [level for level, _ in _log(caplog)] == ["INFO", "INFO"]
    assert store.path.read_bytes().startswith(TAG + b" thing-1 me ")
    assert store.read("me") == PLAIN, "a foreign reader leaves the file alone"
    assert [path.name for path in store.path.parent.iterdir()] == ["thing.store"]


def test_flat_data_is_pickled_without_a_memo_and_read_back(tmp_path: Path) -> None:
    # The build cache (a dict of tuples of strings and numbers) is written so: a memo entry
    # per tuple and string made its pickling three times slower.
    store = Store(tmp_path / "flat.store", "flat-1")
    entries = {f"page/{number}.html": ("f" * 64, number, 10**18 + number) for number in range(50)}
    data = (entries, ("name", None, None, None, ("page/1.html",)))
    store.write("me", data, flat=True)
    assert store.read("me") == data
    payload = store.path.read_bytes().split(b"\n", 1)[1]
    opcodes = {opcode.name for opcode, _, _ in pickletools.genops(payload)}
    assert not opcodes & {"MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT"}
    store.write("me", data)  # the default keeps the memo (data may hold a list in itself)
    payload = store.path.read_bytes().split(b"\n", 1)[1]
    assert "MEMOIZE" in {opcode.name for opcode, _, _ in pickletools.genops(payload)}


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: b"\x80\x05\x95" + data,
        lambda data: data[:-1],
        lambda data: data[:20],
        lambda data: data.replace(b"thing-1 me ", b"thing-1 me  "),
        lambda data: data.replace(b"plain", b"plaim"),
    ],
)
def test_a_damaged_file_reads_as_absent_with_one_warning_and_is_removed(
    tmp_path: Path, caplog, damage
) -> None:
    store = Store(tmp_path / "thing.store", "thing-1")
    store.write("me", {"plain": "data"})
    store.path.write_bytes(damage(store.path.read_bytes()))
    assert store.read("me") is None
    assert store.read("me") is None  # and the second reader has nothing to say
    ((level, message),) = _log(caplog)
    assert level == "WARNING" and str(store.path) in message and "damaged" in message
    assert not store.path.exists()


def test_a_file_that_would_run_code_runs_none(tmp_path: Path, caplog) -> None:
    marker = tmp_path / "ran"
    store = Store(tmp_path / "thing.store", "thing-1")

    class RunsCode:
        def __reduce__(self):
            return (Path.touch, (marker,))

    store.write("me", {"x": RunsCode()})  # sealed as the store seals anything
    assert store.read("me") is None
    assert not marker.exists()
    assert "cannot be read" in _log(caplog)[0][1]


def test_data_of_another_shape_reads_as_absent(tmp_path: Path) -> None:
    store = Store(tmp_path / "thing.store", "thing-1")
    store.write("me", {"a.html": ("fingerprint", 1, True)})
    assert store.read("me", {str: (str, int, int)}) is None
    store.write("me", {"a.html": ("fingerprint", 1, 2)})
    assert store.read("me", {str: (str, int, int)}) == {"a.html": ("fingerprint", 1, 2)}


@pytest.mark.parametrize(
    ("data", "shape", "expected"),
    [
        ((), (str, ...), True),
        (("a", "b"), (str, ...), True),
        (["a"], (str, ...), False),
        (("a", 1), (str, int), True),
        (("a",), (str, int), False),
        ((True,), (int,), False),
        ([1, 2], [int], True),
        ({"k": None}, {str: str | None}, True),
        ({"k": 1}, {str: str | None}, False),
        ({1: "v"}, {str: str}, False),
        (object(), object, True),
        # A mapping's keys and values, and a tuple shape's columns, are checked as wholes.
        ({"a": ("x", 1, 2), "b": ("y", 3, 4)}, {str: (str, int, int)}, True),
        ({"a": ("x", 1, 2), "b": ("y", 3, True)}, {str: (str, int, int)}, False),
        ({"a": ("x", 1, 2), "b": ("y", 3)}, {str: (str, int, int)}, False),
        ({"a": ("x", 1, 2), "b": ["y", 3, 4]}, {str: (str, int, int)}, False),
        ({"a": ("x", None)}, {str: (str, int | None)}, True),
        ({"a": ("x", "1")}, {str: (str, int | None)}, False),
        ({}, {str: (str, int, int)}, True),
        ([("a", ("b", "c"))], [(str, (str, ...))], True),
        ([("a", ("b", 1))], [(str, (str, ...))], False),
        ([[1], [2, "x"]], [[int]], False),
    ],
)
def test_shapes(data, shape, expected: bool) -> None:
    assert conforms(data, shape) is expected


def test_a_store_that_cannot_be_written_only_is_not_kept(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    store = Store(blocker / "thing.store", "thing-1")
    store.write("me", "data")  # the folder cannot be made: nothing raised
    assert store.read("me") is None


def test_each_site_and_output_folder_has_stores_of_its_own(tmp_path: Path) -> None:
    one = BuildStores.of(tmp_path / "site", tmp_path / "site/output", tmp_path / "cache")
    served = BuildStores.of(tmp_path / "site", tmp_path / "served", tmp_path / "cache")
    other = BuildStores.of(tmp_path / "other", tmp_path / "other/output", tmp_path / "cache")
    assert len({one.folder, served.folder, other.folder}) == 3
    assert {one.root, served.root, other.root} == {tmp_path / "cache"}
    assert one.folder.parent == tmp_path / "cache/build"
    default = BuildStores.of(tmp_path / "site", tmp_path / "site/output")
    assert default.root == tmp_path / "site/.cache/badgesite"


def test_a_new_version_of_a_library_is_a_new_code_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = code_identity.library_versions()
    before = code_identity.code_fingerprint.__wrapped__()
    assert "pillow none" not in versions and "pyyaml none" not in versions
    shadow = tmp_path / "site-packages"
    (shadow / "pillow-99.1.dist-info").mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(shadow), *sys.path])
    assert "pillow 99.1" in code_identity.library_versions()
    assert code_identity.code_fingerprint.__wrapped__() != before


def test_every_cache_hashes_with_the_one_hash() -> None:
    """hashlib is called in one place of the caches and the images they keep."""
    package = Path(code_identity.__file__).parents[1]
    users = sorted(
        path.relative_to(package).as_posix()
        for folder in ("cache", "images")
        for path in (package / folder).glob("*.py")
        if "hashlib" in path.read_text()
    )
    assert users == ["cache/code_identity.py"]
