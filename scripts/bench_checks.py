#!/usr/bin/env python3
"""Times the checks every build runs first against loading the records, on a generated site.

python3 scripts/bench_checks.py [AWARDS]      (default 10000; one file per award)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from badgesite.build import load_site
from badgesite.guards import published
from badgesite.guards.lints import lint_files, lint_site
from badgesite.openbadges.hashing import hash_identity

T = TypeVar("T")
GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "golden" / "site"


def generate(root: Path, awards: int) -> None:
    shutil.copytree(GOLDEN, root)
    earners = max(1, awards // 10)
    for index in range(earners):
        (root / f"content/earners/e{index}.yaml").write_text(f"name: Earner {index}\n")
    identity = hash_identity("someone@example.org", "salt")
    for index in range(awards):
        (root / f"content/awards/a{index}.yaml").write_text(
            f"# award {index}\nid: {uuid.uuid4()}\nbadge: soldering\nearner: e{index % earners}\n"
            f"recipient:\n  identity: {identity}\n  salt: salt\nissued_on: 2024-01-01\n"
            "narrative: Did *good* work.\n"
        )


def timed(label: str, action: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = action()
    print(f"{label:<14} {time.perf_counter() - started:6.2f} s")
    return result


def main() -> None:
    awards = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "site"
        generate(root, awards)
        print(f"{awards} awards")
        timed("lint_files", lambda: lint_files(root))
        site = timed("load_site", lambda: load_site(root))
        reconciliation = timed("reconcile", lambda: published.reconcile(site, frozen=False))
        timed("lint_site", lambda: lint_site(site, reconciliation))


if __name__ == "__main__":
    main()
