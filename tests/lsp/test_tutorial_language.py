"""LANGUAGE.md §9 end to end over stdio, under Neovim's (UTF-8), VS Code's (UTF-16) and
Emacs's (UTF-32) capabilities: Greek names (and 𝑥, outside the BMP) hover, rename and
complete; E.g. 5 with a declared σ and l hovers with σ' and ∇l."""

from __future__ import annotations

from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from matdiff.analysis import analyze

from .helpers import apply_edits, close_doc, doc, open_doc, position

pytestmark = pytest.mark.asyncio(loop_scope="module")

GREEK = "λ : scalar\nμ, 𝑥 : vector(n)\nΣ : matrix(n, n) spd\nr = 𝑥 - μ\nf = λ*rᵀ*Σ*r\n"
E5 = (
    "σ : elementwise\nl : function(vector(m))\n"
    "W1 : matrix(h, n); W2 : matrix(m, h); x : vector(n)\nf = l(W2*σ(W1*x))\n"
)
_counter = iter(range(10**6))


def new_uri() -> str:
    return f"file:///tmp/tutorial{next(_counter)}.matdiff"


def enc(client: LanguageClient) -> Any:
    return client.encoding  # type: ignore[attr-defined]


async def test_greek_names(client: LanguageClient) -> None:
    uri = new_uri()
    assert await open_doc(client, uri, GREEK) == []
    at = GREEK.index("Σ*r")
    got = await client.text_document_hover_async(
        types.HoverParams(text_document=doc(uri), position=position(GREEK, at, enc(client)))
    )
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    assert "Σ" in got.contents.value and "n×n" in got.contents.value
    assert got.range == types.Range(
        start=position(GREEK, at, enc(client)), end=position(GREEK, at + 1, enc(client))
    )
    at = GREEK.rindex("μ")
    edit = await client.text_document_rename_async(
        types.RenameParams(
            text_document=doc(uri), position=position(GREEK, at, enc(client)), new_name="ν₂"
        )
    )
    assert edit is not None and edit.changes is not None
    renamed = apply_edits(GREEK, list(edit.changes[uri]), enc(client))
    assert renamed == GREEK.replace("μ", "ν₂") and not analyze(renamed).diagnostics
    text = GREEK + "g = 𝑥 + "
    close_doc(client, uri)
    uri = new_uri()
    await open_doc(client, uri, text)
    items = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=doc(uri), position=position(text, len(text), enc(client))
        )
    )
    assert items is not None
    labels = {i.label for i in (items.items if isinstance(items, types.CompletionList) else items)}
    assert {"λ", "μ", "𝑥", "Σ", "r", "f"} <= labels
    close_doc(client, uri)


async def test_eg5_hover(client: LanguageClient) -> None:
    uri = new_uri()
    assert await open_doc(client, uri, E5) == []
    at = E5.index("f = l")
    got = await client.text_document_hover_async(
        types.HoverParams(text_document=doc(uri), position=position(E5, at, enc(client)))
    )
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    text = got.contents.value
    assert "σ'(W1·x)" in text and "∇l(W2·σ(W1·x))" in text
    close_doc(client, uri)
