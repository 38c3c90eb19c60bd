"""Helpers for the end-to-end tests: one server per module, positions in the negotiated
encoding, and waiting for the diagnostics of a given document version."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, make_test_lsp_client

from tests.features.helpers import apply_edits, position, units  # noqa: F401 — re-exported


def make_client() -> LanguageClient:
    """pytest-lsp's client, also queueing every ``publishDiagnostics`` (with its version):
    waiting for the next notification can miss one that arrives in the same read."""
    client = make_test_lsp_client()
    queue: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()
    client.published = queue  # type: ignore[attr-defined]
    features = client.protocol.fm.features
    original = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def record(params: types.PublishDiagnosticsParams) -> None:  # pygls bound the client
        original(params)
        queue.put_nowait(params)

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = record
    return client


SERVER = ClientServerConfig(
    server_command=[sys.executable, "-m", "matdiff", "lsp"], client_factory=make_client
)
CLIENTS = ["neovim", "visual-studio-code", "emacs"]
TIMEOUT = 10.0


def encoding_of(result: types.InitializeResult) -> Any:
    raw = result.capabilities.position_encoding or "utf-16"
    return str(getattr(raw, "value", raw))


def doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def published(client: LanguageClient, uri: str, version: int) -> list[types.Diagnostic]:
    """The diagnostics published for ``uri`` at ``version``."""

    queue: asyncio.Queue[types.PublishDiagnosticsParams] = client.published  # type: ignore[attr-defined]

    async def wait() -> list[types.Diagnostic]:
        while True:
            params = await queue.get()
            if params.uri == uri and params.version == version:
                return list(params.diagnostics)

    return await asyncio.wait_for(wait(), TIMEOUT)


async def open_doc(
    client: LanguageClient, uri: str, text: str, version: int = 1
) -> list[types.Diagnostic]:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="matdiff", version=version, text=text
            )
        )
    )
    return await published(client, uri, version)


def close_doc(client: LanguageClient, uri: str) -> None:
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=doc(uri)))


def drain(client: LanguageClient) -> None:
    """Forget the diagnostics published so far (before waiting for a re-publication)."""
    queue: asyncio.Queue[types.PublishDiagnosticsParams] = client.published  # type: ignore[attr-defined]
    while not queue.empty():
        queue.get_nowait()


class Sink:
    """A writer for a protocol driven in process: keeps what the server sends."""

    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def close(self) -> None:
        pass
