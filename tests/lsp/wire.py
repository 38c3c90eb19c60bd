"""A raw stdio client for the hostile-client tests: it writes any bytes to ``matdiff lsp``,
reads its standard output strictly (every byte must belong to an LSP frame: well-formed
headers, a UTF-8 JSON-RPC 2.0 object of exactly Content-Length bytes; anything else fails
the test) and reads the server's resident memory from ``/proc``."""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

COMMAND = [sys.executable, "-m", "matdiff", "lsp"]
WAIT = 60.0  # a guard against a hang, not a speed check
URI = "file:///tmp/hostile.matdiff"
TEXT = "A : matrix(n, n)\nx : vector(n)\nf = x'*A*x\n"


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def encode(obj: Any) -> bytes:
    return frame(json.dumps(obj).encode())


def request(msg_id: Any, method: str, params: Any = None) -> bytes:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not None:
        msg["params"] = params
    return encode(msg)


def notification(method: str, params: Any = None) -> bytes:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        msg["params"] = params
    return encode(msg)


def initialize(msg_id: Any = 0, encodings: list[str] | None = None) -> bytes:
    caps: dict[str, Any] = {}
    if encodings is not None:
        caps["general"] = {"positionEncodings": encodings}
    params = {"processId": None, "rootUri": None, "capabilities": caps}
    return request(msg_id, "initialize", params)


def did_open(text: str = TEXT, uri: str = URI, version: int = 1) -> bytes:
    item = {"uri": uri, "languageId": "matdiff", "version": version, "text": text}
    return notification("textDocument/didOpen", {"textDocument": item})


def did_change(version: int, *changes: dict[str, Any], uri: str = URI) -> bytes:
    params = {"textDocument": {"uri": uri, "version": version}, "contentChanges": list(changes)}
    return notification("textDocument/didChange", params)


def position(line: int, character: int) -> dict[str, int]:
    return {"line": line, "character": character}


def span(a: tuple[int, int], b: tuple[int, int]) -> dict[str, Any]:
    return {"start": position(*a), "end": position(*b)}


def hover(msg_id: Any, line: int, character: int, uri: str = URI) -> bytes:
    params = {"textDocument": {"uri": uri}, "position": position(line, character)}
    return request(msg_id, "textDocument/hover", params)


def symbols(msg_id: Any, uri: str = URI) -> bytes:
    return request(msg_id, "textDocument/documentSymbol", {"textDocument": {"uri": uri}})


class StrayOutputError(AssertionError):
    """The server wrote something on standard output that is not an LSP frame."""


def read_frames(stream: IO[bytes], into: queue.Queue[Any]) -> None:
    """Parse ``stream`` strictly into messages; anything else is put as a StrayOutputError."""
    try:
        while True:
            length = None
            while (line := stream.readline()) != b"\r\n":
                if not line:
                    if length is not None:
                        raise StrayOutputError("the output ends inside a header")
                    return
                name, sep, value = line.partition(b": ")
                if not sep or not line.endswith(b"\r\n"):
                    raise StrayOutputError(f"not a header line: {line[:200]!r}")
                if name.lower() == b"content-length":
                    length = int(value)
                elif name.lower() != b"content-type":
                    raise StrayOutputError(f"an unknown header: {line[:200]!r}")
            if length is None:
                raise StrayOutputError("a header without Content-Length")
            body = stream.read(length)
            if len(body) != length:
                raise StrayOutputError("the output ends inside a body")
            msg = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
            if not isinstance(msg, dict) or msg.get("jsonrpc") != "2.0":
                raise StrayOutputError(f"not a JSON-RPC 2.0 message: {body[:200]!r}")
            if "method" not in msg and "id" not in msg:
                raise StrayOutputError(f"a response without an id: {body[:200]!r}")
            into.put(msg)
    except (StrayOutputError, ValueError) as exc:
        into.put(exc if isinstance(exc, StrayOutputError) else StrayOutputError(str(exc)))
    finally:
        into.put(None)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def key(msg_id: Any) -> str:
    """Ids as JSON text: ``true`` and ``1`` are different ids."""
    return json.dumps(msg_id)


