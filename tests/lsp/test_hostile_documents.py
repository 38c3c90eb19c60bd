"""A hostile client's documents and request streams, over the real stdio transport: edits
that split characters in every position encoding, changes to documents that are not open,
versions going backwards, documents too large to keep or to check whole, changes of too
many edits, and floods of requests and cancels.  Every request is answered exactly once,
no edit is lost (the text edited is the text a fresh open of it gives), and memory stays
bounded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matdiff.base.spans import Encoding
from matdiff.lsp import session as session_module
from matdiff.lsp.text import MAX_EDITS, MAX_TEXT, OpenDocument
from matdiff.syntax.parser import MAX_STATEMENTS

from .test_hostile_wire import Session
from .test_text import lines, width
from .wire import (
    Wire,
    did_change,
    did_open,
    hover,
    initialize,
    notification,
    request,
    span,
    symbols,
)

MB = 1024 * 1024
ENCODINGS: list[Encoding] = ["utf-8", "utf-16", "utf-32"]


def start(encoding: Encoding) -> Iterator[Session]:
    with Wire() as wire:
        result = wire.result(initialize(0, [encoding]), 0)
        assert result["capabilities"]["positionEncoding"] == encoding
        wire.send(notification("initialized", {}), did_open())
        wire.diagnostics(1)
        yield Session(wire)
        assert wire.close(request("bye", "shutdown"), notification("exit")) == 0
        assert [m for m in wire.notes if m["method"] == "window/showMessage"] == []


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    yield from start("utf-16")


@pytest.fixture(scope="module", params=ENCODINGS)
def encoded(request: pytest.FixtureRequest) -> Iterator[tuple[Session, Encoding]]:
    for s in start(request.param):
        yield s, request.param


def reference(text: str, line: int, column: int, encoding: Encoding) -> int:
    """The offset LSP means by (line, column), written here from the definitions: a column
    inside a character (half a surrogate pair, a byte inside UTF-8) is after it."""
    spans = lines(text)
    if line >= len(spans):
        return len(text)
    start, end = spans[line]
    units = 0
    for i in range(start, end):
        if units >= column:
            return i
        units += width(text[i], encoding)
    return end


def same_text(s: Session, uri: str, text: str, tag: str) -> None:
    """The server's copy of ``uri`` is ``text``: its diagnostics, symbols and semantic
    tokens are those of ``text`` opened fresh."""
    fresh = f"file:///tmp/fresh-{tag}.matdiff"
    s.wire.send(did_open(text, uri=fresh))
    s.wire.diagnostics(1, fresh)
    for method in ("textDocument/documentSymbol", "textDocument/semanticTokens/full"):
        mine = s.wire.result(request(f"{tag}m", method, {"textDocument": {"uri": uri}}), f"{tag}m")
        theirs = s.wire.result(request(f"{tag}f", method, {"textDocument": {"uri": fresh}}),
                               f"{tag}f")  # fmt: skip
        if method.endswith("full"):
            mine, theirs = mine["data"], theirs["data"]
        assert mine == theirs, (method, text)
    s.wire.send(notification("textDocument/didClose", {"textDocument": {"uri": fresh}}))


ALPHABET = "ab𝔸é = 1\n\r"  # 𝔸: two UTF-16 units, four UTF-8 bytes; é: two UTF-8 bytes
SOME = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip


@SOME
@given(text=st.text(ALPHABET, max_size=30), new=st.text(ALPHABET, max_size=5),
       where=st.lists(st.integers(0, 12), min_size=4, max_size=4))  # fmt: skip
def test_edits_that_split_characters(encoded: tuple[Session, Encoding], text: str, new: str,
                                     where: list[int]) -> None:  # fmt: skip
    session, encoding = encoded
    uri = "file:///tmp/split.matdiff"
    session.wire.send(did_open(text, uri=uri))
    session.wire.diagnostics(1, uri)
    (l1, c1, l2, c2) = (where[0] % 4, where[1], where[2] % 4, where[3])
    a, b = (reference(text, l1, c1, encoding), reference(text, l2, c2, encoding))
    a, b = min(a, b), max(a, b)
    session.wire.send(did_change(2, {"range": span((l1, c1), (l2, c2)), "text": new}, uri=uri))
    session.wire.diagnostics(2, uri)
    same_text(session, uri, text[:a] + new + text[b:], "split")
    session.wire.send(notification("textDocument/didClose", {"textDocument": {"uri": uri}}))


def test_a_change_to_a_document_not_open(session: Session) -> None:
    uri = "file:///tmp/never-opened.matdiff"
    before = len(session.wire.logged())
    session.wire.send(did_change(2, {"text": "a = 1\n"}, uri=uri))
    session.check()
    said = session.wire.logged()[before:]
    assert any("which is not open" in m for m in said), said
    assert session.wire.result(symbols("not-open", uri), "not-open") is None
    session.wire.send(did_open("a = 1\n", uri=uri))
    assert session.wire.diagnostics(1, uri) == []


def test_versions_going_backwards_are_taken_as_they_come(session: Session) -> None:
    uri = "file:///tmp/backwards.matdiff"
    session.wire.send(did_open("a = 1\n", uri=uri, version=5))
    session.wire.diagnostics(5, uri)
    session.wire.send(did_change(3, {"text": "a = 1\nb = q\n"}, uri=uri))
    (undefined,) = session.wire.diagnostics(3, uri)
    assert undefined["code"] == "undefined"
    session.wire.send(did_change(1, {"range": span((1, 4), (1, 5)), "text": "a"}, uri=uri))
    assert session.wire.diagnostics(1, uri) == []
    same_text(session, uri, "a = 1\nb = a\n", "backwards")


def test_closing_twice_and_reopening(session: Session) -> None:
    uri = "file:///tmp/twice.matdiff"
    close = notification("textDocument/didClose", {"textDocument": {"uri": uri}})
    session.wire.send(did_open("a = 1\n", uri=uri), close, close)
    session.wire.send(did_open("a = 1\nb = a\n", uri=uri, version=7))
    assert session.wire.diagnostics(7, uri) == []
    session.check()


def test_a_document_too_large_to_keep_says_so_and_comes_back(session: Session) -> None:
    uri = "file:///tmp/huge.matdiff"
    before = session.wire.rss()
    session.wire.send(did_open("a = 1\n" * (MAX_TEXT // 6 + 1), uri=uri))
    (note,) = session.wire.diagnostics(1, uri)
    assert note["severity"] == 2 and "does not check this document" in note["message"]
    assert f"{MAX_TEXT:,}" in note["message"]
    assert session.wire.result(symbols("huge", uri), "huge") is None
    assert session.wire.result(hover("huge-h", 0, 0, uri), "huge-h") is None
    session.wire.send(did_change(2, {"range": span((0, 0), (0, 0)), "text": "b"}, uri=uri))
    session.check()  # an edit to a document not kept: nothing to apply it to
    session.wire.send(did_change(3, {"text": "a = 1\n"}, uri=uri))  # a whole text: kept again
    assert session.wire.diagnostics(3, uri) == []
    # growing past the limit by edits
    grow = {"range": span((1, 0), (1, 0)), "text": "b = 2\n" * (MAX_TEXT // 6 - 2)}  # (kept)
    more = {"range": span((0, 0), (0, 0)), "text": "c = 3\n" * 100}
    session.wire.send(did_change(4, grow, uri=uri), did_change(5, more, uri=uri))
    (note,) = session.wire.diagnostics(5, uri)
    assert "characters" in note["message"]
    session.wire.send(notification("textDocument/didClose", {"textDocument": {"uri": uri}}))
    session.check()
    assert session.wire.rss() - before < 200 * MB  # the text dropped, not kept


def test_a_change_of_many_edits_and_one_of_too_many(session: Session) -> None:
    uri = "file:///tmp/edits.matdiff"
    text = "".join(f"v{i} = {i}\n" for i in range(2000))
    session.wire.send(did_open(text, uri=uri))
    session.wire.diagnostics(1, uri)
    # as many edits as the server applies in one change (a replace-all): w… before each name
    edits = [{"range": span((i % 2000, 0), (i % 2000, 0)), "text": "w"} for i in range(MAX_EDITS)]
    session.wire.send(did_change(2, *edits, uri=uri))
    assert session.wire.diagnostics(2, uri) == []
    prefix = "w" * (MAX_EDITS // 2000)
    same_text(session, uri, "".join(f"{prefix}v{i} = {i}\n" for i in range(2000)), "edits")
    session.wire.send(did_change(3, *edits, edits[0], uri=uri))  # one more than it applies
    (note,) = session.wire.diagnostics(3, uri)
    assert f"{MAX_EDITS + 1:,} edits" in note["message"] and "reopen" in note["message"]
    session.wire.send(did_open("a = 1\n", uri=uri, version=4))  # reopened: kept again
    assert session.wire.diagnostics(4, uri) == []
    session.check()


def test_a_document_of_too_many_statements_is_checked_up_to_the_limit() -> None:
    uri = "file:///tmp/long.matdiff"
    text = "x : scalar\n" + "".join(f"v{i} = x + {i}\n" for i in range(MAX_STATEMENTS + 10))
    with Wire() as wire:
        wire.result(initialize(0), 0)
        wire.send(did_open(text, uri=uri))
        (note,) = wire.diagnostics(1, uri)
        assert note["code"] == "too-many-statements"
        assert note["range"]["start"]["line"] == MAX_STATEMENTS
        assert "first 20,000 statements" in note["message"]
        assert wire.result(hover("in", 5, 0, uri), "in") is not None
        assert wire.result(hover("past", MAX_STATEMENTS + 5, 0, uri), "past") is None
        assert wire.close(request("bye", "shutdown"), notification("exit")) == 0


def answered_once(s: Session, ids: list[Any]) -> list[Any]:
    """Each id's one answer: its result, or its error code."""
    out = []
    for msg_id in ids:
        got = s.wire.answer(msg_id)
        out.append(got["error"]["code"] if "error" in got else "result")
        assert not s.wire.answers.get(f'"{msg_id}"'), f"{msg_id} answered twice"
    return out


