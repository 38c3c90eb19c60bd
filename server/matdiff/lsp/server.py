"""``matdiff lsp``: pygls wiring.  Handlers take a snapshot and call a feature function.

The only mutable state is ``MatdiffServer.snapshots`` (uri → immutable Snapshot), replaced on
open/change/close.  Every handler is isolated: a failing feature logs its traceback and
returns nothing, and the server lives on.  A feature that refuses a request with a reason
(:class:`~matdiff.features.navigation.Refused`, e.g. renaming to a reserved name) answers
with a JSON-RPC ``RequestFailed`` error carrying that reason.

pygls drops a message it cannot read without answering; :class:`MatdiffProtocol` answers
instead, as JSON-RPC asks: ``-32700`` for text that is not JSON, ``-32600`` for a request
that is not JSON-RPC 2.0, ``-32602`` for a request whose params do not fit its method.
Unknown methods get pygls's own ``-32601``.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import itertools
import json
import logging
import threading
import traceback
from collections.abc import Callable, Coroutine
from contextlib import suppress
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
)
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, default_converter

from matdiff import __version__
from matdiff.base import caches
from matdiff.base.embedded import HostKind, host_kind
from matdiff.base.spans import Encoding
from matdiff.engine import expr as E
from matdiff.features import (
    actions,
    commands,
    completion,
    diagnostics,
    formatting,
    hover,
    navigation,
    outline,
    tokens,
)
from matdiff.features.snapshot import Settings, Snapshot

if TYPE_CHECKING:
    import cattrs  # pygls's (through lsprotocol)

log = logging.getLogger("matdiff.lsp")
T = TypeVar("T")


class _Dropped:
    """A message already answered with an error: pygls ignores it (not JSON-RPC 2.0)."""

    jsonrpc = "dropped"


class MatdiffProtocol(LanguageServerProtocol):
    def structure_message(self, data: dict[str, Any]) -> Any:
        is_request = isinstance(data, dict) and "id" in data and "method" in data
        if is_request and data.get("jsonrpc") != self.VERSION:
            self._send_response(data["id"], error=JsonRpcInvalidRequest().to_response_error())
            return _Dropped()
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if not is_request:
                raise
            self._send_response(data["id"], error=exc.to_response_error())
            return _Dropped()


def converter() -> cattrs.Converter:
    """pygls's converter, with positions and ranges written out directly.

    They are in nearly every answer, and in a union-typed result (``documentSymbol``'s)
    the default conversion of each one is slow: 5,000 symbols took 235 ms, 36 ms with these.
    The JSON is the same (tests/lsp/test_protocol.py).
    """
    conv: cattrs.Converter = default_converter()  # type: ignore[no-untyped-call]
    conv.register_unstructure_hook(types.Position, _position)
    conv.register_unstructure_hook(
        types.Range, lambda r: {"start": _position(r.start), "end": _position(r.end)}
    )
    return conv


def _position(p: types.Position) -> dict[str, int]:
    return {"line": p.line, "character": p.character}


class MatdiffServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "matdiff", __version__, protocol_cls=MatdiffProtocol, converter_factory=converter
        )
        # uri → its snapshots: one for a .matdiff file, one per block of a host file
        self.snapshots: dict[str, tuple[Snapshot, ...]] = {}
        self.settings = Settings()
        self.exit_before_shutdown = False
        self.refreshes = 0
        # uri → the last semantic tokens sent (with a result id): deltas are taken from it
        self.tokens: dict[str, types.SemanticTokens] = {}
        self.results = itertools.count(1)
        self.caches = caches.Caches()  # every cache of this session, bounded (base/caches.py)
        caches.activate(self.caches)

    def encoding(self) -> Encoding:
        raw = self.workspace.position_encoding
        value = str(getattr(raw, "value", raw or "utf-16"))  # an enum, or a plain string
        return value if value in ("utf-8", "utf-16", "utf-32") else "utf-16"  # type: ignore[return-value]

    def markdown(self) -> bool:
        caps = self.client_capabilities.text_document
        formats = caps.hover.content_format if caps and caps.hover else None
        return formats is None or types.MarkupKind.Markdown in formats

    def refresh(self, uri: str) -> None:
        """Re-analyse a document (a .matdiff file, or every matdiff block of a Python or
        Markdown file) and publish its diagnostics."""
        doc = self.workspace.get_text_document(uri)
        kind = _host_kind(doc.language_id, uri)
        gc.disable()  # building trees is allocation, not garbage: no collections meanwhile
        try:
            if kind is None:
                snaps: tuple[Snapshot, ...] = (
                    Snapshot.of(uri, doc.source, doc.version, self.encoding(), self.settings),
                )
            else:
                snaps = Snapshot.of_host(
                    uri, doc.source, kind, doc.version, self.encoding(), self.settings
                )
        finally:
            gc.enable()
        self.snapshots[uri] = snaps
        live = sum(len(s.model.document.statements) for ss in self.snapshots.values() for s in ss)
        self.caches.fit(live)
        found = [d for snap in snaps for d in diagnostics.diagnostics(snap)]
        params = types.PublishDiagnosticsParams(uri=uri, version=doc.version, diagnostics=found)
        self.text_document_publish_diagnostics(params)
        self.settle()

    def remember_tokens(self, uri: str, result: types.SemanticTokens) -> types.SemanticTokens:
        result.result_id = str(next(self.results))
        self.tokens[uri] = result
        return result

    def settle(self) -> None:
        """Keep the cyclic garbage collector off the documents' trees.

        A full collection walks every object: ~130 ms with a 5,000-line document open, a pause
        in the middle of typing.  The trees hold no cycles (reference counting frees them), so
        what exists after an analysis is frozen out of the collector's walks; now and then
        everything is unfrozen and collected once, so that no cycle lives forever.
        """
        self.refreshes += 1
        if self.refreshes % 200 == 0:
            gc.unfreeze()
            gc.collect()
        gc.freeze()

    def report_server_error(self, error: Exception, source: Any) -> None:
        if isinstance(error, json.JSONDecodeError):  # not JSON: no id to answer, so id null
            self.protocol._send_response(None, error=JsonRpcParseError().to_response_error())  # type: ignore[arg-type]
            return
        super().report_server_error(error, source)


server = MatdiffServer()


def _failed(name: str) -> None:
    """Log the exception being handled, here and in the client's log."""
    message = f"matdiff: {name} failed:\n{traceback.format_exc()}"
    log.error(message)
    with suppress(Exception):
        server.window_log_message(
            types.LogMessageParams(type=types.MessageType.Error, message=message)
        )


def isolated(default: Any = None) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """A failing handler logs and answers ``default``; the server lives on."""

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def run(*args: Any) -> T:
            try:
                return fn(*args)
            except navigation.Refused as exc:
                code = types.LSPErrorCodes.RequestFailed
                raise JsonRpcException(code=code, message=str(exc)) from None
            except Exception:  # noqa: BLE001 — isolation is the point
                _failed(fn.__name__)
                return default  # type: ignore[no-any-return]

        return run

    return wrap


def cancellable(
    default: Any = None,
) -> Callable[[Callable[..., T]], Callable[..., Coroutine[Any, Any, T]]]:
    """For handlers that may derive: run off the event loop (edits keep flowing), and honour
    ``$/cancelRequest`` — pygls cancels the awaiting task, and the cancel scope stops the
    derivation at its next check.  A failing handler logs and answers ``default``."""

    def wrap(fn: Callable[..., T]) -> Callable[..., Coroutine[Any, Any, T]]:
        @functools.wraps(fn)
        async def run(*args: Any) -> T:
            event = threading.Event()

            def work() -> T:
                with E.CancelScope(event):
                    return fn(*args)

            try:
                return await asyncio.get_running_loop().run_in_executor(None, work)
            except asyncio.CancelledError:
                event.set()
                raise
            except Exception:  # noqa: BLE001 — isolation is the point
                _failed(fn.__name__)
                return default  # type: ignore[no-any-return]

        return run

    return wrap


def _host_kind(language_id: str | None, uri: str) -> HostKind | None:
    if language_id in ("python", "markdown"):
        return language_id  # type: ignore[return-value]
    if language_id == "matdiff":
        return None
    return host_kind(uri)


def snapshot(uri: str, position: types.Position | None = None) -> Snapshot | None:
    """The snapshot a request is about: the document's, or the embedded block that holds
    ``position`` (None outside every block: the rest of a host file is left alone)."""
    snaps = server.snapshots.get(uri)
    if snaps is None:
        log.info("no snapshot: %s is not open", uri)
        return None
    if position is None:
        return snaps[0] if len(snaps) == 1 and snaps[0].host is None else None
    return next((s for s in snaps if s.contains(position)), None)


def every_snapshot(uri: str) -> tuple[Snapshot, ...] | None:
    return server.snapshots.get(uri)


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
    ls.tokens.pop(params.text_document.uri, None)
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
    )


