"""Writing: outputs staged beside output/, then swapped in whole or only the changed moved in."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from badgesite.build_cache import FileState
from badgesite.errors import BuildError
from badgesite.render import Rendered


@dataclass(frozen=True)
class WriteReport:
    files: int
    bytes: int
    removed: int = 0


# Every build writes this file, so a folder holding it is one badgesite may replace.
BUILD_MARKER = ".nojekyll"
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
    """One output as it will stand in output/ (a rename keeps size and modification time),
    and whether it waits in the staging folder (False: output/ already has these bytes)."""

    path: str
    state: FileState
    waiting: bool


class Staging:
    """A private folder beside output/ that outputs are written into as they are rendered,
    so nothing reaches output/ until the whole build has succeeded, and no build holds
    all its bytes in memory.

    fresh: the folder becomes the new output/ (swapped in whole). Otherwise it holds only
    the outputs whose bytes differ from output/'s, each moved in by a rename.
    Forked workers may stage files side by side: each writes only its own paths.
    """

    def __init__(self, output_dir: Path, fresh: bool) -> None:
        self.output_dir = output_dir.absolute()
        self.fresh = fresh
        self.output_dir.parent.mkdir(parents=True, exist_ok=True)
        if self.output_dir.exists() and not self.output_dir.is_dir():
            raise BuildError(f"{output_dir} exists and is not a folder")
        kind = "staging" if fresh else "changes"
        self.folder = Path(
            tempfile.mkdtemp(dir=self.output_dir.parent, prefix=f".{self.output_dir.name}.{kind}-")
        )
        self._folders: set[str] = set()  # made in this process (each worker has its own)

    def stage(self, item: Rendered) -> StagedFile:
        target = os.path.join(self.folder, item.path)
        if not self.fresh:
            data = item.data if item.data is not None else _read(item.source_file)
            current = os.path.join(self.output_dir, item.path)
            if _same_bytes(Path(current), data):
                status = os.stat(current)
                return StagedFile(item.path, FileState.of_status(status), waiting=False)
            item = Rendered(item.path, data=data)
        self._make_folder(os.path.dirname(target))
        if item.data is not None:
            status = _write_new(target, item.data)
        elif item.source_file is not None:
            shutil.copyfile(item.source_file, target)
            status = os.stat(target)
        else:
            raise BuildError(f"{item.path}: an output has neither bytes nor a file to copy")
        return StagedFile(item.path, FileState.of_status(status), waiting=True)

    def _make_folder(self, folder: str) -> None:
        # Most outputs share their folder with others: ask the file system once per folder.
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)

    def publish(self, staged: Iterable[StagedFile], removed: Iterable[str] = ()) -> WriteReport:
        """Put the staged files in place and delete removed outputs (and the folders they
        empty); the staging folder is gone afterwards. A rename keeps a file's size and
        modification time, so each StagedFile still describes its file in output/."""
        waiting = [item for item in staged if item.waiting]
        written = sum(item.state.size for item in waiting)
        if self.fresh:
            try:
                _swap_in(self.folder, self.output_dir)
            except BaseException:
                self.discard()
                raise
            return WriteReport(len(waiting), written)
        try:
            for item in waiting:
                target = self.output_dir / item.path
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(self.folder / item.path, target)
            gone = 0
            for path in sorted(removed):
                target = self.output_dir / path
                try:
                    target.unlink()
                except FileNotFoundError:
                    continue
                gone += 1
                _prune_empty(target.parent, self.output_dir)
        finally:
            self.discard()
        return WriteReport(len(waiting), written, gone)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _swap_in(staging: Path, output_dir: Path) -> None:
    os.chmod(staging, 0o755)  # mkdtemp makes it private; a static host must read it
    if not output_dir.exists():
        os.replace(staging, output_dir)
        return
    retired = Path(tempfile.mkdtemp(dir=output_dir.parent, prefix=f".{output_dir.name}.old-"))
    retired.rmdir()
    os.replace(output_dir, retired)
    try:
        os.replace(staging, output_dir)
    except BaseException:
        os.replace(retired, output_dir)
        raise
    shutil.rmtree(retired, ignore_errors=True)


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


def _prune_empty(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
