"""The LSP handlers: each takes the snapshot a request is about and calls a feature
function (:mod:`matdiff.features`), under :mod:`matdiff.lsp.isolation`."""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from matdiff.features import (
    actions,
    commands,
    completion,
    formatting,
    hover,
    navigation,
    outline,
    tokens,
)
from matdiff.features.snapshot import Snapshot
from matdiff.lsp import envelope
from matdiff.lsp.isolation import cancellable, isolated
from matdiff.lsp.session import MatdiffServer, server


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
    ls.forget(params.text_document.uri)
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
    )


@server.feature(types.TEXT_DOCUMENT_HOVER)
@cancellable()
def on_hover(ls: MatdiffServer, params: types.HoverParams) -> types.Hover | None:
    snap = ls.snapshot(params.text_document.uri, params.position)
    return None if snap is None else hover.hover(snap, params.position)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=actions.KINDS)
)
@cancellable()
def on_code_action(
    ls: MatdiffServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    snap = ls.snapshot(params.text_document.uri, params.range.start)
    return None if snap is None else actions.code_actions(snap, params)


@server.feature(
    types.TEXT_DOCUMENT_COMPLETION,
    types.CompletionOptions(trigger_characters=completion.TRIGGER_CHARACTERS),
)
@isolated()
def on_completion(ls: MatdiffServer, params: types.CompletionParams) -> types.CompletionList | None:
    snap = ls.snapshot(params.text_document.uri, params.position)
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
    snap = ls.snapshot(params.text_document.uri, params.position)
    return None if snap is None else completion.signature_help(snap, params.position)


@server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, tokens.LEGEND)
@isolated()
def on_semantic_tokens(
    ls: MatdiffServer, params: types.SemanticTokensParams
) -> types.SemanticTokens | None:
    snap = ls.snapshot(params.text_document.uri)
    return None if snap is None else ls.remember_tokens(snap.uri, tokens.semantic_tokens(snap))


@server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL_DELTA, tokens.LEGEND)
@isolated()
def on_semantic_tokens_delta(
    ls: MatdiffServer, params: types.SemanticTokensDeltaParams
) -> types.SemanticTokens | types.SemanticTokensDelta | None:
    """The change since the client's last result (a few numbers instead of the whole
    document's); the whole result if that one is not the last this server sent."""
    snap = ls.snapshot(params.text_document.uri)
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
    snap = ls.snapshot(params.text_document.uri)
    return None if snap is None else tokens.semantic_tokens_range(snap, params.range)


@server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
@isolated()
def on_inlay_hint(ls: MatdiffServer, params: types.InlayHintParams) -> list[types.InlayHint] | None:
    snaps = ls.every_snapshot(params.text_document.uri)
    return (
        None if snaps is None else [h for s in snaps for h in outline.inlay_hints(s, params.range)]
    )


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@isolated()
def on_document_symbol(
    ls: MatdiffServer, params: types.DocumentSymbolParams
) -> list[types.DocumentSymbol] | None:
    snaps = ls.every_snapshot(params.text_document.uri)
    return None if snaps is None else [d for s in snaps for d in outline.document_symbols(s)]


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
@isolated()
def on_definition(ls: MatdiffServer, params: types.DefinitionParams) -> types.Location | None:
    snap = ls.snapshot(params.text_document.uri, params.position)
    return None if snap is None else navigation.definition(snap, params.position)


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
@isolated()
def on_references(ls: MatdiffServer, params: types.ReferenceParams) -> list[types.Location] | None:
    snap = ls.snapshot(params.text_document.uri, params.position)
    include = params.context.include_declaration
    return None if snap is None else navigation.references(snap, params.position, include)


@server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
@isolated()
def on_prepare_rename(
    ls: MatdiffServer, params: types.PrepareRenameParams
) -> types.PrepareRenamePlaceholder | None:
    snap = ls.snapshot(params.text_document.uri, params.position)
    return None if snap is None else navigation.prepare_rename(snap, params.position)


@server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
@isolated()
def on_rename(ls: MatdiffServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
    snap = ls.snapshot(params.text_document.uri, params.position)
    return None if snap is None else navigation.rename(snap, params.position, params.new_name)


@server.feature(types.TEXT_DOCUMENT_FORMATTING)
@isolated()
def on_formatting(
    ls: MatdiffServer, params: types.DocumentFormattingParams
) -> list[types.TextEdit] | None:
    snap = ls.snapshot(params.text_document.uri)
    return None if snap is None else formatting.formatting(snap)


_FIELDS = ("uri", "name", "wrt", "layout", "emit")  # what a command's argument may hold


def _command_target(
    ls: MatdiffServer, command: str, args: tuple[Any, ...]
) -> tuple[Snapshot, dict[str, Any]] | None:
    """A command's one argument ``{uri, name, …}`` (strings): the snapshot that defines
    ``name`` (in a host file, its block), and the argument; None if ``uri`` is not open.
    Anything else is refused with what is wrong with it (-32602)."""
    request = args[0] if len(args) == 1 else None
    if not isinstance(request, dict):
        got = f"{len(args)} arguments" if len(args) != 1 else envelope.shown(request)
        raise JsonRpcInvalidParams(f"{command} takes one argument, an object {{uri, name, …}}, "
                                   f"not {got}")  # fmt: skip
    wrong = [k for k in _FIELDS if k in request and not isinstance(request[k], str)]
    if wrong or "uri" not in request:
        what = f"{wrong[0]} is {envelope.shown(request[wrong[0]])}" if wrong else "uri is missing"
        raise JsonRpcInvalidParams(f"{command}: {what}; uri, name, wrt, layout and emit are "
                                   "strings")  # fmt: skip
    snaps = ls.every_snapshot(request["uri"])
    if not snaps:
        return None
    name = request.get("name", "")
    return next((s for s in snaps if name in s.model.symbols), snaps[0]), request


@server.command("matdiff.derivative")
@cancellable()
def on_derivative(ls: MatdiffServer, *args: Any) -> dict[str, Any] | None:
    target = _command_target(ls, "matdiff.derivative", args)
    return None if target is None else commands.derivative(*target)


@server.command("matdiff.variables")
@isolated()
def on_variables(ls: MatdiffServer, *args: Any) -> dict[str, Any] | None:
    target = _command_target(ls, "matdiff.variables", args)
    return None if target is None else commands.variables(*target)
