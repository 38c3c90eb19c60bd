"""The language server's start and its first syntax error (run on demand, not a test).

``python bench/lsp_startup.py [--runs 9] [--other SERVER_DIR]`` starts ``matdiff lsp`` afresh
for each run and times, from the client's side:

- start: from spawning the server to the answer to ``initialize``;
- open clean: ``didOpen`` of a small valid document right after ``initialized`` → its
  diagnostics (what the parser warm-up must not slow down);
- open broken: the same with a syntax error in the document (the parser is built then,
  unless it is already built);
- error later: a valid document, its diagnostics, a pause (``--pause`` s, a person reading),
  then an edit that makes a syntax error → that version's diagnostics (what the warm-up is
  for).

Each line gives the median and the range over the runs.  ``--other DIR`` runs the same
against another checkout's ``server`` directory (put first on the server's ``PYTHONPATH``),
for a before/after comparison on the same machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

_spec = importlib.util.spec_from_file_location("bench_lsp", Path(__file__).with_name("lsp.py"))
assert _spec is not None and _spec.loader is not None
bench_lsp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_lsp)
URI = bench_lsp.URI

CLEAN = "W : matrix(m, n); x : vector(n); b : vector(m)\nloss = norm2(W*x + b)^2\n"
BROKEN = "W : matrix(m, n); x : vector(n); b : vector(m)\nloss = norm2(W*x + b)^2 +\n"


def started() -> tuple[Any, float]:
    t = time.perf_counter()
    c = bench_lsp.Client()
    c.request("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {}})
    c.notify("initialized", {})
    return c, time.perf_counter() - t


def stop(c: Any) -> None:
    c.request("shutdown", None)
    c.notify("exit", None)
    c.proc.wait(timeout=10)


def opened(c: Any, text: str) -> float:
    t = time.perf_counter()
    c.notify("textDocument/didOpen", {"textDocument": {
        "uri": URI, "languageId": "matdiff", "version": 1, "text": text}})  # fmt: skip
    c.wait_diagnostics(1)
    return time.perf_counter() - t


def run_once(pause: float) -> dict[str, float]:
    out: dict[str, float] = {}
    c, out["start"] = started()
    out["open clean"] = opened(c, CLEAN)
    stop(c)
    c, _ = started()
    out["open broken"] = opened(c, BROKEN)
    stop(c)
    c, _ = started()
    opened(c, CLEAN)
    time.sleep(pause)
    t = time.perf_counter()
    c.replace_line(2, 1, "loss = norm2(W*x + b)^2", "loss = norm2(W*x + b)^2 +")
    c.wait_diagnostics(2)
    out["error later"] = time.perf_counter() - t
    stop(c)
    return out


def measure(runs: int, pause: float) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    for _ in range(runs):
        for name, value in run_once(pause).items():
            times.setdefault(name, []).append(value * 1000)
    return times


def report(label: str, times: dict[str, list[float]]) -> None:
    print(label)
    for name, ms in times.items():
        print(f"  {name:<12} median {statistics.median(ms):6.1f} ms   "
              f"min {min(ms):6.1f}   max {max(ms):6.1f}   ({len(ms)} runs)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--pause", type=float, default=1.0)
    parser.add_argument("--other", type=Path, help="another checkout's server directory")
    args = parser.parse_args()
    here = str(Path(__file__).resolve().parents[1] / "server")
    trees = [("this checkout", here)]
    if args.other is not None:
        trees.append((f"{args.other}", str(args.other.resolve())))
    results = {}
    base = os.environ.get("PYTHONPATH", "")
    for _ in range(2):  # alternate the trees, so that a busy spell hits both alike
        for label, path in trees:
            os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (path, base) if p)
            for name, ms in measure(max(1, (args.runs + 1) // 2), args.pause).items():
                results.setdefault(label, {}).setdefault(name, []).extend(ms)
    os.environ["PYTHONPATH"] = base
    for label, times in results.items():
        report(label, times)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