def test_a_flood_of_requests_and_cancels(session: Session) -> None:
    session.check()
    before = session.wire.rss()
    ids = [f"flood-{i}" for i in range(2000)]
    for i, msg_id in enumerate(ids):
        session.wire.send(hover(msg_id, i % 3, 0),
                          notification("$/cancelRequest", {"id": msg_id}),
                          notification("$/cancelRequest", {"id": f"nobody-{i}"}),
                          notification("$/cancelRequest", {"id": {"bad": i}}))  # fmt: skip
    codes = answered_once(session, ids)
    assert set(codes) <= {"result", -32800, -32803}  # answered, cancelled, or refused as busy
    queued = [f"queued-{i}" for i in range(3000)]
    session.wire.send(*(symbols(q) for q in queued[:1500]))
    session.wire.send(*(hover(q, 2, 0) for q in queued[1500:]))
    assert set(answered_once(session, queued)) <= {"result", -32803}
    session.check()
    assert session.wire.rss() - before < 50 * MB


def test_the_session_checks_a_bounded_number_of_statements(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past MAX_CHECKED statements in all open documents, a document is not checked, and
    says so; closing the others lets it be checked again (in-process, with a small bound)."""
    server = session_module.MatdiffServer()
    published: list[Any] = []
    monkeypatch.setattr(session_module, "MAX_CHECKED", 10)
    monkeypatch.setattr(server, "encoding", lambda: "utf-16")
    monkeypatch.setattr(server, "settle", lambda: None)
    monkeypatch.setattr(server, "text_document_publish_diagnostics", published.append)
    for uri in ("file:///a.matdiff", "file:///b.matdiff"):
        text = "".join(f"x{i} = {i}\n" for i in range(6))
        server.documents[uri] = OpenDocument(uri, "matdiff", 1, text)
        server.refresh(uri)
    assert [len(s) for s in server.snapshots.values()] == [1, 0]
    (note,) = published[-1].diagnostics
    assert "more than 10 statements" in note.message and published[-1].uri.endswith("b.matdiff")
    del server.documents["file:///a.matdiff"]
    server.forget("file:///a.matdiff")
    server.refresh("file:///b.matdiff")
    assert len(server.snapshots["file:///b.matdiff"]) == 1 and published[-1].diagnostics == []
