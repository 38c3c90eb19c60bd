"""Start-up benchmark: how long ``matdiff check`` takes on a small file, as a user runs it.

Run on demand (not a test): ``python bench/startup.py [--runs N]``.  Each run is a fresh
``python -m matdiff check FILE`` subprocess on a small valid document (the least-squares
example), timed from start to exit (wall clock, and the CPU time the child used, which a
busy machine distorts less); prints the median and the spread, then the same for a
bare ``python -c pass`` (the interpreter's own start-up, which no import choice can remove)
and the modules the check loaded that it should not need.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DOCUMENT = "W : matrix(m, n); x : vector(n); b : vector(m)\nloss = norm2(W*x + b)^2\n"
HEAVY = (
    "numpy",
    "lark",
    "pygls",
    "lsprotocol",
    "matdiff.engine.expr",
    "matdiff.services.derivatives",
)


def timed(argv: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (user + system) seconds of ``runs`` runs of ``argv`` (each must exit
    0).  CPU time is what a busy machine distorts least."""
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def report(label: str, times: tuple[list[float], list[float]]) -> None:
    for kind, values in zip(("wall", "cpu"), times, strict=True):
        ms = sorted(t * 1000 for t in values)
        print(f"{label:<28} {kind:<4} median {statistics.median(ms):6.1f} ms   "
              f"min {ms[0]:6.1f}   max {ms[-1]:6.1f}   ({len(ms)} runs)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "small.matdiff"
        path.write_text(DOCUMENT, encoding="utf-8")
        check = [sys.executable, "-m", "matdiff", "check", str(path)]
        timed(check, 2)  # warm the file cache (and lark's parser cache, if it has one)
        report("matdiff check (small file)", timed(check, args.runs))
        report("python -c pass", timed([sys.executable, "-c", "pass"], args.runs))
        code = (
            "import sys; from matdiff.cli import main; main(['check', sys.argv[1]]); "
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
        )
        loaded = subprocess.run([sys.executable, "-c", code, str(path)], check=True,
                                capture_output=True, text=True).stdout.split()  # fmt: skip
        print(f"loaded by check of {HEAVY}: {', '.join(loaded) or 'none'}")


if __name__ == "__main__":
    main()