@server.feature(types.TEXT_DOCUMENT_HOVER)
@cancellable()
def on_hover(ls: MatdiffServer, params: types.HoverParams) -> types.Hover | None:
    snap = snapshot(params.text_document.uri, params.position)
    return None if snap is None else hover.hover(snap, params.position)


_ACTION_KINDS = [types.CodeActionKind.QuickFix, types.CodeActionKind.RefactorInline]


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=_ACTION_KINDS)
)
@cancellable()
def on_code_action(
    ls: MatdiffServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    snap = snapshot(params.text_document.uri, params.range.start)
    return None if snap is None else actions.code_actions(snap, params)


@server.feature(
    types.TEXT_DOCUMENT_COMPLETION,
    types.CompletionOptions(trigger_characters=completion.TRIGGER_CHARACTERS),
)
@isolated()
def on_completion(ls: MatdiffServer, params: types.CompletionParams) -> types.CompletionList | None:
    snap = snapshot(params.text_document.uri, params.position)
    return None if snap is None else completion.completion(snap, params.position)


@server.feature(
    types.TEXT_DOCUMENT_SIGNATURE_HELP,
    types.SignatureHelpOptions(
        trigger_characters=completion.SIGNATURE_TRIGGERS,
        retrigger_characters=completion.SIGNATURE_RETRIGGERS,
    ),
)
@isolated()
def on_signature_help(
    ls: MatdiffServer, params: types.SignatureHelpParams
) -> types.SignatureHelp | None:
    snap = snapshot(params.text_document.uri, params.position)
    return None if snap is None else completion.signature_help(snap, params.position)


@server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, tokens.LEGEND)
@isolated()
def on_semantic_tokens(
    ls: MatdiffServer, params: types.SemanticTokensParams
) -> types.SemanticTokens | None:
    snap = snapshot(params.text_document.uri)
    return None if snap is None else ls.remember_tokens(snap.uri, tokens.semantic_tokens(snap))


