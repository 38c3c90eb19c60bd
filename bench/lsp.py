"""Language-server benchmark over stdio (run on demand, not a test).

`python bench/lsp.py [--lines 5000] [--hovers 200] [--edits 40]` starts `matdiff lsp`, opens
a generated document, hovers definitions, makes one-line edits, and reports: time to the
first diagnostics, hover latency (p50/p95/p99), edit → fresh diagnostics latency (p95),
and the server's peak memory (VmHWM).  Traffic stays on the server's own pipes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

URI = "file:///bench/doc.matdiff"

TEMPLATES = [
    "f{i} = norm2(W*x + b)^2 + {k}*x'*x",
    "f{i} = tr(A*X*B) + {k}*logdet(S)",
    "f{i} = 0.5*norm2(W2*tanh(W1*x) - t)^2",
    "f{i} = -t'*log(softmax(W2*sigmoid(W1*x))) + {k}",
    "f{i} = sum(exp(W*x)) - {k}*x'*S*x",
]
DECLS = [
    "W : matrix(m, n); x : vector(n); b : vector(m); t : vector(m)",
    "A : matrix(p, n); X : matrix(n, q); B : matrix(q, p); S : matrix(n, n) spd",
    "W1 : matrix(h, n); W2 : matrix(m, h)",
]


def document(lines: int) -> str:
    out = list(DECLS)
    for i in range(lines - len(DECLS)):
        out.append(TEMPLATES[i % len(TEMPLATES)].format(i=i, k=i % 7 + 1))
    return "\n".join(out) + "\n"


class Client:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "matdiff", "lsp"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
        self.next_id = 0
        self.tokens_id: str | None = None

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise EOFError("server closed its output")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        msg: dict[str, Any] = json.loads(self.proc.stdout.read(length))
        result = msg.get("result")
        if isinstance(result, dict) and "resultId" in result:  # semantic tokens, for deltas
            self.tokens_id = result["resultId"]
        return msg

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while True:
            msg = self.read()
            if msg.get("id") == self.next_id and "method" not in msg:
                return msg.get("result")
            self.answer(msg)

    def answer(self, msg: dict[str, Any]) -> None:
        if "id" in msg and "method" in msg:  # a request from the server: answer it
            result: Any = [{}] if msg["method"] == "workspace/configuration" else None
            self.send({"id": msg["id"], "result": result})

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def replace_line(self, version: int, line: int, old: str, new: str) -> None:
        self.notify("textDocument/didChange", {
            "textDocument": {"uri": URI, "version": version},
            "contentChanges": [{"range": {"start": {"line": line, "character": 0},
                                          "end": {"line": line, "character": len(old)}},
                                "text": new}]})  # fmt: skip

    def wait_diagnostics(self, version: int) -> dict[str, Any]:
        while True:
            msg = self.read()
            params = msg.get("params") or {}
            if msg.get("method") == "textDocument/publishDiagnostics" and \
                    params.get("version") == version:  # fmt: skip
                return msg
            self.answer(msg)

    def peak_memory_mb(self) -> float:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--hovers", type=int, default=200)
    parser.add_argument("--edits", type=int, default=40)
    args = parser.parse_args()
    text = document(args.lines)
    lines = text.splitlines()
    c = Client()
    started = time.perf_counter()
    c.request("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {
        "general": {"positionEncodings": ["utf-16"]},
        "textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]}}}})  # fmt: skip
    c.notify("initialized", {})
    print(f"server start + initialize: {(time.perf_counter() - started) * 1e3:.0f} ms")

    t0 = time.perf_counter()
    c.notify("textDocument/didOpen", {"textDocument": {
        "uri": URI, "languageId": "matdiff", "version": 1, "text": text}})  # fmt: skip
    diags = c.wait_diagnostics(1)
    opened = time.perf_counter() - t0
    print(f"open {args.lines} lines → diagnostics: {opened * 1e3:.0f} ms "
          f"({len(diags['params']['diagnostics'])} diagnostics)")  # fmt: skip

    hovers: list[float] = []
    step = max(1, (len(lines) - len(DECLS)) // args.hovers)
    for k in range(args.hovers):
        line = len(DECLS) + (k * step) % (len(lines) - len(DECLS))
        t = time.perf_counter()
        where = {"textDocument": {"uri": URI}, "position": {"line": line, "character": 1}}
        result = c.request("textDocument/hover", where)
        hovers.append(time.perf_counter() - t)
        assert result is not None, f"no hover on line {line}"
    ms = [h * 1e3 for h in hovers]
    print(f"hover ×{len(ms)}: p50 {pct(ms, .5):.1f} ms, p95 {pct(ms, .95):.1f} ms, "
          f"p99 {pct(ms, .99):.1f} ms, max {max(ms):.1f} ms")  # fmt: skip

    edits: list[float] = []
    version = 1
    for k in range(args.edits):
        line = len(DECLS) + (k * 97) % (len(lines) - len(DECLS))
        old = lines[line]
        new = old.replace("=", "= 2*(", 1) + ")" if k % 2 == 0 else old + " + 1"
        version += 1
        t = time.perf_counter()
        c.replace_line(version, line, old, new)
        c.wait_diagnostics(version)
        edits.append(time.perf_counter() - t)
        lines[line] = new
    ms = [e * 1e3 for e in edits]
    print(f"edit → diagnostics ×{len(ms)}: p50 {pct(ms, 0.5):.0f} ms, p95 {pct(ms, 0.95):.0f} ms")

    # What VS Code asks after each edit, timed one by one, then queued behind the next edit
    # (typing on: the next edit's diagnostics wait for whatever is ahead of them).
    def follow_ups(line: int) -> list[tuple[str, dict[str, Any]]]:
        doc = {"uri": URI}
        at = {"line": line, "character": 1}
        cursor, none = {"start": at, "end": at}, {"diagnostics": []}
        view = {"start": {"line": max(0, line - 30), "character": 0},
                "end": {"line": line + 30, "character": 0}}  # fmt: skip
        tokens = ("textDocument/semanticTokens/full", {"textDocument": doc})
        if c.tokens_id is not None:  # as VS Code does: what changed since the last result
            tokens = ("textDocument/semanticTokens/full/delta",
                      {"textDocument": doc, "previousResultId": c.tokens_id})  # fmt: skip
        return [
            tokens,
            ("textDocument/documentSymbol", {"textDocument": doc}),
            ("textDocument/inlayHint", {"textDocument": doc, "range": view}),
            ("textDocument/codeAction", {"textDocument": doc, "range": cursor, "context": none}),
        ]

    timings: dict[str, list[float]] = {}
    queued: list[float] = []
    for k in range(args.edits):
        line = len(DECLS) + (k * 89) % (len(lines) - len(DECLS))
        old = lines[line]
        new = old + " - 1"
        version += 1
        t = time.perf_counter()
        c.replace_line(version, line, old, new)
        c.wait_diagnostics(version)
        if k < args.edits // 2:  # one by one
            for method, params in follow_ups(line):
                t = time.perf_counter()
                c.request(method, params)
                timings.setdefault(method, []).append((time.perf_counter() - t) * 1e3)
        else:  # queued: sent, not awaited, before the next edit
            queued.append((time.perf_counter() - t) * 1e3)
            for method, params in follow_ups(line):
                c.next_id += 1
                c.send({"id": c.next_id, "method": method, "params": params})
        lines[line] = new
    for method, values in timings.items():
        name = method.removeprefix("textDocument/")
        print(f"  after an edit, {name}: p50 {pct(values, 0.5):.0f} ms, "
              f"p95 {pct(values, 0.95):.0f} ms")  # fmt: skip
    print(f"edit → diagnostics with those four requests of the edit before queued ×{len(queued)}: "
          f"p50 {pct(queued, 0.5):.0f} ms, p95 {pct(queued, 0.95):.0f} ms")  # fmt: skip
    print(f"server peak memory (VmHWM): {c.peak_memory_mb():.0f} MB")
    c.request("shutdown", None)
    c.notify("exit", None)
    c.proc.wait(timeout=10)


if __name__ == "__main__":
    main()
