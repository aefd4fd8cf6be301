"""Writing: a staging folder swapped in for output/, or only the changed files applied."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from badgesite.atomic import default_file_mode, write_atomic
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


def write_site(output_dir: Path, files: Iterable[Rendered]) -> WriteReport:
    """Fill a fresh staging folder beside output_dir, then swap it into place.

    Whatever fails before the swap, output_dir stays exactly as it was.
    """
    output_dir = output_dir.absolute()
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    if output_dir.exists() and not output_dir.is_dir():
        raise BuildError(f"{output_dir} exists and is not a folder")
    staging = Path(tempfile.mkdtemp(dir=output_dir.parent, prefix=f".{output_dir.name}.staging-"))
    count = 0
    total = 0
    try:
        for item in files:
            target = staging / item.path
            target.parent.mkdir(parents=True, exist_ok=True)
            if item.data is not None:
                target.write_bytes(item.data)
                total += len(item.data)
            elif item.source_file is not None:
                shutil.copyfile(item.source_file, target)
                total += target.stat().st_size
            count += 1
        _swap_in(staging, output_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return WriteReport(count, total)


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


def apply_changes(
    output_dir: Path, files: Iterable[Rendered], removed: Iterable[str]
) -> WriteReport:
    """Update output_dir in place: write each file whose bytes differ (each through a rename,
    so no file is ever half-written), delete removed outputs and the folders they empty.

    Call it only once everything is rendered: then nothing can fail halfway but the disk.
    """
    output_dir = output_dir.absolute()
    mode = default_file_mode()  # as in a clean build, even where a file's mode was changed
    count = 0
    total = 0
    for item in files:
        target = output_dir / item.path
        data = item.data if item.data is not None else _read(item.source_file)
        if _same_bytes(target, data):
            continue
        write_atomic(target, data, mode)
        count += 1
        total += len(data)
    gone = 0
    for path in sorted(removed):
        target = output_dir / path
        try:
            target.unlink()
        except FileNotFoundError:
            continue
        gone += 1
        _prune_empty(target.parent, output_dir)
    return WriteReport(count, total, gone)


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
