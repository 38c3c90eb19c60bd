"""``matdiff lsp``: pygls wiring.  Handlers take a snapshot and call a feature function.

The only mutable state is ``MatdiffServer.snapshots`` (uri → immutable Snapshot), replaced on
open/change/close.  Every handler is isolated: a failing feature logs its traceback and
returns nothing, and the server lives on.
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from matdiff import __version__
from matdiff.base.spans import Encoding
from matdiff.features import actions, commands, diagnostics, hover
from matdiff.features.snapshot import Settings, Snapshot

log = logging.getLogger("matdiff.lsp")
T = TypeVar("T")


class MatdiffServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("matdiff", __version__)
        self.snapshots: dict[str, Snapshot] = {}
        self.settings = Settings()

    def encoding(self) -> Encoding:
        raw = str(getattr(self.workspace, "_position_encoding", "utf-16"))
        return raw if raw in ("utf-8", "utf-16", "utf-32") else "utf-16"  # type: ignore[return-value]

    def markdown(self) -> bool:
        caps = self.client_capabilities.text_document
        formats = caps.hover.content_format if caps and caps.hover else None
        return formats is None or types.MarkupKind.Markdown in formats

    def refresh(self, uri: str) -> Snapshot | None:
        doc = self.workspace.get_text_document(uri)
        snap = Snapshot.of(uri, doc.source, doc.version, self.encoding(), self.settings)
        self.snapshots[uri] = snap
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=doc.version,
                                           diagnostics=diagnostics.diagnostics(snap))  # fmt: skip
        )
        return snap


server = MatdiffServer()


def isolated(default: Any = None) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """A failing handler logs and answers ``default``; the server lives on."""

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def run(*args: Any) -> T:
            try:
                return fn(*args)
            except Exception:  # noqa: BLE001 — isolation is the point
                message = f"matdiff: {fn.__name__} failed:\n{traceback.format_exc()}"
                log.error(message)
                try:
                    server.window_log_message(
                        types.LogMessageParams(type=types.MessageType.Error, message=message))  # fmt: skip
                except Exception:  # noqa: BLE001
                    pass
                return default  # type: ignore[no-any-return]

        return run

    return wrap


def snapshot(uri: str) -> Snapshot | None:
    snap = server.snapshots.get(uri)
    if snap is None:
        log.info("no snapshot: %s is not open", uri)
    return snap


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@isolated()
def did_open(ls: MatdiffServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.refresh(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@isolated()
def did_change(ls: MatdiffServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.refresh(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@isolated()
def did_close(ls: MatdiffServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.snapshots.pop(params.text_document.uri, None)
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))  # fmt: skip


@server.feature(types.TEXT_DOCUMENT_HOVER)
@isolated()
def on_hover(ls: MatdiffServer, params: types.HoverParams) -> types.Hover | None:
    snap = snapshot(params.text_document.uri)
    return None if snap is None else hover.hover(snap, params.position)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix,
                                                           types.CodeActionKind.RefactorInline]))  # fmt: skip
@isolated()
def on_code_action(ls: MatdiffServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    snap = snapshot(params.text_document.uri)
    return None if snap is None else actions.code_actions(snap, params)


@server.command("matdiff.derivative")
@isolated()
def on_derivative(ls: MatdiffServer, args: Any = None, *rest: Any) -> dict[str, Any] | None:
    request = args if isinstance(args, dict) else {}
    snap = snapshot(str(request.get("uri", "")))
    if snap is None:
        return None
    return commands.derivative(snap, request)


@server.feature(types.INITIALIZED)
async def on_initialized(ls: MatdiffServer, params: types.InitializedParams) -> None:
    await _load_settings(ls)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def on_configuration(ls: MatdiffServer, params: types.DidChangeConfigurationParams) -> None:
    settings = params.settings
    if isinstance(settings, dict) and isinstance(settings.get("matdiff"), dict):
        _apply_settings(ls, settings["matdiff"])
    else:
        await _load_settings(ls)


async def _load_settings(ls: MatdiffServer) -> None:
    workspace = ls.client_capabilities.workspace
    if not (workspace and workspace.configuration):
        _apply_settings(ls, {})
        return
    try:
        got = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="matdiff")]))  # fmt: skip
        _apply_settings(ls, got[0] if got else {})
    except Exception:  # noqa: BLE001 — keep the defaults
        log.exception("could not read the settings")
        _apply_settings(ls, {})


def _apply_settings(ls: MatdiffServer, raw: object) -> None:
    ls.settings = Settings.from_dict(raw, ls.markdown())
    for uri in list(ls.snapshots):
        ls.refresh(uri)


def main(args: list[str] | None = None) -> int:
    server.start_io()
    return 0
