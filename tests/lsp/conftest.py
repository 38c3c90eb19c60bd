"""One server per test module and client profile (stored capabilities of real editors)."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from .helpers import CLIENTS, SERVER, encoding_of


@pytest_lsp.fixture(config=SERVER, scope="module", params=CLIENTS)
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities(request.param))
    )
    lsp_client.encoding = encoding_of(result)  # type: ignore[attr-defined]
    lsp_client.profile = request.param  # type: ignore[attr-defined]
    lsp_client.server_capabilities = result.capabilities  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()
