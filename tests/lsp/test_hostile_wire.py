"""A hostile client over the real stdio transport: broken frames and messages that are not
JSON-RPC requests.  After each one the server must answer a proper JSON-RPC error (or, for
what cannot be answered, nothing), keep the edit that comes next and answer the requests
after it correctly; its standard output must hold LSP frames only (``wire.read_frames``
fails the test otherwise), it must never pop up a message, and its memory must stay put.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .wire import (
    TEXT,
    URI,
    Wire,
    did_change,
    did_open,
    encode,
    frame,
    hover,
    initialize,
    notification,
    request,
    span,
    symbols,
)

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND = -32700, -32600, -32601
MB = 1024 * 1024


class Session:
    """A server under attack, and what a well client checks after each attack: an edit
    (the name of the last definition changes) and the requests that see it."""

    def __init__(self, wire: Wire) -> None:
        self.wire, self.version, self.name, self.asked = wire, 1, "f", 0

    def check(self) -> None:
        self.version += 1
        new = f"g{self.version}"
        edit = {"range": span((2, 0), (2, len(self.name))), "text": new}
        self.wire.send(did_change(self.version, edit))
        self.name = new
        self.asked += 1
        got = self.wire.result(symbols(f"check-{self.asked}"), f"check-{self.asked}")
        assert [s["name"] for s in got] == ["A", "x", new]
        shown = self.wire.result(hover(f"hover-{self.asked}", 2, 0), f"hover-{self.asked}")
        assert f"**{new}**" in shown["contents"]["value"]
        assert self.wire.diagnostics(self.version) == []

    def nulls(self) -> list[dict[str, Any]]:
        """The error answers to id null taken so far (and taken out)."""
        return self.wire.answers.pop("null", [])


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    with Wire() as wire:
        assert "capabilities" in wire.result(initialize(0), 0)
        wire.send(notification("initialized", {}), did_open())
        assert wire.diagnostics(1) == []
        yield Session(wire)
        code = wire.close(request("bye", "shutdown"), notification("exit"))
        assert code == 0
        # nothing popped up in the user's face, whatever came
        assert [m for m in wire.notes if m["method"] == "window/showMessage"] == []


BODY = json.dumps({"jsonrpc": "2.0", "id": "inner", "method": "textDocument/documentSymbol",
                   "params": {"textDocument": {"uri": URI}}}).encode()  # fmt: skip
HEAD = b"Content-Length: %d\r\n\r\n"

# (what, the bytes, words of the error answered to id null, whether `inner` is answered)
FRAMES: list[tuple[str, bytes, str | None, bool]] = [
    ("no Content-Length", b"\r\n" + BODY, "is not a message header", False),
    ("a length that is not a number", b"Content-Length: abc\r\n\r\n" + BODY, "not a number", False),
    ("a negative length", b"Content-Length: -5\r\n\r\n" + BODY, "not a number", False),
    ("an empty length", b"Content-Length: \r\n\r\n" + BODY, "not a number", False),
    ("a zero length", b"Content-Length: 0\r\n\r\n", "not JSON", False),
    ("a huge length", b"Content-Length: 99999999999\r\n\r\n" + BODY, "limit", False),
    ("a length of 5,000 digits", b"Content-Length: " + b"9" * 5000 + b"\r\n\r\n", "limit", False),
    ("two lengths", b"Content-Length: 5\r\n" + HEAD % len(BODY) + BODY, "two different", False),
    ("garbage, then a message", b"hello world\r\n" + frame(BODY), "not a message header", True),
    ("garbage glued to a header", b"junk" + frame(BODY), "not a message header", True),
    ("a header line of 10 kB", b"X-J: " + b"a" * 10_000 + b"\r\n" + frame(BODY), "longer", True),
    ("raw bytes", bytes(range(256)) * 4 + b"\r\n", "not a message header", False),
    ("a body cut short", HEAD % (len(BODY) + 40) + BODY, "shorter than its Content-Length", False),
    ("a body longer than its length", HEAD % (len(BODY) - 10) + BODY, "not JSON", False),
    ("not UTF-8", frame(BODY.replace(b"inner", b"\xff\xfe")), "not UTF-8", False),
    ("UTF-16", frame(BODY.decode().encode("utf-16")), "not UTF-8", False),
    ("a byte-order mark", frame(b"\xef\xbb\xbf" + BODY), "not JSON", False),
    ("NaN", frame(BODY.replace(b'"inner"', b"NaN")), "NaN is not a JSON value", False),
    ("Infinity", frame(BODY.replace(b'"inner"', b"-Infinity")), "not a JSON value", False),
    ("an id of 5,000 digits", frame(BODY.replace(b'"inner"', b"9" * 5000)), "4,300 digits", False),
    ("nested 100,000 deep", frame(b"[" * 100_000 + b"]" * 100_000), "nested too deeply", False),
    (
        "deep params",
        frame(BODY[:-1] + b', "x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"),
        "nested too deeply",
        False,
    ),
    (
        "a latin-1 charset",
        b"Content-Length: %d\r\nContent-Type: application/vscode-jsonrpc; "
        b"charset=latin1\r\n\r\n" % len(BODY) + BODY,
        "charset",
        False,
    ),
    # what LSP clients may send, and the server reads
    ("lower case, no space", b"content-length:%d\r\n\r\n" % len(BODY) + BODY, None, True),
    ("bare line feeds", b"Content-Length: %d\n\n" % len(BODY) + BODY, None, True),
    (
        "a content type first",
        b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" + HEAD % len(BODY) + BODY,
        None,
        True,
    ),
    ("blank lines between messages", b"\r\n\r\n\n" + frame(BODY), None, True),
]


@pytest.mark.parametrize(("raw", "words", "inner"), [f[1:] for f in FRAMES],
                         ids=[f[0] for f in FRAMES])  # fmt: skip
def test_a_broken_frame_is_answered_and_the_next_message_read(
    session: Session, raw: bytes, words: str | None, inner: bool
) -> None:
    session.wire.send(raw)
    session.check()
    errors = session.nulls()
    if words is None:
        assert errors == []
    else:
        assert [e["error"]["code"] for e in errors] == [PARSE_ERROR]
        assert words in errors[0]["error"]["message"]
    assert bool(session.wire.answers.pop('"inner"', [])) == inner


def test_a_message_sent_a_byte_at_a_time_is_read(session: Session) -> None:
    for byte in frame(BODY):
        session.wire.send(bytes([byte]))
    assert [s["name"] for s in session.wire.answer("inner")["result"]] == ["A", "x", session.name]
    session.check()


def body(raw: bytes) -> Any:
    return json.loads(raw.split(b"\r\n\r\n", 1)[1])


# (what, the message, the error code answered, to which id; None: nothing is answered)
ENVELOPES: list[tuple[str, Any, int | None, Any]] = [
    ("a batch", [json.loads(BODY)], INVALID_REQUEST, None),
    ("an empty batch", [], INVALID_REQUEST, None),
    ("a string", "hello", INVALID_REQUEST, None),
    ("a number", 42, INVALID_REQUEST, None),
    ("null", None, INVALID_REQUEST, None),
    ("an empty object", {}, INVALID_REQUEST, None),
    ("a fractional id", {**json.loads(BODY), "id": 1.5}, INVALID_REQUEST, None),
    ("a whole float id", {**json.loads(BODY), "id": 2.0}, INVALID_REQUEST, None),
    ("a null id", {**json.loads(BODY), "id": None}, INVALID_REQUEST, None),
    ("a boolean id", {**json.loads(BODY), "id": True}, INVALID_REQUEST, None),
    ("an object id", {**json.loads(BODY), "id": {"a": 1}}, INVALID_REQUEST, None),
    ("a list id", {**json.loads(BODY), "id": [1]}, INVALID_REQUEST, None),
    ("no jsonrpc", {"id": 5, "method": "textDocument/hover", "params": {}}, INVALID_REQUEST, 5),
    ("jsonrpc 1.0", {**json.loads(BODY), "jsonrpc": "1.0", "id": 6}, INVALID_REQUEST, 6),
    ("a method that is a number", {"jsonrpc": "2.0", "id": 7, "method": 5}, INVALID_REQUEST, 7),
    ("a method that is null", {"jsonrpc": "2.0", "id": 8, "method": None}, INVALID_REQUEST, 8),
    ("an unknown method", {"jsonrpc": "2.0", "id": 9, "method": "foo/bar"}, METHOD_NOT_FOUND, 9),
    ("an unknown $/ method", {"jsonrpc": "2.0", "id": 10, "method": "$/x"}, METHOD_NOT_FOUND, 10),
    ("params that are a list", {**json.loads(BODY), "id": 11, "params": [1]}, -32602, 11),
    ("params that are a string", {**json.loads(BODY), "id": 12, "params": "x"}, -32602, 12),
    ("a second initialize", body(initialize(13)), INVALID_REQUEST, 13),
    ("didOpen with an id", {**body(did_open(uri="file:///b")), "id": 14}, INVALID_REQUEST, 14),
    (
        "a cancel with an id",
        {"jsonrpc": "2.0", "id": 15, "method": "$/cancelRequest", "params": {"id": 99}},
        INVALID_REQUEST,
        15,
    ),
    # notifications and client responses: nothing to answer
    ("an unknown notification", {"jsonrpc": "2.0", "method": "foo/bar"}, None, None),
    ("an unknown $/ notification", {"jsonrpc": "2.0", "method": "$/foo"}, None, None),
    ("a notification with a number for method", {"jsonrpc": "2.0", "method": 5}, None, None),
    (
        "a request without an id",
        {k: v for k, v in json.loads(BODY).items() if k != "id"},
        None,
        None,
    ),
    ("a response to nothing", {"jsonrpc": "2.0", "id": "nope", "result": 1}, None, None),
    (
        "an error response to nothing",
        {"jsonrpc": "2.0", "id": 3, "error": {"code": 1, "message": "m"}},
        None,
        None,
    ),
    ("a malformed error response", {"jsonrpc": "2.0", "id": 4, "error": "x"}, None, None),
    ("a response with a null id", {"jsonrpc": "2.0", "id": None, "result": {}}, None, None),
]


@pytest.mark.parametrize(("message", "code", "to"), [e[1:] for e in ENVELOPES],
                         ids=[e[0] for e in ENVELOPES])  # fmt: skip
def test_what_is_not_a_request_is_answered_as_json_rpc_says(
    session: Session, message: Any, code: int | None, to: Any
) -> None:
    session.wire.send(encode(message))
    session.check()
    nulls = session.nulls()
    if code is None:
        assert nulls == []
        return
    got = nulls[0] if to is None else session.wire.answer(to)
    assert got["error"]["code"] == code and got["error"]["message"]
    assert "id" in got and got["id"] == to
    assert "Traceback" not in json.dumps(got)


@pytest.mark.parametrize("msg_id", [0, -1, 2**31, 10**30, "", "é" * 10, "x" * 100_000])
def test_odd_but_valid_ids_are_answered_with_themselves(session: Session, msg_id: Any) -> None:
    got = session.wire.ask(symbols(msg_id), msg_id)
    assert got["id"] == msg_id and [s["name"] for s in got["result"]][:2] == ["A", "x"]
    session.check()


# Generated attacks: random bytes (never naming a Content-Length, which would be a promise
# of a body the server must wait for), and random JSON values shaped like messages.

BYTES = st.binary(max_size=400).filter(lambda b: b"content-length" not in b.lower())
METHODS = ["textDocument/hover", "textDocument/documentSymbol", "textDocument/completion",
           "textDocument/didOpen", "textDocument/didClose", "$/cancelRequest", "initialized",
           "workspace/executeCommand", "nope/nope", "$/nope"]  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=12,
)  # fmt: skip
MESSAGES = JSON | st.fixed_dictionaries(
    {"jsonrpc": st.sampled_from(["2.0", "2.0", "1.0"]) | JSON},
    optional={"id": st.integers() | st.text(max_size=4) | JSON,
              "method": st.sampled_from(METHODS) | JSON, "params": JSON,
              "result": JSON, "error": JSON},
)  # fmt: skip
SLOW = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip


@SLOW
@given(garbage=BYTES)
def test_random_bytes_never_hurt(session: Session, garbage: bytes) -> None:
    session.wire.send(garbage + b"\r\n")
    session.check()
    assert all(e["error"]["code"] == PARSE_ERROR for e in session.nulls())


@SLOW
@given(message=MESSAGES)
def test_random_messages_never_hurt(session: Session, message: Any) -> None:
    if isinstance(message, dict) and isinstance(message.get("params"), dict):
        message["params"].pop("textDocument", None)  # (the session's document stays open)
    session.wire.send(encode(message))
    session.check()
    answers = session.nulls()
    if isinstance(message, dict) and "id" in message and "method" in message:
        answers += session.wire.answers.pop(json.dumps(message["id"]), [])
    for got in answers:  # whatever was answered was a result or a JSON-RPC error
        assert "result" in got or got["error"]["code"] in (-32700, -32600, -32601, -32602, -32803)


def test_memory_stays_put_under_a_stream_of_garbage(session: Session) -> None:
    """After warming up (the attacks above), a stream of broken messages leaves the server's
    memory where it was: nothing of them is kept."""
    session.check()
    before = session.wire.rss()
    for i in range(40):
        session.wire.send(b"Content-Length: 99999999999\r\n\r\n" + b"x" * MB)  # skipped unread
        session.wire.send(frame(b"[" * 10_000 + b"]" * 10_000))
        session.wire.send(encode({"jsonrpc": "2.0", "id": {"n": i}, "method": "x" * 10_000}))
        session.wire.send(b"junk\r\n" * 1000)  # one answer, for the first line
    session.check()
    assert len(session.nulls()) == 40 * 4
    assert session.wire.rss() - before < 40 * MB  # far less than the 40 MB sent


def test_exit_with_stdin_left_open_stops_the_server() -> None:
    with Wire() as wire:
        wire.result(initialize(0), 0)
        wire.send(request(1, "shutdown"), notification("exit"))
        assert wire.proc.wait(timeout=60) == 0  # its input is still open


def test_a_stray_print_goes_to_standard_error() -> None:
    """Whatever prints (a library, a debugging line) cannot corrupt the LSP stream."""
    noisy = (
        "import sys\n"
        "from matdiff.features import hover\n"
        "from matdiff.lsp.server import main\n"
        "real = hover.hover\n"
        "def loud(*args):\n"
        "    print('a stray line on stdout')\n"
        "    return real(*args)\n"
        "hover.hover = loud\n"
        "sys.exit(main())\n"
    )
    with Wire([sys.executable, "-c", noisy]) as wire:
        wire.result(initialize(0), 0)
        wire.send(notification("initialized", {}), did_open())
        assert "**f**" in wire.result(hover(1, 2, 0), 1)["contents"]["value"]
        assert wire.close(request(2, "shutdown"), notification("exit")) == 0
        assert "a stray line on stdout" in wire.stderr


def test_end_of_input_in_the_middle_of_a_message() -> None:
    with Wire() as wire:
        wire.result(initialize(0), 0)
        code = wire.close(b'Content-Length: 500\r\n\r\n{"jsonrpc"')
        assert code == 0
        assert [a["error"]["code"] for a in wire.answers.pop("null")] == [PARSE_ERROR]


def test_the_text_after_a_storm_is_the_text_sent(session: Session) -> None:
    """Every edit survived: the server's text is the one a fresh open of it gives."""
    text = TEXT.replace("f =", f"{session.name} =")
    session.wire.send(did_open(text, uri="file:///tmp/fresh.matdiff"))
    fresh = session.wire.result(symbols("fresh", "file:///tmp/fresh.matdiff"), "fresh")
    assert session.wire.result(symbols("mine"), "mine") == fresh
