"""End to end: notebook cells as VS Code sends them (cell documents with
``vscode-notebook-cell:`` URIs and language id ``python``, through textDocument/didOpen — the
extension's document selector ``{language: "python"}`` matches them).  A ``%%matdiff``
cell is one matdiff document below its magic line; a plain Python cell keeps its
``# matdiff:`` blocks; any other cell is left alone."""

from __future__ import annotations

import numpy as np
import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from .helpers import SERVER, apply_edits, doc, encoding_of, position, published

pytestmark = pytest.mark.asyncio(loop_scope="module")

NB = "vscode-notebook-cell:/home/u/work/demo.ipynb"
CELL_URI = f"{NB}#W2sZmlsZQ%3D%3D"
CELL = """\
%%matdiff --steps
W : matrix(m, n); x : vector(n); b : vector(m)  # ∂ ⊗ ᵀ
loss = norm2(W*x + b)^2
bad = W*W
"""
PY_CELL_URI = f"{NB}#W3sZmlsZQ%3D%3D"
PY_CELL = "import numpy as np\n# matdiff: A : matrix(m, n)\n# matdiff: f = A*A\nx = 1\n"
PLAIN_URI = f"{NB}#W4sZmlsZQ%3D%3D"
PLAIN = "%%time\nW = 1  # W*W\n"


@pytest_lsp.fixture(config=SERVER, scope="module", params=["visual-studio-code", "neovim"])
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities(request.param))
    )
    lsp_client.encoding = encoding_of(result)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version,
                                             text=text)))  # fmt: skip


async def test_matdiff_cell_diagnostics_hover_and_actions(client: LanguageClient) -> None:
    enc = client.encoding  # type: ignore[attr-defined]
    _open(client, CELL_URI, CELL)
    (d,) = await published(client, CELL_URI, 1)
    assert d.message.startswith("cannot multiply W (m×n) by W (m×n)")
    assert d.range.start == position(CELL, CELL.index("*W", CELL.index("bad")), enc)

    h = await client.text_document_hover_async(types.HoverParams(
        text_document=doc(CELL_URI), position=position(CELL, CELL.index("loss"), enc)))  # fmt: skip
    assert h is not None and isinstance(h.contents, types.MarkupContent)
    code = h.contents.value.split("```python\n")[1].split("\n```")[0]
    rng = np.random.default_rng(0)
    W, x, b = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal(3)
    got = eval(code, {"np": np, "W": W, "x": x, "b": b, "m": 3, "n": 2})
    np.testing.assert_allclose(got, 2 * np.outer(W @ x + b, x))

    on_magic = await client.text_document_hover_async(types.HoverParams(
        text_document=doc(CELL_URI), position=types.Position(line=0, character=4)))  # fmt: skip
    assert on_magic is None  # the %%matdiff line is the cell's, not the document's

    at = position(CELL, CELL.index("loss"), enc)
    acts = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=doc(CELL_URI), range=types.Range(start=at, end=at),
        context=types.CodeActionContext(diagnostics=[])))  # fmt: skip
    titles = [a.title for a in acts or [] if isinstance(a, types.CodeAction)]
    assert "Insert gradient of loss by W" in titles
    assert not [t for t in titles if "NumPy" in t]  # no Python code inside a %%matdiff cell
    (insert,) = [a for a in acts or [] if isinstance(a, types.CodeAction)
                 and a.title == "Insert gradient of loss by W"]  # fmt: skip
    assert insert.edit is not None and insert.edit.changes is not None
    edited = apply_edits(CELL, insert.edit.changes[CELL_URI], enc)
    assert "\ngrad_loss_W = 2*(W*x + b)*x'\n" in edited and edited.startswith("%%matdiff --steps\n")


async def test_python_cell_keeps_its_comment_blocks(client: LanguageClient) -> None:
    enc = client.encoding  # type: ignore[attr-defined]
    _open(client, PY_CELL_URI, PY_CELL)
    (d,) = await published(client, PY_CELL_URI, 1)
    assert d.range.start == position(PY_CELL, PY_CELL.index("*A"), enc)


async def test_other_cells_are_left_alone(client: LanguageClient) -> None:
    _open(client, PLAIN_URI, PLAIN)
    assert await published(client, PLAIN_URI, 1) == []
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=doc(PLAIN_URI), position=types.Position(line=1, character=0)))  # fmt: skip
    assert h is None


async def test_cell_edit_and_close(client: LanguageClient) -> None:
    """Typing in a cell re-analyses it; closing clears its diagnostics."""
    enc = client.encoding  # type: ignore[attr-defined]
    uri = f"{NB}#W5sZmlsZQ%3D%3D"
    text = "%%matdiff\nA : matrix(m, n)\nf = tr(A'*A)\n"
    _open(client, uri, text)
    assert await published(client, uri, 1) == []
    line = text.splitlines().index("f = tr(A'*A)")
    change = types.TextDocumentContentChangePartial(
        range=types.Range(start=types.Position(line=line, character=4),
                          end=types.Position(line=line, character=12)),
        text="A*A")  # fmt: skip
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[change]))  # fmt: skip
    (d,) = await published(client, uri, 2)
    changed = "%%matdiff\nA : matrix(m, n)\nf = A*A\n"
    assert d.range.start == position(changed, changed.index("*A"), enc)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=doc(uri)))
    assert await published(client, uri, None) == []  # type: ignore[arg-type]
