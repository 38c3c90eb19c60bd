"""End to end: a Python file and a Markdown file opened under their own language ids; the
server answers inside their matdiff blocks (at host positions, after edits above a block)
and leaves the rest of the file alone."""

from __future__ import annotations

import numpy as np
import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.conftest import framework

from .helpers import SERVER, TIMEOUT, apply_edits, doc, encoding_of, position, published

pytestmark = pytest.mark.asyncio(loop_scope="module")

PY_URI = "file:///tmp/model.py"
PY = """\
import numpy as np  # ∂ ⊗ ᵀ — multi-byte text before the block

# matdiff: W : matrix(m, n); x : vector(n); b : vector(m)
# matdiff: loss = norm2(W*x + b)^2
# matdiff: bad = W*W
def f(W, x, b):
    return W @ x + b
"""
MD_URI = "file:///tmp/notes.md"
MD = "# Notes ∂\n\n```matdiff\nA : matrix(m, n)\nf = A*A\n```\n"


@pytest_lsp.fixture(config=SERVER, scope="module", params=["neovim", "visual-studio-code"])
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities(request.param))
    )
    lsp_client.encoding = encoding_of(result)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, uri: str, language: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id=language, version=version,
                                             text=text)))  # fmt: skip


async def test_python_block_diagnostics_hover_and_edits(client: LanguageClient) -> None:
    enc = client.encoding  # type: ignore[attr-defined]
    _open(client, PY_URI, "python", PY)
    (d,) = await published(client, PY_URI, 1)
    assert d.range.start == position(PY, PY.index("*W", PY.index("bad")), enc)

    h = await client.text_document_hover_async(types.HoverParams(
        text_document=doc(PY_URI), position=position(PY, PY.index("loss"), enc)))  # fmt: skip
    assert h is not None and isinstance(h.contents, types.MarkupContent)
    code = h.contents.value.split("```python\n")[1].split("\n```")[0]
    rng = np.random.default_rng(0)
    W, x, b = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal(3)
    got = eval(code, {"np": np, "W": W, "x": x, "b": b, "m": 3, "n": 2})
    np.testing.assert_allclose(got, 2 * np.outer(W @ x + b, x))

    outside = await client.text_document_hover_async(types.HoverParams(
        text_document=doc(PY_URI), position=position(PY, PY.index("return W"), enc)))  # fmt: skip
    assert outside is None

    # an edit above the block moves its diagnostics with it
    change = types.TextDocumentContentChangePartial(
        range=types.Range(start=types.Position(line=0, character=0),
                          end=types.Position(line=0, character=0)),
        text="# a new first line ∘\n")  # fmt: skip
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=PY_URI, version=2),
        content_changes=[change]))  # fmt: skip
    moved = "# a new first line ∘\n" + PY
    (d2,) = await published(client, PY_URI, 2)
    assert d2.range.start == position(moved, moved.index("*W", moved.index("bad")), enc)

    at = position(moved, moved.index("loss"), enc)
    acts = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=doc(PY_URI), range=types.Range(start=at, end=at),
        context=types.CodeActionContext(diagnostics=[])))  # fmt: skip
    assert acts is not None
    (act,) = [a for a in acts if isinstance(a, types.CodeAction)
              and a.title == "Insert gradient of loss by W"]  # fmt: skip
    assert act.edit is not None and act.edit.changes is not None
    new = apply_edits(moved, list(act.edit.changes[PY_URI]), enc)
    assert "# matdiff: grad_loss_W = 2*(W*x + b)*x'" in new.splitlines()

    # a JAX value-and-gradient function: inserted below the block, importing jax once
    (fn,) = [a for a in acts if isinstance(a, types.CodeAction)
             and a.title == "Insert JAX value-and-gradient function for loss"]  # fmt: skip
    assert fn.edit is not None and fn.edit.changes is not None
    code = apply_edits(moved, list(fn.edit.changes[PY_URI]), enc)
    assert code.count("import jax.numpy as jnp") == 1
    framework("jax")  # the frameworks extra; a CI run without it fails (tests/conftest.py)
    space: dict[str, object] = {}
    exec(compile(code, "model.py", "exec"), space)
    value, gW, gx, gb = space["loss_and_grad"](W, x, b)  # type: ignore[operator]
    r = W @ x + b
    np.testing.assert_allclose(float(value), r @ r)
    np.testing.assert_allclose(np.asarray(gW), 2 * np.outer(r, x))
    np.testing.assert_allclose(np.asarray(gx), 2 * W.T @ r)
    np.testing.assert_allclose(np.asarray(gb), 2 * r)


async def test_markdown_fence(client: LanguageClient) -> None:
    enc = client.encoding  # type: ignore[attr-defined]
    _open(client, MD_URI, "markdown", MD)
    (d,) = await published(client, MD_URI, 1)
    assert d.range.start == position(MD, MD.index("*A"), enc)
    assert TIMEOUT > 0


async def test_a_block_menu_and_hover_over_the_wire(client: LanguageClient) -> None:
    """The code action kinds are declared, ``only`` is honoured, the common actions come
    first, and a hover quotes the host file's line."""
    enc = client.encoding  # type: ignore[attr-defined]
    uri = "file:///tmp/menu.py"
    text = "import os\n\n\n# matdiff: A : matrix(n, n); x : vector(n)\n# matdiff: f = x'*A*x\n"
    _open(client, uri, "python", text)
    assert await published(client, uri, 1) == []
    at = position(text, text.index("f ="), enc)

    async def menu(only: list[types.CodeActionKind | str] | None) -> list[types.CodeAction]:
        got = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=doc(uri), range=types.Range(start=at, end=at),
            context=types.CodeActionContext(diagnostics=[], only=only)))  # fmt: skip
        assert got is not None
        return [a for a in got if isinstance(a, types.CodeAction)]

    everything = await menu(None)
    assert [a.title for a in everything[:4]] == [
        "Insert gradient of f by A", "Insert gradient of f by x",
        "Insert NumPy gradient function for f by A", "Insert NumPy gradient function for f by x",
    ]  # fmt: skip
    bulb = await menu([types.CodeActionKind.QuickFix, types.CodeActionKind.Refactor])
    source = await menu([types.CodeActionKind.Source])
    assert len(bulb) == 4 and {a.title for a in bulb + source} == {a.title for a in everything}
    assert {a.kind for a in source} == {"source.matdiff.derivative", "source.matdiff.function"}

    h = await client.text_document_hover_async(
        types.HoverParams(text_document=doc(uri), position=position(text, text.index("x'"), enc))
    )
    assert h is not None and isinstance(h.contents, types.MarkupContent)
    assert "(declared on line 4)" in h.contents.value