@server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL_DELTA, tokens.LEGEND)
@isolated()
def on_semantic_tokens_delta(
    ls: MatdiffServer, params: types.SemanticTokensDeltaParams
) -> types.SemanticTokens | types.SemanticTokensDelta | None:
    """The change since the client's last result (a few numbers instead of the whole
    document's); the whole result if that one is not the last this server sent."""
    snap = snapshot(params.text_document.uri)
    if snap is None:
        return None
    last = ls.tokens.get(snap.uri)
    new = ls.remember_tokens(snap.uri, tokens.semantic_tokens(snap))
    if last is None or last.result_id != params.previous_result_id:
        return new
    return types.SemanticTokensDelta(
        result_id=new.result_id, edits=tokens.edits(last.data, new.data)
    )


@server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE, tokens.LEGEND)
@isolated()
def on_semantic_tokens_range(
    ls: MatdiffServer, params: types.SemanticTokensRangeParams
) -> types.SemanticTokens | None:
    snap = snapshot(params.text_document.uri)
    return None if snap is None else tokens.semantic_tokens_range(snap, params.range)


@server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
@isolated()
def on_inlay_hint(ls: MatdiffServer, params: types.InlayHintParams) -> list[types.InlayHint] | None:
    snaps = every_snapshot(params.text_document.uri)
    return (
        None if snaps is None else [h for s in snaps for h in outline.inlay_hints(s, params.range)]
    )


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@isolated()
def on_document_symbol(
    ls: MatdiffServer, params: types.DocumentSymbolParams
) -> list[types.DocumentSymbol] | None:
    snaps = every_snapshot(params.text_document.uri)
    return None if snaps is None else [d for s in snaps for d in outline.document_symbols(s)]


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
@isolated()
def on_definition(ls: MatdiffServer, params: types.DefinitionParams) -> types.Location | None:
    snap = snapshot(params.text_document.uri, params.position)
    return None if snap is None else navigation.definition(snap, params.position)


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
@isolated()
def on_references(ls: MatdiffServer, params: types.ReferenceParams) -> list[types.Location] | None:
    snap = snapshot(params.text_document.uri, params.position)
    include = params.context.include_declaration
    return None if snap is None else navigation.references(snap, params.position, include)


