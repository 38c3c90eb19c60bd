"""The protocol at its edges, over raw stdio: the life cycle (before ``initialize``, after
``shutdown``), a cancel with an id of the wrong type, failures that keep their tracebacks off
the wire, and messages too large to read (skipped: the next one is read)."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from typing import IO, Any

import pytest
from pygls.exceptions import JsonRpcInternalError

from matdiff.lsp.session import MatdiffServer
from matdiff.lsp.transport import MAX_MESSAGE

from .test_robustness import COMMAND, EXIT, INIT, SHUTDOWN, frame, message, responses

INITIALIZED = message({"jsonrpc": "2.0", "method": "initialized", "params": {}})
URI = "file:///tmp/life.matdiff"
TEXT = "x : vector(n)\ny = x'*x\n"


def hover(msg_id: int, line: int = 1, character: int = 0) -> bytes:
    return message({"jsonrpc": "2.0", "id": msg_id, "method": "textDocument/hover",
                    "params": {"textDocument": {"uri": URI},
                               "position": {"line": line, "character": character}}})  # fmt: skip


def did_open(text: str = TEXT) -> bytes:
    return message({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                    "params": {"textDocument": {"uri": URI, "languageId": "matdiff",
                                                "version": 1, "text": text}}})  # fmt: skip


def symbols(msg_id: int) -> bytes:
    """A request answered at once, in order (no worker thread, so no race with shutdown)."""
    return message({"jsonrpc": "2.0", "id": msg_id, "method": "textDocument/documentSymbol",
                    "params": {"textDocument": {"uri": URI}}})  # fmt: skip


def run(*messages: bytes) -> tuple[int, list[dict[str, Any]], str]:
    proc = subprocess.run(COMMAND, input=b"".join(messages), capture_output=True, timeout=60)
    return proc.returncode, responses(proc.stdout), proc.stderr.decode()


def _read_messages(stream: IO[bytes], into: queue.Queue[dict[str, Any] | None]) -> None:
    while header := stream.readline():
        length = int(header.split(b":")[1]) if header.lower().startswith(b"content-length") else 0
        while stream.readline().strip():
            pass
        into.put(responses(b"Content-Length: %d\r\n\r\n" % length + stream.read(length))[0])
    into.put(None)


def converse(*steps: tuple[bytes, int | None]) -> tuple[int, list[dict[str, Any]], str]:
    """Send each message, and wait for the answer with the given id (if any) before the next:
    a request still running when ``shutdown`` comes is cancelled."""
    proc = subprocess.Popen(COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    got: list[dict[str, Any]] = []
    inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
    threading.Thread(target=_read_messages, args=(proc.stdout, inbox), daemon=True).start()
    try:
        for data, wait_for in steps:
            proc.stdin.write(data)
            proc.stdin.flush()
            while wait_for is not None:
                item = inbox.get(timeout=60)
                assert item is not None, "the server stopped"
                got.append(item)
                if item.get("id") == wait_for and "method" not in item:
                    break
        proc.stdin.close()
        stderr = proc.stderr.read().decode()
        code = proc.wait(timeout=60)
    finally:
        proc.kill()
    while (item := inbox.get(timeout=60)) is not None:
        got.append(item)
    return code, got, stderr


def answers(got: list[dict[str, Any]]) -> dict[Any, Any]:
    """id → the error code, or "result"."""
    return {r["id"]: r["error"]["code"] if "error" in r else "result" for r in got if "id" in r}


def test_requests_before_initialize_and_after_shutdown_are_refused() -> None:
    code, got, _ = run(
        hover(10),
        did_open(),  # a notification before initialize: dropped
        INIT,
        INITIALIZED,
        symbols(11),  # not open: the didOpen above was dropped
        did_open(),
        symbols(12),
        SHUTDOWN,
        hover(13),
        message({"jsonrpc": "2.0", "id": 14, "method": "shutdown"}),
        EXIT,
    )
    assert answers(got) == {10: -32002, 1: "result", 11: "result", 12: "result",
                            99: "result", 13: -32600, 14: -32600}  # fmt: skip
    by_id = {r["id"]: r for r in got if "id" in r}
    kinds = by_id[1]["result"]["capabilities"]["codeActionProvider"]["codeActionKinds"]
    assert kinds == ["quickfix", "refactor.inline", "source.matdiff.derivative",
                     "source.matdiff.function"]  # fmt: skip
    assert by_id[11]["result"] is None and [s["name"] for s in by_id[12]["result"]] == ["x", "y"]
    assert code == 0


@pytest.mark.parametrize("bad_id", [{"nested": 1}, [1, 2], None, 1.5, True])
def test_a_cancel_with_a_bad_id_is_dropped_quietly(bad_id: object) -> None:
    cancel = message({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": bad_id}})
    code, got, _ = run(INIT, INITIALIZED, did_open(), cancel, symbols(2), SHUTDOWN, EXIT)
    assert answers(got) == {1: "result", 2: "result", 99: "result"}
    shown = [r for r in got if r.get("method") in ("window/showMessage", "window/logMessage")]
    assert shown == []
    assert code == 0


def test_a_failure_keeps_its_traceback_on_stderr() -> None:
    # a crafted quick fix request (a range running backwards) makes the code actions fail
    backwards = {"start": {"line": 1, "character": 7}, "end": {"line": 1, "character": 0}}
    crafted = message({"jsonrpc": "2.0", "id": 2, "method": "textDocument/codeAction",
                       "params": {"textDocument": {"uri": URI}, "range": backwards,
                                  "context": {"diagnostics": [{
                                      "range": backwards, "message": "x", "code": "undefined",
                                      "data": {"suggestion": "z"}}]}}})  # fmt: skip
    code, got, stderr = converse((INIT, 1), (INITIALIZED, None),
                                 (did_open("x : vector(n)\ny = x^2\n"), None), (crafted, 2),
                                 (hover(3), 3), (SHUTDOWN, 99), (EXIT, None))  # fmt: skip
    logged = [r["params"]["message"] for r in got if r.get("method") == "window/logMessage"]
    assert len(logged) == 1 and "code_action failed" in logged[0]
    assert "\n" not in logged[0] and "Traceback" not in logged[0] and ".py" not in logged[0]
    assert "Traceback" in stderr and "actions.py" in stderr  # all of it, where it belongs
    wire = str(got)
    assert "Traceback" not in wire and "site-packages" not in wire and "matdiff/" not in wire
    assert answers(got) == {1: "result", 2: "result", 3: "result", 99: "result"}
    assert code == 0


def test_an_internal_error_answer_has_no_traceback() -> None:
    """pygls puts the traceback of an unexpected failure in the error's ``data``."""
    written: list[bytes] = []

    class Writer:
        def write(self, data: bytes) -> None:
            written.append(data)

        def close(self) -> None:
            pass

    protocol = MatdiffServer().protocol
    protocol.set_writer(Writer())
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        error = JsonRpcInternalError.of(sys.exc_info())
    assert error.data["traceback"]
    protocol._send_response(7, error=error.to_response_error())
    (answer,) = responses(b"".join(written))
    assert answer["id"] == 7 and answer["error"]["code"] == -32603
    assert "boom" in answer["error"]["message"] and not answer["error"].get("data")