class Wire:
    """One server process, spoken to byte by byte."""

    def __init__(self, command: list[str] = COMMAND) -> None:
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)  # fmt: skip
        assert self.proc.stdin and self.proc.stdout and self.proc.stderr
        self.inbox: queue.Queue[Any] = queue.Queue()
        self.answers: dict[str, list[dict[str, Any]]] = {}  # JSON id → answers not yet taken
        self.notes: list[dict[str, Any]] = []  # what the server sent unasked
        self.ended = False
        self.err: list[bytes] = []
        threading.Thread(target=read_frames, args=(self.proc.stdout, self.inbox),
                         daemon=True).start()  # fmt: skip
        # standard error is drained as it comes, so that a chatty server never blocks on it
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in iter(self.proc.stderr.readline, b""):
            self.err.append(line)

    @property
    def stderr(self) -> str:
        return b"".join(self.err).decode("utf-8", "replace")

    def send(self, *data: bytes) -> None:
        assert self.proc.stdin is not None
        for chunk in data:
            self.proc.stdin.write(chunk)
        self.proc.stdin.flush()

    def _read_one(self) -> bool:
        """Read one message into ``answers`` or ``notes``; False at the end of the output."""
        if self.ended:
            return False
        item = self.inbox.get(timeout=WAIT)
        if isinstance(item, StrayOutputError):
            raise item
        if item is None:
            self.ended = True
            return False
        if "method" in item:
            self.notes.append(item)
        else:
            self.answers.setdefault(key(item.get("id")), []).append(item)
        return True

    def answer(self, msg_id: Any) -> dict[str, Any]:
        """Wait for the (next) answer to ``msg_id``, and take it."""
        while not self.answers.get(key(msg_id)):
            if not self._read_one():
                raise AssertionError(f"the server stopped without answering {msg_id!r}")
        return self.answers[key(msg_id)].pop(0)

    def ask(self, data: bytes, msg_id: Any) -> dict[str, Any]:
        self.send(data)
        return self.answer(msg_id)

    def result(self, data: bytes, msg_id: Any) -> Any:
        got = self.ask(data, msg_id)
        assert "result" in got, got
        return got["result"]

    def error(self, data: bytes, msg_id: Any) -> dict[str, Any]:
        got = self.ask(data, msg_id)
        assert "error" in got, got
        return got["error"]  # type: ignore[no-any-return]

    def diagnostics(self, version: int, uri: str = URI) -> list[dict[str, Any]]:
        """The diagnostics published for ``uri`` at ``version`` (waiting for them)."""
        seen = 0
        while True:
            for msg in self.notes[seen:]:
                params = msg.get("params") or {}
                published = msg["method"] == "textDocument/publishDiagnostics"
                if published and (params.get("uri"), params.get("version")) == (uri, version):
                    return params["diagnostics"]  # type: ignore[no-any-return]
            seen = len(self.notes)
            if not self._read_one():
                raise AssertionError(f"no diagnostics for version {version} of {uri}")

    def logged(self) -> list[str]:
        """What the server wrote to the client's log (window/logMessage, showMessage)."""
        shown = ("window/logMessage", "window/showMessage")
        return [m["params"]["message"] for m in self.notes if m["method"] in shown]

    def rss(self) -> int:
        """Resident memory of the server, in bytes."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        kb = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
        return int(kb) * 1024

    def close(self, *last: bytes) -> int:
        """Send ``last``, close standard input, read all the output; the exit code."""
        with contextlib.suppress(BrokenPipeError):
            self.send(*last)
        with contextlib.suppress(BrokenPipeError):
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        try:
            code = self.proc.wait(timeout=WAIT)
            while self._read_one():
                pass
        finally:
            self.proc.kill()
        return code

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()
