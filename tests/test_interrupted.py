"""A build killed with SIGKILL at any moment: output/ is always one complete build."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from badgesite.build import build
from helpers import FIXED_NOW, GOLDEN_SITE, REPO, tree_bytes
from test_incremental import _replace_line

# Runs `badgesite build` with every call that changes the file system announced on stdout
# ("step <first argument>"), each waiting for a "go" line: the test kills the process
# just before the step it picked, which reaches every state a build passes through.
HARNESS = r"""
import os
import sys

from badgesite import write

def announced(function):
    def wait_for_go(*args, **kwargs):
        sys.stdout.write(f"step {args[0] if args else ''}\n")
        sys.stdout.flush()
        if sys.stdin.readline() != "go\n":
            os._exit(3)
        return function(*args, **kwargs)
    return wait_for_go

for name in ("replace", "rename", "link", "unlink", "rmdir"):
    setattr(os, name, announced(getattr(os, name)))
if os.environ.get("TEST_NO_EXCHANGE"):
    write._exchange = lambda first, second: False  # as on a system without renameat2
elif hasattr(write, "_exchange"):
    write._exchange = announced(write._exchange)

from badgesite.cli import main

main(["build", "--site", sys.argv[1], "--cache-dir", sys.argv[2]])
"""

SECONDS = str(int(FIXED_NOW.timestamp()))
KEPT = "previous-build"  # the kept previous build, in the cache folder (BuildStores.kept)


def _environment(exchange: bool) -> dict[str, str]:
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO / "generator"),
        "SOURCE_DATE_EPOCH": SECONDS,
    }
    environment.pop("CI", None)
    if not exchange:
        environment["TEST_NO_EXCHANGE"] = "1"
    return environment


def _edit(site: Path, version: int) -> None:
    """Version 1 and 2 of the site: every page shows the title, one award page more."""
    titles = {1: "Harbour Lab badges", 2: "Harbour Lab badges, renamed"}
    _replace_line(site / "content/site.yaml", "title", titles[version])
    _replace_line(site / "content/earners/ada.yaml", "headline", f"Maker version {version}")


def _leftovers(site: Path) -> list[str]:
    return sorted(name for name in os.listdir(site) if name.startswith((".output.", "..output.")))


def _build(site: Path, images: Path) -> None:
    build(site, now=FIXED_NOW, cache_dir=images, processes=1)


def _killed_at(site: Path, images: Path, step: int | None, exchange: bool) -> list[str]:
    """Run the announcing build, kill it just before step (None: let it finish); the
    steps it announced."""
    process = subprocess.Popen(
        [sys.executable, "-c", HARNESS, str(site), str(images)],
        env=_environment(exchange),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    steps: list[str] = []
    try:
        for line in process.stdout:
            if not line.startswith("step "):
                continue
            steps.append(line[5:].rstrip("\n"))
            if len(steps) == step:
                process.send_signal(signal.SIGKILL)
                break
            process.stdin.write("go\n")
            process.stdin.flush()
    finally:
        process.wait(timeout=120)
    if step is None or len(steps) < step:
        error = process.stderr.read() if process.stderr else ""
        assert process.returncode == 0, error
    return steps


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("image-cache")


@pytest.fixture(scope="module")
def complete_builds(tmp_path_factory, images) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Every file of a clean build of version 1 of the site, and of version 2."""
    found = []
    for version in (1, 2):
        site = tmp_path_factory.mktemp(f"version-{version}") / "site"
        shutil.copytree(GOLDEN_SITE, site)
        _edit(site, version)
        _build(site, images)
        found.append(tree_bytes(site / "output"))
    assert found[0] != found[1]
    return found[0], found[1]


@pytest.mark.slow
@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
@pytest.mark.parametrize("seed", [1])  # every step of the swap is hit for any seed
def test_a_build_killed_at_any_step_leaves_one_complete_build(
    tmp_path, images, complete_builds, exchange: bool, seed: int
) -> None:
    old, new = complete_builds
    site = tmp_path / "site"
    shutil.copytree(GOLDEN_SITE, site)
    _edit(site, 1)
    _build(site, images)
    # Two rebuilds, so that the next one makes its build from the kept previous build.
    for version in (2, 1):
        _edit(site, version)
        _build(site, images)
    # One uninterrupted run of the incremental rebuild, to learn its steps.
    _edit(site, 2)
    steps = _killed_at(site, images, None, exchange)
    assert tree_bytes(site / "output") == new
    _edit(site, 1)
    _build(site, images)
    writing = [
        number
        for number, argument in enumerate(steps, 1)
        if "/.output." in argument or "/output" in argument or KEPT in argument
    ]
    # The kept build brought up to date: it links over, renames and removes files.
    updating = [number for number, argument in enumerate(steps, 1) if f"/{KEPT}/" in argument]
    assert updating, steps
    # The swap itself, every time: the steps that move a whole folder (the staging folder,
    # the kept folder or output/), and the step after each.
    swapping = [
        number
        for number, argument in enumerate(steps, 1)
        if re.search(rf"/(\.output\.(staging|old)-[^/]+|output|{KEPT})$", argument)
    ]
    assert swapping, steps
    chosen = random.Random(seed)
    # Then some anywhere in the build, and more among the steps that write output/ or beside it.
    picks = sorted({*swapping, *(number + 1 for number in swapping if number < len(steps))})
    picks += [chosen.randint(1, len(steps)) for _ in range(3)]
    picks += [chosen.choice(writing) for _ in range(3)]
    picks += [updating[0], *(chosen.choice(updating) for _ in range(2))]
    absent = 0
    for step in picks:
        _edit(site, 2)
        _killed_at(site, images, step, exchange)
        output = site / "output"
        if exchange or output.exists():
            found = tree_bytes(output)
            assert found in (old, new), (step, steps[step - 1], sorted(set(found) ^ set(new)))
        else:
            absent += 1
        # The next build repairs whatever the killed one left, and leaves nothing behind.
        _build(site, images)
        assert tree_bytes(output) == new, (step, steps[step - 1])
        assert _leftovers(site) == [], (step, steps[step - 1])
        _edit(site, 1)
        _build(site, images)
        assert tree_bytes(output) == old
        assert _leftovers(site) == []
    # Two renames leave a moment without output/ (between them); one kill landed there.
    assert absent == 0 if exchange else absent >= 1


@pytest.mark.slow
def test_a_build_killed_at_a_random_moment_leaves_one_complete_build(
    tmp_path, images, complete_builds
) -> None:
    """No announcing: real kills at moments drawn over a whole rebuild's run time."""
    old, new = complete_builds
    site = tmp_path / "site"
    shutil.copytree(GOLDEN_SITE, site)
    _edit(site, 1)
    _build(site, images)
    command = [sys.executable, "-m", "badgesite", "build", "--site", str(site)]
    command += ["--cache-dir", str(images)]
    chosen = random.Random(7)
    duration = None
    for _ in range(6):
        _edit(site, 2)
        started = time.monotonic()
        process = subprocess.Popen(command, env=_environment(True), stdout=subprocess.DEVNULL)
        if duration is None:  # the first run is timed, to know when to kill the others
            assert process.wait(timeout=120) == 0
            duration = time.monotonic() - started
        else:
            time.sleep(chosen.uniform(0, duration))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=120)
        assert tree_bytes(site / "output") in (old, new)
        _build(site, images)
        assert tree_bytes(site / "output") == new
        assert _leftovers(site) == []
        _edit(site, 1)
        _build(site, images)
