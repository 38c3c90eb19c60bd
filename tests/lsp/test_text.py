"""The server's text model: incremental edits read positions as LSP defines them — lines
end at ``\\n``, ``\\r\\n`` or ``\\r`` only (not at ``\\f \\v \\x1c \\x1d \\x1e \\x85
\\u2028 \\u2029``, where ``str.splitlines`` also breaks), columns in the negotiated encoding —
held to a reference written here, and end to end: a document edited piece by piece is
analysed exactly as the same text opened whole."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pytest_lsp import LanguageClient

from matdiff.base.spans import Encoding, LineIndex
from matdiff.lsp.text import OpenDocument, apply_change

from .helpers import close_doc, doc, published

# what splitlines breaks at and LSP does not, LSP's own breaks, and characters of each width
OTHER_BREAKS = "\f\v\x1c\x1d\x1e\x85\u2028\u2029"
ALPHABET = OTHER_BREAKS + "\n\r" + "ab é∂𝔸"  # 𝔸: two UTF-16 units, four UTF-8 bytes
MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")
ENCODINGS: list[Encoding] = ["utf-8", "utf-16", "utf-32"]


def width(ch: str, encoding: Encoding) -> int:
    if encoding == "utf-8":
        return len(ch.encode("utf-8"))
    if encoding == "utf-16":
        return 2 if ord(ch) > 0xFFFF else 1
    return 1


def lines(text: str) -> list[tuple[int, int]]:
    """(start, end before the break) of each line, by LSP's rule, char by char."""
    out, start, i = [], 0, 0
    while i < len(text):
        if text[i] in "\r\n":
            end = i
            i += 2 if text[i] == "\r" and text[i + 1 : i + 2] == "\n" else 1
            out.append((start, end))
            start = i
        else:
            i += 1
    out.append((start, len(text)))
    return out


def at(text: str, offset: int, encoding: Encoding) -> types.Position:
    for number, (start, end) in enumerate(lines(text)):
        if start <= offset <= end:
            column = sum(width(ch, encoding) for ch in text[start:offset])
            return types.Position(line=number, character=column)
    raise AssertionError("not a position: inside a \\r\\n")


def places(text: str) -> list[int]:
    """Offsets a position can name (not between the \\r and \\n of one break)."""
    return [o for o in range(len(text) + 1) if text[o - 1 : o + 1] != "\r\n"]


@st.composite
def edits(draw: Any) -> tuple[str, list[tuple[int, int, str]]]:
    text = draw(st.text(ALPHABET, max_size=30))
    steps, current = [], text
    for _ in range(draw(st.integers(1, 5))):
        ok = places(current)
        a, b = sorted((draw(st.sampled_from(ok)), draw(st.sampled_from(ok))))
        new = draw(st.text(ALPHABET, max_size=6))
        steps.append((a, b, new))
        current = current[:a] + new + current[b:]
    return text, steps


@pytest.mark.parametrize("encoding", ENCODINGS)
@settings(max_examples=300, deadline=None)
@given(case=edits())
def test_incremental_edits_follow_lsp_line_breaks(
    encoding: Encoding, case: tuple[str, list[tuple[int, int, str]]]
) -> None:
    text, steps = case
    expected = text
    for a, b, new in steps:
        where = types.Range(start=at(expected, a, encoding), end=at(expected, b, encoding))
        change = types.TextDocumentContentChangePartial(range=where, text=new)
        got = apply_change(expected, change, encoding)
        expected = expected[:a] + new + expected[b:]
        assert got == expected
        # and the line index agrees with the reference about every line
        index = LineIndex(expected)
        assert [(index.line_start(n), index.line_end(n)) for n in range(index.line_count)] == (
            lines(expected)
        )


@pytest.mark.parametrize("encoding", ENCODINGS)
@settings(max_examples=300, deadline=None)
@given(case=edits())
def test_one_document_edited_many_times(
    encoding: Encoding, case: tuple[str, list[tuple[int, int, str]]]
) -> None:
    """The server keeps a document as its lines, changed in place edit after edit: its
    text is the reference's after each one."""
    text, steps = case
    doc = OpenDocument("file:///t", "matdiff", 1, text)
    for a, b, new in steps:
        where = types.Range(start=at(text, a, encoding), end=at(text, b, encoding))
        backwards = types.Range(start=where.end, end=where.start)  # read forwards
        doc.apply(types.TextDocumentContentChangePartial(range=backwards, text=new), encoding)
        text = text[:a] + new + text[b:]
        assert doc.text == text


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("char", list(OTHER_BREAKS))
def test_an_edit_after_each_other_break_character(encoding: Encoding, char: str) -> None:
    text = f"a{char}b\nc{char}d\ne\n"
    # replace "e" (line 2, column 0: the character is not a line break)
    where = types.Range(
        start=types.Position(line=2, character=0), end=types.Position(line=2, character=1)
    )
    change = types.TextDocumentContentChangePartial(range=where, text="E")
    assert apply_change(text, change, encoding) == f"a{char}b\nc{char}d\nE\n"


