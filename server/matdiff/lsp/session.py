"""The session: the one piece of mutable state of ``matdiff lsp``.

Open documents (uri → :class:`~matdiff.lsp.text.OpenDocument`, the client's text) and their
snapshots (uri → immutable :class:`~matdiff.features.snapshot.Snapshot`\\ s, replaced on
open/change/close: one for a ``.matdiff`` file, one per block of a host file), the settings,
and the semantic tokens last sent per document (deltas are taken from them).  What it keeps
is bounded: :data:`~matdiff.lsp.text.MAX_TEXT` characters a document, :data:`MAX_CHECKED`
statements checked.
"""

from __future__ import annotations

import gc
import itertools
import logging
import threading
from typing import Any

from lsprotocol import types
from pygls.exceptions import FeatureRequestError, JsonRpcInternalError
from pygls.lsp.server import LanguageServer

from matdiff import __version__
from matdiff.base import caches
from matdiff.base.embedded import HostKind, host_kind, notebook_cell
from matdiff.base.spans import Encoding
from matdiff.features import diagnostics
from matdiff.features.snapshot import Settings, Snapshot
from matdiff.lsp.protocol import MatdiffProtocol, converter
from matdiff.lsp.text import OpenDocument
from matdiff.syntax import parser

log = logging.getLogger("matdiff.lsp")
# lark's parser is built on a thread once the first document is analysed, or this many
# seconds after `initialized` if none is opened by then
WARM_AFTER = 2.0

# The statements checked in all open documents (each document is checked up to
# syntax.parser.MAX_STATEMENTS): past this total, a document opened or edited is not, and
# says so.  (Each document's text is bounded too: lsp/text.py.)
MAX_CHECKED = 100_000


class MatdiffServer(LanguageServer):
    protocol: MatdiffProtocol

    def __init__(self) -> None:
        super().__init__(
            "matdiff", __version__, protocol_cls=MatdiffProtocol, converter_factory=converter
        )
        self.documents: dict[str, OpenDocument] = {}
        self.oversized: dict[str, str] = {}  # uri → language id, of documents not kept
        self.snapshots: dict[str, tuple[Snapshot, ...]] = {}
        self.settings = Settings()
        self.exit_before_shutdown = False
        self.refreshes = 0
        # uri → the last semantic tokens sent (with a result id): deltas are taken from it
        self.tokens: dict[str, types.SemanticTokens] = {}
        self.results = itertools.count(1)
        self.caches = caches.Caches()  # every cache of this session, bounded (base/caches.py)
        caches.activate(self.caches)
        self.analysed = threading.Event()  # set once the first document is analysed

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
        doc = self.documents.get(uri)
        if doc is None:
            return
        kind = _host_kind(doc.language_id, uri)
        gc.disable()  # building trees is allocation, not garbage: no collections meanwhile
        try:
            if kind is None:
                snaps: tuple[Snapshot, ...] = (
                    Snapshot.of(uri, doc.text, doc.version, self.encoding(), self.settings),
                )
            else:
                snaps = Snapshot.of_host(
                    uri, doc.text, kind, doc.version, self.encoding(), self.settings
                )
        finally:
            gc.enable()
        self.snapshots.pop(uri, None)
        live = sum(len(s.model.document.statements) for ss in self.snapshots.values() for s in ss)
        mine = sum(len(s.model.document.statements) for s in snaps)
        found = [d for snap in snaps for d in diagnostics.diagnostics(snap)]
        if live + mine > MAX_CHECKED:  # the others fill the session: this one is not kept
            why = f"the open documents hold more than {MAX_CHECKED:,} statements"
            snaps, found, mine = (), [unchecked(f"{why}; close some, then edit this one")], 0
        self.snapshots[uri] = snaps
        self.caches.fit(live + mine)
        self.publish(uri, doc.version, found)
        self.settle()
        self.analysed.set()

    def warm_parser(self) -> threading.Thread:
        """Build lark's parser on a thread, so that the session's first syntax error does not
        wait 0.1–0.4 s for it.  The thread starts building once the first document's
        diagnostics are out (or after WARM_AFTER seconds): it shares the interpreter with
        this thread, and start-up and the first diagnostics come first.  A syntax error met
        meanwhile builds it here, or waits for the thread's build; it is built once."""

        def build() -> None:
            self.analysed.wait(WARM_AFTER)
            try:
                parser.warm()
            except Exception:  # a courtesy: the first syntax error builds it then
                log.exception("matdiff: could not build the parser ahead")

        thread = threading.Thread(target=build, name="matdiff-warm-parser", daemon=True)
        thread.start()
        return thread

    def publish(self, uri: str, version: int | None, found: list[types.Diagnostic]) -> None:
        params = types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=found)
        self.text_document_publish_diagnostics(params)

    def not_kept(self, uri: str, language_id: str, version: int | None, why: str) -> None:
        """A document too large to keep: its text and snapshots are dropped, its one
        diagnostic says why; a whole new text (a change, or opening it again) brings it back."""
        self.documents.pop(uri, None)
        self.forget(uri)
        self.oversized[uri] = language_id
        log.warning("matdiff: not keeping %s: %s", uri, why)
        self.publish(uri, version, [unchecked(why)])

    def forget(self, uri: str) -> None:
        self.snapshots.pop(uri, None)
        self.tokens.pop(uri, None)

    def snapshot(self, uri: str, position: types.Position | None = None) -> Snapshot | None:
        """The snapshot a request is about: the document's, or the embedded block that holds
        ``position`` (None outside every block: the rest of a host file is left alone)."""
        snaps = self.snapshots.get(uri)
        if snaps is None:
            log.info("no snapshot: %s is not open", uri)
            return None
        if position is None:
            return snaps[0] if len(snaps) == 1 and snaps[0].host is None else None
        return next((s for s in snaps if s.contains(position)), None)

    def every_snapshot(self, uri: str) -> tuple[Snapshot, ...] | None:
        return self.snapshots.get(uri)

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
        """A failure outside a request (a notification's handler): all of it on standard
        error, one line in the client's log (no traceback, no install paths, no pop-up: a
        client's bad notification must not interrupt the user).  A failed request was
        answered already."""
        data = getattr(error, "data", None)
        trace = "".join(data["traceback"]) if isinstance(data, dict) and "traceback" in data else ""
        log.error("matdiff: %s: %s\n%s", type(error).__name__, error, trace)
        if source is FeatureRequestError:
            return
        kind = str(error).split(":")[0] if isinstance(error, JsonRpcInternalError) else ""
        line = f"matdiff: a notification failed ({kind or type(error).__name__}); the details "
        line += "are in the server's standard error"
        self.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=line))


def unchecked(why: str) -> types.Diagnostic:
    """The one diagnostic of a document the session does not check (at its start)."""
    start = types.Position(line=0, character=0)
    return types.Diagnostic(
        range=types.Range(start=start, end=start),
        message=f"matdiff does not check this document: {why}",
        severity=types.DiagnosticSeverity.Warning,
        code="too-large",
        source="matdiff",
    )


def _host_kind(language_id: str | None, uri: str) -> HostKind | None:
    if notebook_cell(uri) and language_id in (None, "python"):
        return "cell"  # a %%matdiff cell, or a Python cell with # matdiff: blocks
    if language_id in ("python", "markdown"):
        return language_id  # type: ignore[return-value]
    if language_id == "matdiff":
        return None
    return host_kind(uri)


server = MatdiffServer()
