"""The server builds lark's parser on a thread once its first document is analysed (not
before: start-up and the first diagnostics come first), so that the session's first syntax
error need not wait for it.  In process, on the session itself."""

from __future__ import annotations

import gc

import pytest

from matdiff.lsp import session
from matdiff.lsp.session import MatdiffServer
from matdiff.lsp.text import OpenDocument
from matdiff.syntax import larkparse
from tests.lsp.helpers import Sink

URI = "file:///tmp/warm.matdiff"


def test_the_parser_is_built_after_the_first_analysis(
    unbuilt: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session, "WARM_AFTER", 3600.0)  # only the first analysis starts it
    srv = MatdiffServer()
    thread = srv.warm_parser()
    assert thread.daemon and thread.is_alive()
    assert not larkparse.parser.built  # waiting for the first analysis
    sink = Sink()
    srv.protocol.set_writer(sink)
    initialize = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"capabilities": {}}}
    srv.protocol.handle_message(srv.protocol.structure_message(initialize))
    srv.documents[URI] = OpenDocument(URI, "matdiff", 1, "x : vector(n)\nf = x'*x\n")
    try:
        srv.refresh(URI)  # analysed, diagnostics published: the thread goes on
    finally:
        gc.unfreeze()  # (refresh freezes what exists out of the collector's walks)
    assert srv.analysed.is_set() and b"publishDiagnostics" in b"".join(sink.written)
    thread.join()
    assert larkparse.parser.built and larkparse._lexer.built


def test_without_a_document_it_is_built_anyway(
    unbuilt: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session, "WARM_AFTER", 0.0)
    thread = MatdiffServer().warm_parser()
    thread.join()
    assert larkparse.parser.built
