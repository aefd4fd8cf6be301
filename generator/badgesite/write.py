"""Writing: the new build made complete beside output/, then swapped in whole."""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import errno
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from badgesite.cache.build_cache import BuildCache, FileState, Generation
from badgesite.errors import BuildError
from badgesite.outputs import BUILD_MARKER, Rendered
from badgesite.primitives.atomic import write_atomic

try:
    import fcntl
except ImportError:  # not POSIX: no folder locks
    fcntl = None  # type: ignore[assignment]


@dataclass(frozen=True)
class WriteReport:
    files: int
    bytes: int
    removed: int = 0
    generation: Generation | None = None  # what output/ now holds (None: not written)


SOURCE_FOLDERS = ("content", "themes", "templates", ".git")


def check_output_dir(output_dir: Path, site_dir: Path) -> None:
    """Refuse an output folder whose replacement would destroy something that is not a build.

    A build swaps the whole folder out: pointed at the site itself, at content/ or at a home
    folder, that would delete them.
    """
    output = output_dir.resolve()
    site = site_dir.resolve()
    if site.is_relative_to(output):
        raise BuildError(f"refusing to write the site into {output_dir}: it holds the site itself")
    for name in SOURCE_FOLDERS:
        if output.is_relative_to(site / name):
            raise BuildError(
                f"refusing to write the site into {output_dir}: it is inside the site's {name}/"
            )
    if output.is_dir() and any(output.iterdir()) and not (output / BUILD_MARKER).exists():
        raise BuildError(
            f"refusing to replace {output_dir}: it is not empty and is not a badgesite build "
            f"(no {BUILD_MARKER}); remove it yourself or choose another --output"
        )


@dataclass(frozen=True, slots=True)
class StagedFile:
    """One output as it stands in the staging folder, and so in output/ once swapped in
    (a rename keeps size and modification time); changed: its bytes differ from those the
    previous output/ held (False: the previous file itself is linked in)."""

    path: str
    state: FileState
    changed: bool


