"""End to end: annotated NumPy functions in a Python file (LANGUAGE.md §10) — the shape error
at the operator, the information on what the reader cannot follow, the hover on a function's
name with its gradients, and the inserted gradient function, run and checked by value."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from .helpers import SERVER, apply_edits, doc, encoding_of, position, published

pytestmark = pytest.mark.asyncio(loop_scope="module")

URI = "file:///tmp/functions.py"
PY = '''\
"""Models ∂ (multi-byte text above)."""

from jaxtyping import Float

import numpy as np


def loss(W: Float[np.ndarray, "m n"], x: Float[np.ndarray, "n"],
         b: Float[np.ndarray, "m"], lam: float) -> float:
    r = W @ x + b
    return r @ r + lam * np.sum(W**2)


def bad(A: Float[np.ndarray, "m n"], y: Float[np.ndarray, "m"]) -> float:
    return np.sum(np.tanh(A @ y))


def looped(x: Float[np.ndarray, "n"]) -> float:
    return x[0]
'''


@pytest_lsp.fixture(config=SERVER, scope="module", params=["neovim", "visual-studio-code"])
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities(request.param))
    )
    lsp_client.encoding = encoding_of(result)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def test_functions_in_a_python_file(client: LanguageClient) -> None:
    enc = client.encoding  # type: ignore[attr-defined]
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=URI, language_id="python", version=1,
                                             text=PY)))  # fmt: skip
    found = await published(client, URI, 1)
    by_severity = {d.severity: d for d in found}
    assert len(found) == 2
    shape = by_severity[types.DiagnosticSeverity.Error]
    at = PY.index("@ y")
    assert shape.range.start == position(PY, at, enc)
    assert shape.range.end == position(PY, at + 1, enc)
    assert shape.message.startswith("cannot multiply A (m, n) by y (m,)")
    info = by_severity[types.DiagnosticSeverity.Information]
    assert info.range.start == position(PY, PY.index("x[0]"), enc)
    assert "indexing" in info.message

    h = await client.text_document_hover_async(types.HoverParams(
        text_document=doc(URI), position=position(PY, PY.index("loss") + 2, enc)))  # fmt: skip
    assert h is not None and isinstance(h.contents, types.MarkupContent)
    assert "∇_W loss" in h.contents.value
    codes = [c.split("\n```")[0] for c in h.contents.value.split("```python\n")[1:]]
    assert len(codes) == 4  # W, x, b, lam
    rng = np.random.default_rng(1)
    W, x, b = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal(3)
    env: dict[str, Any] = {"np": np, "W": W, "x": x, "b": b, "lam": 0.3, "m": 3, "n": 2}
    np.testing.assert_allclose(eval(codes[0], env), 2 * np.outer(W @ x + b, x) + 0.6 * W)

    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=doc(URI),
        range=types.Range(start=position(PY, PY.index("loss"), enc),
                          end=position(PY, PY.index("loss"), enc)),
        context=types.CodeActionContext(diagnostics=[])))  # fmt: skip
    assert actions is not None
    titles = [a.title for a in actions if isinstance(a, types.CodeAction)]
    assert "Insert NumPy gradient function loss_grad" in titles
    action = next(a for a in actions if isinstance(a, types.CodeAction) and "value" in a.title)
    assert action.edit is not None and action.edit.changes is not None
    new = apply_edits(PY, action.edit.changes[URI], enc)
    scope: dict[str, Any] = {}
    exec(compile(new.replace("from jaxtyping import Float\n", "Float = None\n")
                 .replace("Float[", "(lambda *a: None)(").replace('"]', '")'), URI, "exec"),
         scope)  # fmt: skip
    value, gW, gx, gb, glam = scope["loss_value_and_grad"](W, x, b, 0.3)
    r = W @ x + b
    np.testing.assert_allclose(value, r @ r + 0.3 * np.sum(W**2))
    np.testing.assert_allclose(gW, 2 * np.outer(r, x) + 0.6 * W)
    np.testing.assert_allclose(gx, 2 * W.T @ r)
    np.testing.assert_allclose(gb, 2 * r)
    np.testing.assert_allclose(glam, np.sum(W**2))

    none = await client.text_document_hover_async(types.HoverParams(
        text_document=doc(URI), position=position(PY, PY.index("def bad") + 1, enc)))  # fmt: skip
    assert none is None  # `def` itself is Python's business
    why = await client.text_document_hover_async(types.HoverParams(
        text_document=doc(URI), position=position(PY, PY.index("looped") + 1, enc)))  # fmt: skip
    assert why is not None and isinstance(why.contents, types.MarkupContent)
    assert "No derivative: matdiff does not read indexing" in why.contents.value


async def test_python_keeps_completion_outline_and_renames(client: LanguageClient) -> None:
    """In a function's body matdiff adds shapes as inlay hints and leaves completion,
    the outline, navigation and renaming to Python's own language server."""
    enc = client.encoding  # type: ignore[attr-defined]
    uri = "file:///tmp/functions2.py"
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1,
                                             text=PY)))  # fmt: skip
    await published(client, uri, 1)
    at = position(PY, PY.index("r = W @ x") + 4, enc)
    items = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc(uri), position=at)
    )
    assert items is None or not (items.items if isinstance(items, types.CompletionList) else items)
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc(uri))
    )
    assert not symbols
    rename = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=doc(uri), position=at)
    )
    assert rename is None
    everything = types.Range(
        start=types.Position(line=0, character=0), end=types.Position(line=30, character=0)
    )
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(text_document=doc(uri), range=everything)
    )
    assert hints is not None
    assert [(h.position, h.label) for h in hints] == [
        (position(PY, PY.index("r = W @ x") + 1, enc), ": (m,)")
    ]
