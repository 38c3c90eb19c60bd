"""Every feature end to end over stdio, under Neovim's, VS Code's and Emacs's capabilities.

Positions are computed here in the encoding the server negotiated (UTF-8 for Neovim, UTF-32
for Emacs, UTF-16 for VS Code); the documents put ``ᵀ ∘ ⊗ ×`` before the positions asked
about.  Derivatives are checked by value.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from matdiff.api import check
from tests.features.helpers import evaluate, evaluate_definition, values

from .helpers import apply_edits, close_doc, doc, open_doc, position, published, units

pytestmark = pytest.mark.asyncio(loop_scope="module")

LSQ = "A : matrix(m, n)\nx : vector(n)\nb : vector(m)\nr = A*x - b\nf = norm2(r)^2\n"
UNI = "x : vector(n)\nA : matrix(n, n)\ng = (xᵀ ∘ xᵀ)*x + xᵀ*(A × x)\nK = kron(A, A) + A ⊗ A\n"
_counter = iter(range(10**6))


def new_uri() -> str:
    return f"file:///tmp/doc{next(_counter)}.matdiff"


def enc(client: LanguageClient) -> Any:
    return client.encoding  # type: ignore[attr-defined]


def pos(client: LanguageClient, text: str, offset: int) -> types.Position:
    return position(text, offset, enc(client))


def lsq_gradients(env: dict[str, Any]) -> dict[str, Any]:
    r = env["A"] @ env["x"] - env["b"]
    return {"A": 2 * np.outer(r, env["x"]), "x": 2 * env["A"].T @ r, "b": -2 * r}


async def test_negotiated_encoding(client: LanguageClient) -> None:
    expected = {"neovim": "utf-8", "emacs": "utf-32", "visual-studio-code": "utf-16"}
    assert enc(client) == expected[client.profile]  # type: ignore[attr-defined]


# --- diagnostics -------------------------------------------------------------------------


async def test_diagnostics_on_open_match_check(client: LanguageClient) -> None:
    text = (
        "x : vector(n)\nA : matrix(m, n)\ny = (xᵀ ∘ xᵀ) + A*x\n"
        "z = tr(x ⊗ x) + foo\nw = xᵀ ∘ xᵀ; v = x + A\n"
    )
    uri = new_uri()
    got = await open_doc(client, uri, text)
    expected = check(text)
    assert [d.message for d in got] == [d.message for d in expected]
    for d, e in zip(got, expected, strict=True):
        line_text = text.split("\n")[e.line - 1]
        assert d.range.start.line == e.line - 1
        assert d.range.start.character == units(line_text[: e.column - 1], enc(client))
        assert d.source == "matdiff"
    mismatch = next(d for d in got if "cannot add x (n×1) and A" in d.message)
    assert mismatch.related_information is not None
    related = [(r.location.range.start, r.message) for r in mismatch.related_information]
    assert related == [
        (pos(client, text, 0), "x is declared here as n×1"),
        (pos(client, text, text.index("A :")), "A is declared here as m×n"),
    ]
    close_doc(client, uri)


async def test_diagnostics_on_full_and_incremental_change(client: LanguageClient) -> None:
    uri = new_uri()
    text = "x : vector(n)\ny = xᵀ ∘ xᵀ\n"
    assert await open_doc(client, uri, text) == []
    # incremental: insert "+ x" after the ᵀ ∘ ᵀ, making a shape error
    line = text.split("\n")[1]
    at = types.Position(line=1, character=units(line, enc(client)))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=at, end=at), text=" + x"
                )
            ],
        )
    )
    got = await published(client, uri, 2)
    new = text.replace("xᵀ ∘ xᵀ\n", "xᵀ ∘ xᵀ + x\n")
    assert [d.message for d in got] == [d.message for d in check(new)]
    plus = new.index("+")
    assert got[0].range == types.Range(start=pos(client, new, plus), end=pos(client, new, plus + 1))
    # full replacement fixes it
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    assert await published(client, uri, 3) == []
    close_doc(client, uri)


# --- hover -------------------------------------------------------------------------------


async def hover_at(client: LanguageClient, uri: str, text: str, offset: int) -> types.Hover | None:
    return await client.text_document_hover_async(
        types.HoverParams(text_document=doc(uri), position=pos(client, text, offset))
    )


async def test_hover_definition_numpy_by_value(client: LanguageClient) -> None:
    uri = new_uri()
    await open_doc(client, uri, LSQ)
    got = await hover_at(client, uri, LSQ, LSQ.index("f ="))
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    code = re.findall(r"```python\n(.*?)\n```", got.contents.value, re.S)
    env = values(LSQ)
    expected = lsq_gradients(env)
    assert len(code) == 3
    for var, line in zip("Axb", code, strict=True):
        np.testing.assert_allclose(evaluate(line, env), expected[var], rtol=1e-9)
    assert "✓ checked numerically" in got.contents.value
    close_doc(client, uri)


async def test_hover_name_and_operator_after_unicode(client: LanguageClient) -> None:
    uri = new_uri()
    await open_doc(client, uri, UNI)
    third_x = UNI.index("*x +") + 1
    got = await hover_at(client, uri, UNI, third_x)
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    assert "x: vector n×1" in got.contents.value
    assert got.range == types.Range(
        start=pos(client, UNI, third_x), end=pos(client, UNI, third_x + 1)
    )
    kron_op = UNI.index("⊗")
    got = await hover_at(client, uri, UNI, kron_op)
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    assert got.contents.value.endswith("expression of shape n·n×n·n")
    start = UNI.index("A ⊗ A")
    assert got.range == types.Range(start=pos(client, UNI, start), end=pos(client, UNI, start + 5))
    assert await hover_at(client, uri, UNI, UNI.index("vector")) is None
    close_doc(client, uri)


# --- code actions and the command ---------------------------------------------------------


async def test_insert_gradient_applied_and_reanalysed(client: LanguageClient) -> None:
    uri = new_uri()
    await open_doc(client, uri, LSQ)
    p = pos(client, LSQ, LSQ.index("f ="))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc(uri),
            range=types.Range(start=p, end=p),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert actions is not None
    titles = [a.title for a in actions if isinstance(a, types.CodeAction)]
    assert "Insert gradient of f by A" in titles
    (action,) = [
        a
        for a in actions
        if isinstance(a, types.CodeAction) and a.title == "Insert gradient of f by A"
    ]
    assert action.edit is not None and action.edit.changes is not None
    edits = action.edit.changes[uri]
    new = apply_edits(LSQ, edits, enc(client))
    env = values(LSQ)
    np.testing.assert_allclose(evaluate_definition(new, "grad_f_A", env), lsq_gradients(env)["A"])
    # the server agrees the edited document is clean
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(range=e.range, text=e.new_text)
                for e in edits
            ],
        )
    )
    assert await published(client, uri, 2) == []
    close_doc(client, uri)


async def test_execute_command_derivative_by_value(client: LanguageClient) -> None:
    uri = new_uri()
    await open_doc(client, uri, LSQ)
    env = values(LSQ)
    for layout in ("gradient", "numerator"):
        got = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="matdiff.derivative",
                arguments=[
                    {"uri": uri, "name": "f", "wrt": "x", "layout": layout, "emit": "numpy"}
                ],
            )
        )
        np.testing.assert_allclose(evaluate(got["text"], env), lsq_gradients(env)["x"])
    got = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="matdiff.derivative",
            arguments=[{"uri": uri, "name": "f", "wrt": "nope"}],
        )
    )
    assert "not a declared variable" in got["error"]
    close_doc(client, uri)


# --- completion, signature help, tokens, hints, symbols --------------------------------


async def test_completion_and_signature_help(client: LanguageClient) -> None:
    uri = new_uri()
    text = UNI + "h = kron(xᵀ ∘ xᵀ, "
    await open_doc(client, uri, text)
    at = pos(client, text, len(text))
    got = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc(uri), position=at)
    )
    assert got is not None
    items = got.items if isinstance(got, types.CompletionList) else got
    details = {i.label: i.detail for i in items}
    assert details["A"] == "n×n" and details["g"] == "scalar" and details["kron"] == "kron(A, B)"
    sig = await client.text_document_signature_help_async(
        types.SignatureHelpParams(text_document=doc(uri), position=at)
    )
    assert sig is not None and sig.signatures[0].label == "kron(A, B)"
    assert sig.active_parameter == 1
    close_doc(client, uri)


async def test_semantic_tokens(client: LanguageClient) -> None:
    uri = new_uri()
    await open_doc(client, uri, UNI)
    legend = client.server_capabilities.semantic_tokens_provider.legend  # type: ignore[attr-defined]
    got = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=doc(uri))
    )
    assert got is not None
    data = list(got.data)
    lines = UNI.split("\n")
    decoded = []
    ln = ch = 0
    for i in range(0, len(data), 5):
        dl, dc, length, kind, bits = data[i : i + 5]
        ln, ch = ln + dl, (ch + dc if dl == 0 else dc)
        line = lines[ln]
        start = next(k for k in range(len(line) + 1) if units(line[:k], enc(client)) == ch)
        end = next(k for k in range(len(line) + 1) if units(line[:k], enc(client)) == ch + length)
        mods = {m for j, m in enumerate(legend.token_modifiers) if bits >> j & 1}
        decoded.append((line[start:end], legend.token_types[kind], mods))
    assert ("g", "variable", {"definition", "scalar"}) in decoded
    line2 = [t for t in decoded if t[0] == "x" and "declaration" not in t[2]]
    assert len(line2) == 5  # every x after ᵀ ∘ ᵀ × found at its real column
    assert ("kron", "function", {"defaultLibrary"}) in decoded
    assert ("A", "parameter", {"declaration", "matrix"}) in decoded
    close_doc(client, uri)


async def test_semantic_tokens_delta_and_range(client: LanguageClient) -> None:
    """VS Code asks for what changed since its last result, and for the visible range."""
    uri = new_uri()
    await open_doc(client, uri, UNI)
    provider = client.server_capabilities.semantic_tokens_provider
    assert provider.full.delta and provider.range  # type: ignore[union-attr]
    first = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=doc(uri))
    )
    assert first is not None and first.result_id
    # rename g to g2 on its line
    start, end = pos(client, UNI, UNI.index("g =")), pos(client, UNI, UNI.index("g =") + 1)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start=start, end=end), text="g2")]))  # fmt: skip
    await published(client, uri, 2)
    delta = await client.text_document_semantic_tokens_full_delta_async(
        types.SemanticTokensDeltaParams(text_document=doc(uri), previous_result_id=first.result_id)
    )
    assert isinstance(delta, types.SemanticTokensDelta) and delta.result_id != first.result_id
    assert len(delta.edits) == 1 and delta.edits[0].start > 0
    data = list(first.data)
    for e in delta.edits:
        data[e.start : e.start + e.delete_count] = list(e.data or [])
    full = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=doc(uri))
    )
    assert full is not None and data == list(full.data) != list(first.data)
    # an unknown previous result: the whole result
    whole = await client.text_document_semantic_tokens_full_delta_async(
        types.SemanticTokensDeltaParams(text_document=doc(uri), previous_result_id="nope")
    )
    assert isinstance(whole, types.SemanticTokens) and list(whole.data) == list(full.data)
    # the range of every line gives every token
    text = UNI.replace("g =", "g2 =", 1)
    every = await client.text_document_semantic_tokens_range_async(
        types.SemanticTokensRangeParams(
            text_document=doc(uri), range=types.Range(start=pos(client, text, 0),
                                                      end=pos(client, text, len(text))))
    )  # fmt: skip
    assert every is not None and list(every.data) == list(full.data)
    close_doc(client, uri)


async def test_inlay_hints_and_symbols(client: LanguageClient) -> None:
    uri = new_uri()
    text = "x : vector(n)\ng = (xᵀ ∘ xᵀ)*x; v = x ∘ x\n"
    await open_doc(client, uri, text)
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=doc(uri),
            range=types.Range(start=pos(client, text, 0), end=pos(client, text, len(text))),
        )
    )
    assert hints is not None
    assert [(h.position, h.label) for h in hints] == [
        (pos(client, text, text.index("g =") + 1), ": scalar"),
        (pos(client, text, text.index("v =") + 1), ": n×1"),
    ]
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc(uri))
    )
    assert symbols is not None
    assert [(s.name, s.detail) for s in symbols] == [  # type: ignore[union-attr]
        ("x", "n×1"),
        ("g", "scalar"),
        ("v", "n×1"),
    ]
    close_doc(client, uri)


# --- navigation, rename, formatting ---------------------------------------------------------


async def test_definition_references_rename(client: LanguageClient) -> None:
    uri = new_uri()
    await open_doc(client, uri, UNI)
    last_a = UNI.rindex("A")
    here = pos(client, UNI, last_a)
    loc = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc(uri), position=here)
    )
    assert isinstance(loc, types.Location)
    assert loc.range.start == pos(client, UNI, UNI.index("A :"))
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc(uri),
            position=here,
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert refs is not None
    expected = [m.start() for m in re.finditer(r"(?<![A-Za-z_])A(?![A-Za-z0-9_])", UNI)]
    assert [r.range.start for r in refs] == [pos(client, UNI, i) for i in expected]
    prep = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=doc(uri), position=here)
    )
    assert prep is not None
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=doc(uri), position=here, new_name="W")
    )
    assert edit is not None and edit.changes is not None
    assert apply_edits(UNI, edit.changes[uri], enc(client)) == UNI.replace("A", "W")
    with pytest.raises(JsonRpcException, match="reserved"):
        await client.text_document_rename_async(
            types.RenameParams(text_document=doc(uri), position=here, new_name="tr")
        )
    with pytest.raises(JsonRpcException, match="already taken"):
        await client.text_document_rename_async(
            types.RenameParams(text_document=doc(uri), position=here, new_name="x")
        )
    close_doc(client, uri)


async def test_formatting_keeps_comments_and_broken_text(client: LanguageClient) -> None:
    uri = new_uri()
    text = "x:vector( n )  # the input\ny=xᵀ ∘ xᵀ *x\nbroken = (x *\n# end\n"
    await open_doc(client, uri, text)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=doc(uri), options=types.FormattingOptions(tab_size=4, insert_spaces=True)
        )
    )
    assert edits
    new = apply_edits(text, edits, enc(client))
    assert new.startswith("x : vector(n)  # the input\ny = ")
    assert "broken = (x *\n# end\n" in new
    close_doc(client, uri)


# --- unopened documents ---------------------------------------------------------------------


async def test_unopened_document_gives_null(client: LanguageClient) -> None:
    uri = "file:///never/opened.matdiff"
    p = types.Position(line=0, character=0)
    r = types.Range(start=p, end=p)
    d = doc(uri)
    assert (
        await client.text_document_hover_async(types.HoverParams(text_document=d, position=p))
        is None
    )
    assert (
        await client.text_document_completion_async(
            types.CompletionParams(text_document=d, position=p)
        )
        is None
    )
    assert (
        await client.text_document_semantic_tokens_full_async(
            types.SemanticTokensParams(text_document=d)
        )
        is None
    )
    assert (
        await client.text_document_inlay_hint_async(types.InlayHintParams(text_document=d, range=r))
        is None
    )
    assert (
        await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=d)
        )
        is None
    )
    assert (
        await client.text_document_definition_async(
            types.DefinitionParams(text_document=d, position=p)
        )
        is None
    )
    assert (
        await client.text_document_formatting_async(
            types.DocumentFormattingParams(
                text_document=d, options=types.FormattingOptions(tab_size=2, insert_spaces=True)
            )
        )
        is None
    )
    assert (
        await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=d, range=r, context=types.CodeActionContext(diagnostics=[])
            )
        )
        is None
    )
    got = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="matdiff.derivative", arguments=[{"uri": uri, "name": "f", "wrt": "x"}]
        )
    )
    assert got is None