@pytest.mark.parametrize(
    "header",
    [
        b"Content-Length: 4000000000\r\n\r\n",
        b"Content-Length: %d\r\n\r\n" % 10**12,
        b"Content-Length: %d\r\n\r\n" % (MAX_MESSAGE + 1),
        b"Content-Length: " + b"9" * 5000 + b"\r\n\r\n",
        b"X-Junk: " + b"a" * 100_000,  # a header line that never ends
    ],
)
def test_a_message_too_large_is_skipped_and_the_next_one_read(header: bytes) -> None:
    """The client keeps its end open: the server must not wait for the body (or the end of
    the line), nor try to allocate it; it answers why (id null) and reads the next message."""
    code, got, stderr = converse((INIT, 1), (INITIALIZED, None), (did_open(), None),
                                 (header + b"{", None), (symbols(2), 2), (SHUTDOWN, 99),
                                 (EXIT, None))  # fmt: skip
    assert answers(got) == {None: -32700, 1: "result", 2: "result", 99: "result"}
    (refused,) = [r["error"]["message"] for r in got if r.get("id") is None and "error" in r]
    assert "limit" in refused or "longer than" in refused
    assert [s["name"] for s in next(r for r in got if r.get("id") == 2)["result"]] == ["x", "y"]
    assert "MemoryError" not in stderr and "Traceback" not in stderr
    assert code == 0


def test_a_message_at_the_limit_is_read() -> None:
    """Up to the limit a message is read as usual (here a didOpen padded with spaces)."""
    body = did_open()
    padded = body[body.index(b"{") :].ljust(2_000_000)
    zeros = b"Content-Length: 000000000000000%d\r\n\r\n" % len(padded)  # leading zeros
    code, got, _ = run(INIT, frame(padded), zeros + padded, symbols(2), SHUTDOWN, EXIT)
    assert answers(got) == {1: "result", 2: "result", 99: "result"}
    assert code == 0


def test_a_lone_surrogate_is_read_without_failing() -> None:
    """JSON can carry a lone surrogate (``"\\ud800"``); it used to fail the diagnostics (and
    send the traceback to the client).  In UTF-16 it is one unit, so the range after it holds."""
    text = "x : vector(n)\ny = x\ud800 + q\n"
    tokens = message({"jsonrpc": "2.0", "id": 3, "method": "textDocument/semanticTokens/full",
                      "params": {"textDocument": {"uri": URI}}})  # fmt: skip
    code, got, _ = converse((INIT, 1), (INITIALIZED, None), (did_open(text), None),
                            (symbols(2), 2), (tokens, 3), (hover(4, 1, 4), 4),
                            (SHUTDOWN, 99), (EXIT, None))  # fmt: skip
    assert [r for r in got if r.get("method") in ("window/logMessage", "window/showMessage")] == []
    (published,) = [
        r["params"] for r in got if r.get("method") == "textDocument/publishDiagnostics"
    ]
    starts = [d["range"]["start"] for d in published["diagnostics"]]
    assert {"line": 1, "character": 5} in starts  # the surrogate itself: unexpected
    assert answers(got) == {1: "result", 2: "result", 3: "result", 4: "result", 99: "result"}
    assert code == 0
