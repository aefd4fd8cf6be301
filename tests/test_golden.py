"""Golden test: the small fixture site builds to exactly the files in tests/golden/expected.

After an intended change to the output, refresh the expected files with:

    BADGESITE_REFRESH_GOLDEN=1 python3 -m pytest tests/test_golden.py

and review the diff with `git diff tests/golden/expected` before committing it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from badgesite.build import build
from helpers import FIXED_NOW, GOLDEN_SIGNING_KEY, GOLDEN_SITE, REPO, tree_bytes

EXPECTED = REPO / "tests" / "golden" / "expected"


def test_golden_site_matches_expected_files(tmp_path: Path) -> None:
    output = tmp_path / "output"
    # Made afresh (an empty cache), and frozen: content/published-awards.txt, the status
    # indices and public keys must be up to date (samples, drafts and private earners'
    # awards left out), never rewritten; signed with the golden test key, as CI would.
    build(
        GOLDEN_SITE,
        output,
        now=FIXED_NOW,
        frozen=True,
        cache_dir=tmp_path / "cache",
        signing_key=GOLDEN_SIGNING_KEY,
    )
    if os.environ.get("BADGESITE_REFRESH_GOLDEN"):
        shutil.rmtree(EXPECTED, ignore_errors=True)
        shutil.copytree(output, EXPECTED)
    actual = tree_bytes(output)
    expected = tree_bytes(EXPECTED)
    assert sorted(actual) == sorted(expected), "the set of output files changed"
    for path, data in expected.items():
        assert actual[path] == data, f"{path} differs from tests/golden/expected/{path}"
