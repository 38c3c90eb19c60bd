"""Soak benchmark: does a long editing session's memory plateau?  (Run on demand, not a test.)

`python bench/soak.py [--lines 2000] [--ops 10000] [--every 1000]` starts `matdiff lsp`, opens
a generated document (bench/lsp.py's), then alternates a one-line edit that writes a new
constant into a definition (so every edit brings new syntax, new IR and new derivatives) with
a hover on that definition (a derivation with its numeric check and steps).  Every `--every`
operations it prints the server's resident memory (VmRSS) and the hover latency of that
window; at the end, the growth over the second half, which is near zero when every cache is
bounded.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time
from pathlib import Path
from typing import Any

_spec = importlib.util.spec_from_file_location("bench_lsp", Path(__file__).with_name("lsp.py"))
assert _spec is not None and _spec.loader is not None
bench_lsp: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_lsp)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--ops", type=int, default=10000)
    parser.add_argument("--every", type=int, default=1000)
    args = parser.parse_args()
    text = bench_lsp.document(args.lines)
    lines = text.splitlines()
    first = len(bench_lsp.DECLS)
    c = bench_lsp.Client()
    c.request("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {
        "general": {"positionEncodings": ["utf-16"]},
        "textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]}}}})  # fmt: skip
    c.notify("initialized", {})
    c.notify("textDocument/didOpen", {"textDocument": {
        "uri": bench_lsp.URI, "languageId": "matdiff", "version": 1, "text": text}})  # fmt: skip
    c.wait_diagnostics(1)
    start = rss_mb(c.proc.pid)
    print(f"opened {args.lines} lines: {start:.0f} MB")
    samples: list[tuple[int, float]] = [(0, start)]
    version, hovers, began = 1, [], time.perf_counter()
    for op in range(1, args.ops + 1):
        i = op // 2
        line = first + (i * 37) % (len(lines) - first)
        if op % 2:  # an edit: a new constant in a definition
            template = bench_lsp.TEMPLATES[line % len(bench_lsp.TEMPLATES)]
            new = template.format(i=line - first, k=i + 8)
            version += 1
            c.replace_line(version, line, lines[line], new)
            c.wait_diagnostics(version)
            lines[line] = new
        else:  # a hover on the definition just edited
            t = time.perf_counter()
            where = {"textDocument": {"uri": bench_lsp.URI},
                     "position": {"line": line, "character": 1}}  # fmt: skip
            assert c.request("textDocument/hover", where) is not None, f"no hover on {line}"
            hovers.append((time.perf_counter() - t) * 1e3)
        if op % args.every == 0:
            mb = rss_mb(c.proc.pid)
            samples.append((op, mb))
            print(f"{op:>6} ops: {mb:6.0f} MB   hover p50 {statistics.median(hovers):5.1f} ms, "
                  f"max {max(hovers):6.1f} ms   ({time.perf_counter() - began:.0f} s)")  # fmt: skip
            hovers = []
    half = [s for s in samples if s[0] >= args.ops // 2]
    growth = (half[-1][1] - half[0][1]) / max(1, half[-1][0] - half[0][0]) * 1000
    peak = max(mb for _, mb in samples)
    print(f"memory: {start:.0f} MB at open, {samples[-1][1]:.0f} MB after {args.ops} operations, "
          f"peak {peak:.0f} MB; second half {growth:+.2f} MB per 1,000 ops")  # fmt: skip
    c.request("shutdown", None)
    c.notify("exit", None)
    c.proc.wait(timeout=10)


if __name__ == "__main__":
    main()