class Staging:
    """A private folder in which the complete new build is made, so that output/ is at
    every moment one complete build: the previous one until the staging folder takes its
    place in one atomic exchange, then the new one.

    Outputs are written into it as they are rendered, so no build holds all its bytes in
    memory. Forked workers may stage files side by side: each writes only its own paths.
    The folder stays locked while this process (or a worker) lives, so the next build's
    clean-up of leftovers (recover) removes it only once its build is gone.

    An incremental build makes it one of two ways. Where the previous build's own previous
    build was kept (the folder `kept`, in the cache folder: see _claim), that folder is
    brought up to date: the files the previous build wrote or removed are linked over from
    output/ or removed, then this build's are written, each as a new file renamed into
    place (a file is never changed where it stands: output/ shares most of them). Else a
    new folder beside output/ is made, and the files of output/ that stay as they are are
    hard-linked into it (a link costs no copy and keeps the file's state, so the build
    cache still describes it). Either way the folder output/ held then takes the kept
    folder's place, for the next build.
    """

    def __init__(
        self,
        output_dir: Path,
        previous: BuildCache | None = None,
        kept: Path | None = None,
        gone: Iterable[str] = (),
    ) -> None:
        self.output_dir = output_dir.absolute()
        self.previous = previous
        self.incremental = previous is not None
        self.gone = tuple(gone)
        self.output_dir.parent.mkdir(parents=True, exist_ok=True)
        if self.output_dir.exists() and not self.output_dir.is_dir():
            raise BuildError(f"{output_dir} exists and is not a folder")
        self.kept = _on_the_same_device(kept, self.output_dir.parent)
        self._output_inode = _inode(self.output_dir)
        self._folders: set[str] = set()  # made in this process (each worker has its own)
        self._lock = self._claim()
        self.reused = self._lock is not None
        if self.reused:
            assert self.kept is not None
            self.folder = self.kept
        else:
            self.folder = Path(
                tempfile.mkdtemp(dir=self.output_dir.parent, prefix=_leftover_prefix(output_dir))
            )
            self._lock = _lock_folder(self.folder)
        self._given_up = False  # the folder was kept or removed: discard leaves it

    def stage(self, item: Rendered) -> StagedFile:
        target = os.path.join(self.folder, item.path)
        self._make_folder(os.path.dirname(target))
        if self.incremental:
            data = item.data if item.data is not None else _read(item.source_file)
            current = os.path.join(self.output_dir, item.path)
            if _same_bytes(Path(current), data):
                if not self.reused:
                    return StagedFile(item.path, _keep(current, target), changed=False)
                if not _same_file(current, target):
                    _link_over(current, target)
                return StagedFile(item.path, FileState.of(target) or _vanished(current), False)
            if self.reused:
                return StagedFile(item.path, _replace(target, data), changed=True)
            item = Rendered(item.path, data=data)
        if item.data is not None:
            status = _write_new(target, item.data)
        elif item.source_file is not None:
            shutil.copyfile(item.source_file, target)
            status = os.stat(target)
        else:
            raise BuildError(f"{item.path}: an output has neither bytes nor a file to copy")
        return StagedFile(item.path, FileState.of_status(status), changed=True)

    def _make_folder(self, folder: str) -> None:
        # Most outputs share their folder with others: ask the file system once per folder.
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)

    def publish(self, staged: Iterable[StagedFile], unchanged: Iterable[str] = ()) -> WriteReport:
        """Complete the new build (with the unchanged files of output/, unless the kept
        build already has them) and swap it in whole; the build output/ held is kept for
        the next build when it can be trusted, else removed.

        The report's removed counts the files of output/ that the new build no longer has.
        """
        staged = list(staged)
        changed = [item for item in staged if item.changed]
        removed = sum(os.path.lexists(os.path.join(self.output_dir, path)) for path in self.gone)
        try:
            if not self.reused:  # (the kept build has them, and dropped the gone ones)
                for path in unchanged:
                    target = os.path.join(self.folder, path)
                    self._make_folder(os.path.dirname(target))
                    _carry_over(os.path.join(self.output_dir, path), target)
            sealed = _sealed(self.kept.parent) if self.kept is not None else None
            _swap_in(self.folder, self.output_dir)
            generation = Generation(secrets.token_hex(8), sealed)
            if self._keep_previous():
                assert self.previous is not None and self.previous.generation is not None
                changes = (*(item.path for item in changed), *self.gone)
                generation = dataclasses.replace(
                    generation,
                    kept=self.previous.generation.name,
                    kept_sealed_ns=self.previous.generation.sealed_ns,
                    changes=tuple(sorted(set(changes))),
                )
        finally:
            self.discard()  # after the swap it holds the previous build, unless kept
        return WriteReport(
            len(changed), sum(item.state.size for item in changed), removed, generation
        )

    def discard(self) -> None:
        if not self._given_up:
            shutil.rmtree(self.folder, ignore_errors=True)
            self._given_up = True
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def _claim(self) -> int | None:
        """Lock the kept folder and bring it up to date with output/, when the build cache
        says which build it holds and it holds exactly that; None (having removed it)
        when anything is doubtful: the build then makes a new folder."""
        kept, previous = self.kept, self.previous
        if kept is None:
            return None
        generation = previous.generation if previous is not None else None
        if not os.path.isdir(kept):
            return None
        lock = _lock_folder(kept, wait=False)
        if lock is None:
            return None  # another build holds it (or there are no locks: never trusted)
        try:
            if (
                previous is None
                or generation is None
                or generation.kept is None
                or _kept_generation(kept) != generation.kept
                or os.fstat(lock).st_ino != _inode(kept)
                or not _untouched(kept, generation.kept_sealed_ns, previous, generation)
            ):
                raise _Doubtful
            _kept_marker(kept).unlink()  # from here on it is being changed
            self._bring_up_to_date(generation.changes)
        except (_Doubtful, OSError):
            _kept_marker(kept).unlink(missing_ok=True)
            shutil.rmtree(kept, ignore_errors=True)
            os.close(lock)
            return None
        return lock

    def _bring_up_to_date(self, changes: Iterable[str]) -> None:
        """Make the kept folder (the build before the previous one) what output/ is: link
        over what the previous build wrote and remove what it removed (removals first, so
        that a file may become a folder or the reverse), then remove what this build drops
        (before it writes anything, for the same reason)."""
        assert self.kept is not None
        written, removed = [], []
        for path in changes:
            current = os.path.join(self.output_dir, path)
            (written if os.path.isfile(current) else removed).append(path)
        for path in removed:
            self._remove(path)
        for path in written:
            target = os.path.join(self.kept, path)
            self._make_folder(os.path.dirname(target))
            _link_over(os.path.join(self.output_dir, path), target)
        for path in self.gone:
            self._remove(path)

    def _remove(self, path: str) -> None:
        """Remove a file of the folder, then its folders left empty (a clean build has none)."""
        assert self.kept is not None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(self.kept, path))
        folder = os.path.dirname(path)
        while folder:
            absolute = os.path.join(self.kept, folder)
            try:
                os.rmdir(absolute)
            except OSError:  # not empty (or already gone)
                break
            self._folders.discard(absolute)
            folder = os.path.dirname(folder)

    def _keep_previous(self) -> bool:
        """After the swap: keep the build output/ held (now in self.folder) as the kept
        folder, when the next build can trust it; False, leaving it to be removed."""
        previous = self.previous
        kept = self.kept
        if (
            kept is None
            or previous is None
            or previous.generation is None
            or previous.generation.sealed_ns is None
            or self._output_inode is None
            or _inode(self.folder) != self._output_inode
        ):
            return False
        lock = _lock_folder(self.folder, wait=False)
        if lock is None:
            return False
        try:
            if not self.reused:
                os.rename(self.folder, kept)  # fails when another build keeps one
            write_atomic(
                _kept_marker(kept),
                json.dumps({"generation": previous.generation.name}).encode(),
            )
        except OSError:
            return False
        finally:
            os.close(lock)
        self._given_up = True
        return True


