"""Settings through ``workspace/configuration`` and ``didChangeConfiguration``; plain-text
hovers for a client without markdown."""

from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from .helpers import SERVER, doc, drain, open_doc, published

pytestmark = pytest.mark.asyncio(loop_scope="module")

URI = "file:///tmp/settings.matdiff"
TEXT = "A : matrix(m, n)\nx : vector(n)\nf = norm2(A*x)^2\n"


@pytest_lsp.fixture(config=SERVER, scope="module")
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    lsp_client.set_configuration({"layout": "gradient", "stepsOnHover": False}, section="matdiff")
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("visual-studio-code"))
    )
    yield
    await lsp_client.shutdown_session()


async def hover_text(client: LanguageClient) -> str:
    got = await client.text_document_hover_async(
        types.HoverParams(text_document=doc(URI), position=types.Position(line=2, character=0))
    )
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    return got.contents.value


async def test_initial_settings_are_read(client: LanguageClient) -> None:
    await open_doc(client, URI, TEXT)
    for _ in range(50):  # the first read races the open; it lands within moments
        text = await hover_text(client)
        if "numerator layout" not in text:
            break
        await asyncio.sleep(0.05)
    assert "gradient ∇_x f" in text and "numerator layout" not in text
    assert "product rule" not in text


@pytest.mark.parametrize(
    ("settings", "present", "absent"),
    [
        ({"layout": "numerator"}, ["numerator layout ∂f/∂x", "✓ checked"], ["gradient ∇_x f"]),
        ({"layout": "both", "numericCheck": False}, ["gradient ∇_x f", "numerator layout"],
         ["checked numerically"]),
        ({"stepsOnHover": True}, ["product rule"], []),
        ({"layout": "gradient", "stepsOnHover": False}, ["gradient ∇_x f"],
         ["numerator layout", "product rule"]),
    ],
)  # fmt: skip
@pytest.mark.parametrize("style", ["pull", "push"])
async def test_change_configuration(
    client: LanguageClient, settings: dict[str, object], present: list[str], absent: list[str],
    style: str,
) -> None:  # fmt: skip
    if style == "pull":  # the client says "changed"; the server asks workspace/configuration
        client.set_configuration(settings, section="matdiff")
        params = types.DidChangeConfigurationParams(settings=None)
    else:  # the settings come with the notification
        params = types.DidChangeConfigurationParams(settings={"matdiff": settings})
    drain(client)
    client.workspace_did_change_configuration(params)
    await published(client, URI, 1)  # settings re-analyse the open documents
    text = await hover_text(client)
    for word in present:
        assert word in text
    for word in absent:
        assert word not in text


PLAIN = types.ClientCapabilities(
    text_document=types.TextDocumentClientCapabilities(
        hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.PlainText])
    )
)


@pytest_lsp.fixture(config=SERVER, scope="module")
async def plain(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(types.InitializeParams(capabilities=PLAIN))
    yield
    await lsp_client.shutdown_session()


async def test_plain_text_hover_for_clients_without_markdown(plain: LanguageClient) -> None:
    await open_doc(plain, URI, TEXT)
    for _ in range(50):
        text = await hover_text(plain)
        got = await plain.text_document_hover_async(
            types.HoverParams(text_document=doc(URI), position=types.Position(line=2, character=0))
        )
        assert got is not None and isinstance(got.contents, types.MarkupContent)
        if got.contents.kind == types.MarkupKind.PlainText:
            break
        await asyncio.sleep(0.05)
    assert got.contents.kind == types.MarkupKind.PlainText
    assert "```" not in text and "**" not in text
    assert "gradient ∇_x f" in text