def test_positions_past_the_end_clamp_and_a_whole_text_replaces() -> None:
    text = "ab\r\ncd\re"
    past_line = types.Range(start=types.Position(line=0, character=1),
                            end=types.Position(line=0, character=99))  # fmt: skip
    # a column past the end of its line is its end: the \r\n stays
    got = apply_change(
        text, types.TextDocumentContentChangePartial(range=past_line, text="X"), "utf-16"
    )
    assert got == "aX\r\ncd\re"
    past_text = types.Range(start=types.Position(line=2, character=0),
                            end=types.Position(line=9, character=0))  # fmt: skip
    got = apply_change(
        text, types.TextDocumentContentChangePartial(range=past_text, text="Y"), "utf-8"
    )
    assert got == "ab\r\ncd\rY"
    whole = types.TextDocumentContentChangeWholeDocument(text="new")
    assert apply_change(text, whole, "utf-16") == "new"


# End to end: the server's copy after incremental edits is the text a fresh open would have.

BASE = (
    "# page one\f, odd breaks: \v \x1c \x1d \x1e \x85 \u2028 \u2029 in a comment\n"
    "A : matrix(n, n)\f\n"
    "\f\n"
    "x : vector(n)  # \x85 \u2028 ∂𝔸\n"
    "f = x'*A*x\n"
)


async def open_as(client: LanguageClient, uri: str, text: str, language: str) -> list[Any]:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language, version=1, text=text
            )
        )
    )
    return await published(client, uri, 1)


async def edit(client: LanguageClient, uri: str, version: int, text: str,
               steps: list[tuple[int, int, str]]) -> tuple[str, list[Any]]:  # fmt: skip
    """Send each (start, end, new) as one incremental change; the text they make, and the
    diagnostics published for it."""
    encoding = client.encoding  # type: ignore[attr-defined]
    changes: list[types.TextDocumentContentChangeEvent] = []
    for a, b, new in steps:
        where = types.Range(start=at(text, a, encoding), end=at(text, b, encoding))
        changes.append(types.TextDocumentContentChangePartial(range=where, text=new))
        text = text[:a] + new + text[b:]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=changes,
        )
    )
    return text, await published(client, uri, version)


async def same_as_fresh(client: LanguageClient, uri: str, text: str, language: str,
                        diagnostics: list[Any]) -> None:  # fmt: skip
    fresh = uri.replace("edited", "fresh")
    want = await open_as(client, fresh, text, language)
    assert diagnostics == want
    got_symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc(uri))
    )
    want_symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc(fresh))
    )
    assert got_symbols == want_symbols
    close_doc(client, uri)
    close_doc(client, fresh)


@MODULE_LOOP
async def test_edits_after_form_feeds_and_other_breaks(client: LanguageClient) -> None:
    uri = "file:///tmp/edited-breaks.matdiff"
    assert await open_as(client, uri, BASE, "matdiff") == []
    at_f = BASE.index("f = ")
    steps = [
        (at_f + len("f = x'*A*x"), at_f + len("f = x'*A*x"), " + q"),  # q is undefined
        (BASE.index("x : vector"), BASE.index("x : vector"), "y : vector(n)\u2028z\n"),
    ]
    text, found = await edit(client, uri, 2, BASE, steps)
    assert {d.code for d in found} >= {"undefined"}
    q = text.index("q")
    (undefined,) = [d for d in found if d.code == "undefined"]
    assert undefined.range.start == at(text, q, client.encoding)  # type: ignore[attr-defined]
    await same_as_fresh(client, uri, text, "matdiff", found)


@MODULE_LOOP
async def test_a_carriage_return_only_document(client: LanguageClient) -> None:
    uri = "file:///tmp/edited-cr.matdiff"
    text = "A : matrix(n, n)\rx : vector(n)\rf = x'*A*x\r"
    assert await open_as(client, uri, text, "matdiff") == []
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc(uri))
    )
    assert [(s.name, s.range.start.line) for s in symbols] == [("A", 0), ("x", 1), ("f", 2)]
    end = text.index("x\r", text.index("f = ")) + 1
    text, found = await edit(client, uri, 2, text, [(end, end, " + q\rg = f*2")])
    (undefined,) = found
    assert undefined.range.start == types.Position(line=2, character=len("f = x'*A*x + "))
    await same_as_fresh(client, uri, text, "matdiff", found)


@MODULE_LOOP
async def test_a_python_file_with_a_form_feed(client: LanguageClient) -> None:
    uri = "file:///tmp/edited-page.py"
    text = (
        "import os\n\f\n"
        "def f():\n    return os.sep  # \u2028\n\f\n"
        "# matdiff: A : matrix(n, n); x : vector(n)\n"
        "# matdiff: loss = x'*A*x\n"
    )
    assert await open_as(client, uri, text, "python") == []
    end = text.index("A*x") + len("A*x")
    text, found = await edit(client, uri, 2, text, [(end, end, " + q")])
    (undefined,) = found
    assert undefined.range.start == at(text, text.index("q"), client.encoding)  # type: ignore[attr-defined]
    await same_as_fresh(client, uri, text, "python", found)