class _Doubtful(Exception):
    """The kept folder is not known to hold the build the cache says."""


def _kept_marker(kept: Path) -> Path:
    """Beside the kept folder: the build it holds, there only while it holds exactly that."""
    return kept.with_name(kept.name + ".json")


def _kept_generation(kept: Path) -> str | None:
    try:
        found = json.loads(_kept_marker(kept).read_bytes())
        return str(found["generation"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _untouched(
    kept: Path, sealed_ns: int | None, previous: BuildCache, generation: Generation
) -> bool:
    """Whether no folder of the kept build changed since its build sealed it: nothing was
    added to it or removed by hand, while it was output/ or since (a file changed where
    it stands is told by its state in the build cache, as for output/).

    Its folders are among those of the previous build's files (previous.folders when a
    kept build state knows them) and of its changes; its own folder's contents are told
    by its modification time (a rename changes only its status time), the others'
    contents and permissions by their status time. This is a status call per folder:
    nothing cheaper tells a file added by hand anywhere in it.
    """
    if sealed_ns is None:
        return False
    if os.stat(kept).st_mtime_ns > sealed_ns:
        return False
    if previous.folders is None:
        folders: Iterable[str] = folders_of((*previous.entries, *generation.changes))
    else:
        folders = folders_with(previous.folders, generation.changes)
    root = str(kept)
    for folder in folders:
        try:
            status = os.stat(f"{root}/{folder}")
        except FileNotFoundError:
            continue  # made by the previous build: then its parent changed
        if status.st_ctime_ns > sealed_ns:
            return False
    return True


def folders_of(paths: Iterable[str]) -> frozenset[str]:
    """Every folder (relative, the root excluded) holding one of the paths."""
    parents = {path.rpartition("/")[0] for path in paths}
    folders: set[str] = set()
    for folder in parents:
        while folder and folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    return frozenset(folders)


def folders_with(folders: frozenset[str], paths: Iterable[str]) -> frozenset[str]:
    """folders, with every folder holding one of the paths (the same set when it has them
    all, as it has after most builds: no copy then)."""
    more = folders_of(paths)
    return folders if more <= folders else folders | more


def _sealed(folder: Path) -> int | None:
    """The file system's present time, after waiting for its clock to tick (so that
    whatever changes from now on gets a later time than anything changed before); None
    when it does not tick within a few milliseconds (a file system of coarse times)."""
    probe = folder / "sealed.probe"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.touch()
        sealed = os.stat(probe).st_mtime_ns
        deadline = time.monotonic() + 0.05
        while time.monotonic() < deadline:
            os.utime(probe)
            if os.stat(probe).st_mtime_ns > sealed:
                return sealed
            time.sleep(0.0002)
    except OSError:
        pass
    return None


def _inode(path: Path | str) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def _on_the_same_device(kept: Path | None, place: Path) -> Path | None:
    """kept, when it can be renamed to and from place (the same file system), else None."""
    if kept is None:
        return None
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        if os.stat(kept.parent).st_dev == os.stat(place).st_dev:
            return kept.absolute()
    except OSError:
        pass
    return None


def _same_file(first: str, second: str) -> bool:
    try:
        one, other = os.stat(first), os.stat(second)
    except OSError:
        return False
    return (one.st_ino, one.st_dev) == (other.st_ino, other.st_dev)


def _link_over(current: str, target: str) -> None:
    """A file of output/ linked (or copied) to a new name beside target, then renamed over
    it: the file target was is never changed where it stands."""
    temporary = _temporary_beside(target)
    _carry_over(current, temporary)
    os.replace(temporary, target)


def _replace(target: str, data: bytes) -> FileState:
    """A new file of data at target, made beside it and renamed over it."""
    temporary = _temporary_beside(target)
    status = _write_new(temporary, data)
    os.replace(temporary, target)
    return FileState.of_status(status)


def _temporary_beside(target: str) -> str:
    folder, name = os.path.split(target)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.badgesite-new")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)  # left by a process killed with this one's number
    return temporary


def _vanished(path: str) -> FileState:
    raise BuildError(f"{path} vanished while the site was being built")


def _keep(current: str, target: str) -> FileState:
    """Carry a file of output/ over into the staging folder; what it now looks like."""
    _carry_over(current, target)
    return FileState.of_status(os.stat(target))


def _carry_over(current: str, target: str) -> None:
    """A file of output/ into the staging folder as it is: a hard link, or a copy with its
    modification time where the file system has no hard links."""
    try:
        os.link(current, target, follow_symlinks=False)
    except FileNotFoundError:
        raise BuildError(f"{current} vanished while the site was being built") from None
    except OSError:
        shutil.copy2(current, target, follow_symlinks=False)


# Leftovers of a build beside output/: the staging folder (.output.staging-*), and of
# earlier versions of badgesite, the changed files of a rebuild (.output.changes-*) and a
# retired output/ (.output.old-*).
_LEFTOVER_KINDS = ("staging-", "changes-", "old-")


def _leftover_prefix(output_dir: Path, kind: str = "staging-") -> str:
    return f".{output_dir.name}.{kind}"


def _swap_marker(output_dir: Path) -> Path:
    """Written while output/ is swapped by two renames: the next build finishes the swap."""
    return output_dir.parent / f".{output_dir.name}.swap"


def _swap_in(staging: Path, output_dir: Path) -> None:
    """Make staging the new output/; staging then holds the previous build, if any.

    Where the system can exchange two folders atomically (Linux), output/ never stops being
    a complete build. Elsewhere two renames leave a moment without output/ (never a mixed
    one), and a marker says which folders to finish the swap with should the build die then.
    """
    os.chmod(staging, 0o755)  # mkdtemp makes it private; a static host must read it
    if not output_dir.exists():
        os.rename(staging, output_dir)
        return
    if _exchange(staging, output_dir):
        return
    retired = Path(
        tempfile.mkdtemp(dir=output_dir.parent, prefix=_leftover_prefix(output_dir, "old-"))
    )
    retired.rmdir()
    marker = _swap_marker(output_dir)
    # The staging folder is beside output/, or it is the kept folder (named whole).
    new = staging.name if staging.parent == output_dir.parent else str(staging)
    write_atomic(marker, json.dumps({"new": new, "previous": retired.name}).encode())
    os.rename(output_dir, retired)
    try:
        os.rename(staging, output_dir)
    except BaseException:
        os.rename(retired, output_dir)
        marker.unlink()
        raise
    os.rename(retired, staging)  # so that discard() removes the previous build
    marker.unlink()


_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100
_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM}


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 with RENAME_EXCHANGE); False when
    the system or the file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):  # a C library older than glibc 2.28, or none
        return False
    renameat2.argtypes = (
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    )
    renameat2.restype = ctypes.c_int
    if (
        renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
        == 0
    ):
        return True
    number = ctypes.get_errno()
    if number in _UNSUPPORTED:
        return False
    raise OSError(number, os.strerror(number), str(second))


