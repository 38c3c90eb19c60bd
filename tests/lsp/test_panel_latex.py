"""``matdiff.derivative`` with ``emit: "equation"`` and ``emit: "steps-latex"``: the LaTeX the
VS Code panel typesets (with KaTeX), the same as ``matdiff.derive`` gives."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from matdiff import derive

from .helpers import SERVER, published

pytestmark = pytest.mark.asyncio(loop_scope="module")

URI = "file:///tmp/panel.matdiff"
LSQ = "W : matrix(m, n); x : vector(n); b : vector(m)\nloss = norm2(W*x + b)^2\n"


@pytest_lsp.fixture(config=SERVER, scope="module")
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("visual-studio-code"))
    )
    yield
    await lsp_client.shutdown_session()


async def run(client: LanguageClient, **args: str) -> Any:
    params = types.ExecuteCommandParams(
        command="matdiff.derivative", arguments=[{"uri": URI, "name": "loss", **args}]
    )
    return await client.workspace_execute_command_async(params)


async def test_equation_and_steps(client: LanguageClient) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=URI, language_id="matdiff", version=1,
                                             text=LSQ)))  # fmt: skip
    assert await published(client, URI, 1) == []
    for layout in ("gradient", "numerator"):
        r = derive(LSQ, "loss", "W", layout)
        got = await run(client, wrt="W", layout=layout, emit="equation")
        assert got["text"] == r.equation
        steps = await run(client, wrt="W", layout=layout, emit="steps-latex")
        assert steps["text"] == r.steps_latex
    assert (await run(client, wrt="W", emit="equation"))["text"].startswith("\\nabla_{W}")
    bad = await run(client, wrt="nope", emit="equation")
    assert "not a declared variable" in bad["error"]