@server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
@isolated()
def on_prepare_rename(
    ls: MatdiffServer, params: types.PrepareRenameParams
) -> types.PrepareRenamePlaceholder | None:
    snap = snapshot(params.text_document.uri, params.position)
    return None if snap is None else navigation.prepare_rename(snap, params.position)


@server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
@isolated()
def on_rename(ls: MatdiffServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
    snap = snapshot(params.text_document.uri, params.position)
    return None if snap is None else navigation.rename(snap, params.position, params.new_name)


@server.feature(types.TEXT_DOCUMENT_FORMATTING)
@isolated()
def on_formatting(
    ls: MatdiffServer, params: types.DocumentFormattingParams
) -> list[types.TextEdit] | None:
    snap = snapshot(params.text_document.uri)
    return None if snap is None else formatting.formatting(snap)


def _command_target(args: Any) -> tuple[Snapshot, dict[str, Any]] | None:
    """A command's ``{uri, name, …}``: the snapshot that defines ``name`` (in a host file,
    its block), and the arguments."""
    request = args if isinstance(args, dict) else {}
    snaps = every_snapshot(str(request.get("uri", "")))
    if not snaps:
        return None
    name = str(request.get("name", ""))
    return next((s for s in snaps if name in s.model.symbols), snaps[0]), request


@server.command("matdiff.derivative")
@cancellable()
def on_derivative(ls: MatdiffServer, args: Any = None, *rest: Any) -> dict[str, Any] | None:
    target = _command_target(args)
    return None if target is None else commands.derivative(*target)


@server.command("matdiff.variables")
@isolated()
def on_variables(ls: MatdiffServer, args: Any = None, *rest: Any) -> dict[str, Any] | None:
    target = _command_target(args)
    return None if target is None else commands.variables(*target)


@server.feature(types.EXIT)
def on_exit(ls: MatdiffServer, params: Any = None) -> None:
    ls.exit_before_shutdown = not ls.protocol._shutdown


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
            types.ConfigurationParams(items=[types.ConfigurationItem(section="matdiff")])
        )
        _apply_settings(ls, got[0] if got else {})
    except Exception:
        log.exception("could not read the settings")
        _apply_settings(ls, {})


def _apply_settings(ls: MatdiffServer, raw: object) -> None:
    ls.settings = Settings.from_dict(raw, ls.markdown())
    for uri in list(ls.snapshots):
        ls.refresh(uri)


def main(args: list[str] | None = None) -> int:
    """Serve on stdio; the exit code is 0 after ``shutdown`` (or end of input), else 1."""
    server.start_io()
    return 1 if server.exit_before_shutdown else 0