def recover(output_dir: Path, kept: Path | None = None) -> None:
    """Repair what a build killed while writing left behind: finish a swap cut short
    between its two renames, and remove every staging folder no living build holds, and
    the kept folder when it is not known to hold a build (a build died changing it)."""
    output_dir = output_dir.absolute()
    kept = kept.absolute() if kept is not None else None
    marker = _swap_marker(output_dir)
    if marker.exists():
        try:
            swap = json.loads(marker.read_bytes())
            names = [swap["new"], swap["previous"]]  # the new build is complete: finish
        except (OSError, ValueError, KeyError, TypeError):
            names = []
        if not output_dir.exists():
            for name in map(str, names):
                if kept is not None and name == str(kept):
                    candidate = kept
                elif "/" not in name:
                    candidate = output_dir.parent / name
                else:
                    continue
                if candidate.is_dir():
                    os.rename(candidate, output_dir)
                    break
        marker.unlink()
    if kept is not None:
        _recover_kept(kept)
    prefixes = tuple(_leftover_prefix(output_dir, kind) for kind in _LEFTOVER_KINDS)
    # A marker's own temporary file, when the build died while writing it.
    prefixes += (f".{marker.name}.",)
    try:
        entries = list(os.scandir(output_dir.parent))
    except FileNotFoundError:
        return
    for entry in entries:
        if not entry.name.startswith(prefixes) or entry.is_symlink():
            continue
        if not entry.is_dir():
            Path(entry.path).unlink(missing_ok=True)
            continue
        lock = _lock_folder(Path(entry.path), wait=False)
        if lock is None and fcntl is not None:
            continue  # its build is still running
        try:
            shutil.rmtree(entry.path, ignore_errors=True)
        finally:
            if lock is not None:
                os.close(lock)


def _recover_kept(kept: Path) -> None:
    if not kept.is_dir():
        _kept_marker(kept).unlink(missing_ok=True)
        return
    lock = _lock_folder(kept, wait=False)
    if lock is None and fcntl is not None:
        return  # a build is using it
    try:
        if _kept_generation(kept) is None:
            shutil.rmtree(kept, ignore_errors=True)
    finally:
        if lock is not None:
            os.close(lock)


def _lock_folder(folder: Path, wait: bool = True) -> int | None:
    """An open descriptor holding an exclusive lock on folder, or None when another process
    holds it (or the system has no such locks). The lock ends with the process."""
    if fcntl is None:
        return None
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


def _write_new(path: str, data: bytes) -> os.stat_result:
    """Write a file that must not exist yet (the staging folder is new and private)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        return os.fstat(descriptor)
    finally:
        os.close(descriptor)


def _read(path: Path | None) -> bytes:
    if path is None:
        raise BuildError("an output has neither bytes nor a file to copy")
    return path.read_bytes()


def _same_bytes(target: Path, data: bytes) -> bool:
    try:
        if target.stat().st_size != len(data):
            return False
        return target.read_bytes() == data
    except OSError:
        return False
