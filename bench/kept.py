"""One award edited, rebuilt in one long-lived process that keeps its build state (as `serve`).

    python bench/kept.py SITE IMAGE_CACHE AWARD_FILE REPEAT

The library's SiteBuilder builds SITE (a real build: site.yaml is touched first), then
edits AWARD_FILE REPEAT times, rebuilding after each edit. It prints, as JSON, each
rebuild's seconds, outputs rendered and files written (bench/run.py takes the median).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import touch_text

from badgesite.build import BuildOptions, SiteBuilder


def main() -> None:
    site, images, award = (Path(argument) for argument in sys.argv[1:4])
    repeat = int(sys.argv[4])
    an_hour_ago = time.time() - 3600
    os.utime(site / "content/site.yaml", (an_hour_ago, an_hour_ago))
    options = BuildOptions(site, site / "output", cache_dir=images).from_environment()
    builder = SiteBuilder(options)
    builder.build()
    runs = []
    for number in range(repeat):
        touch_text(award, r"Completed( \(\w+\))? the", f"Completed (kept{number}) the")
        started = time.perf_counter()
        report = builder.build()
        runs.append((time.perf_counter() - started, report.rendered, report.written))
    print(json.dumps(runs))


if __name__ == "__main__":
    main()
