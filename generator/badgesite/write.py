"""Writing: the new build made complete beside output/, then swapped in whole."""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from badgesite.cache.build_cache import FileState
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
    """A private folder beside output/ in which the complete new build is made, so that
    output/ is at every moment one complete build: the previous one until the staging
    folder takes its place in one atomic exchange, then the new one.

    Outputs are written into it as they are rendered, so no build holds all its bytes in
    memory. An incremental build hard-links into it the files of output/ that stay as
    they are (a link costs no copy and keeps the file's state, so the build cache still
    describes it). Forked workers may stage files side by side: each writes only its own
    paths. The folder stays locked while this process (or a worker) lives, so the next
    build's clean-up of leftovers (recover) removes it only once its build is gone.
    """

    def __init__(self, output_dir: Path, incremental: bool) -> None:
        self.output_dir = output_dir.absolute()
        self.incremental = incremental
        self.output_dir.parent.mkdir(parents=True, exist_ok=True)
        if self.output_dir.exists() and not self.output_dir.is_dir():
            raise BuildError(f"{output_dir} exists and is not a folder")
        self.folder = Path(
            tempfile.mkdtemp(dir=self.output_dir.parent, prefix=_leftover_prefix(output_dir))
        )
        self._lock = _lock_folder(self.folder)
        self._folders: set[str] = set()  # made in this process (each worker has its own)

    def stage(self, item: Rendered) -> StagedFile:
        target = os.path.join(self.folder, item.path)
        self._make_folder(os.path.dirname(target))
        if self.incremental:
            data = item.data if item.data is not None else _read(item.source_file)
            current = os.path.join(self.output_dir, item.path)
            if _same_bytes(Path(current), data):
                return StagedFile(item.path, _keep(current, target), changed=False)
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

    def publish(
        self, staged: Iterable[StagedFile], unchanged: Iterable[str] = (), removed: int = 0
    ) -> WriteReport:
        """Complete the new build with the unchanged files of output/, then swap it in whole.

        removed: how many files of output/ the new build no longer has (reported only:
        they are simply not carried over). The staging folder is gone afterwards.
        """
        changed = [item for item in staged if item.changed]
        try:
            for path in unchanged:
                target = os.path.join(self.folder, path)
                self._make_folder(os.path.dirname(target))
                _carry_over(os.path.join(self.output_dir, path), target)
            _swap_in(self.folder, self.output_dir)
        finally:
            self.discard()  # after the swap it holds the previous build
        return WriteReport(len(changed), sum(item.state.size for item in changed), removed)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


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
    write_atomic(marker, json.dumps({"new": staging.name, "previous": retired.name}).encode())
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


def recover(output_dir: Path) -> None:
    """Repair what a build killed while writing left behind: finish a swap cut short
    between its two renames, and remove every staging folder no living build holds."""
    output_dir = output_dir.absolute()
    marker = _swap_marker(output_dir)
    if marker.exists():
        try:
            swap = json.loads(marker.read_bytes())
            names = [swap["new"], swap["previous"]]  # the new build is complete: finish
        except (OSError, ValueError, KeyError, TypeError):
            names = []
        if not output_dir.exists():
            for name in names:
                candidate = output_dir.parent / str(name)
                if "/" not in str(name) and candidate.is_dir():
                    os.rename(candidate, output_dir)
                    break
        marker.unlink()
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
