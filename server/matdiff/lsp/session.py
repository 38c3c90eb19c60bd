"""The session: the one piece of mutable state of ``matdiff lsp``.

Open documents (uri → :class:`~matdiff.lsp.text.OpenDocument`, the client's text) and their
snapshots (uri → immutable :class:`~matdiff.features.snapshot.Snapshot`\\ s, replaced on
open/change/close: one for a ``.matdiff`` file, one per block of a host file), the settings,
and the semantic tokens last sent per document (deltas are taken from them).
"""

from __future__ import annotations

import gc
import itertools
import json
import logging
import threading
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcParseError
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


class MatdiffServer(LanguageServer):
    protocol: MatdiffProtocol

    def __init__(self) -> None:
        super().__init__(
            "matdiff", __version__, protocol_cls=MatdiffProtocol, converter_factory=converter
        )
        self.documents: dict[str, OpenDocument] = {}
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
        self.snapshots[uri] = snaps
        live = sum(len(s.model.document.statements) for ss in self.snapshots.values() for s in ss)
        self.caches.fit(live)
        found = [d for snap in snaps for d in diagnostics.diagnostics(snap)]
        params = types.PublishDiagnosticsParams(uri=uri, version=doc.version, diagnostics=found)
        self.text_document_publish_diagnostics(params)
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
        """A failure outside a request: the details go to standard error, the client gets one
        line (no traceback, no install paths)."""
        if isinstance(error, json.JSONDecodeError):  # not JSON: no id to answer, so id null
            self.protocol._send_response(None, error=JsonRpcParseError().to_response_error())
            return
        log.error("matdiff: %s: %s", type(error).__name__, error)
        super().report_server_error(RuntimeError(type(error).__name__), source)


def _host_kind(language_id: str | None, uri: str) -> HostKind | None:
    if notebook_cell(uri) and language_id in (None, "python"):
        return "cell"  # a %%matdiff cell, or a Python cell with # matdiff: blocks
    if language_id in ("python", "markdown"):
        return language_id  # type: ignore[return-value]
    if language_id == "matdiff":
        return None
    return host_kind(uri)


server = MatdiffServer()
