"""What the protocol keeps per message goes when the message is done: pygls 2.1 keeps every
notification's future (and with it the edit) forever, and an outgoing request's entries until
an answer that may never come (``lsp/protocol.py``).  In process, on the protocol itself."""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types

from matdiff.lsp.session import MatdiffServer
from tests.lsp.helpers import Sink

URI = "file:///tmp/memory.matdiff"


def _server() -> MatdiffServer:
    srv = MatdiffServer()
    srv.protocol.set_writer(Sink())
    _send(srv, {"id": 0, "method": "initialize", "params": {"capabilities": {}}})
    assert srv.protocol._request_futures == {}  # answered
    return srv


def _send(srv: MatdiffServer, data: dict[str, Any]) -> None:
    srv.protocol.handle_message(srv.protocol.structure_message({"jsonrpc": "2.0", **data}))


def _edit(version: int) -> dict[str, Any]:
    change = {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
              "text": "a"}  # fmt: skip
    return {"method": "textDocument/didChange",
            "params": {"textDocument": {"uri": URI, "version": version},
                       "contentChanges": [change]}}  # fmt: skip


def _open() -> dict[str, Any]:
    return {"method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": URI, "languageId": "matdiff", "version": 1,
                                        "text": "x : vector(n)\n"}}}  # fmt: skip


def test_notifications_leave_nothing_behind() -> None:
    srv = _server()
    seen: list[int] = []
    srv.feature(types.TEXT_DOCUMENT_DID_CHANGE)(
        lambda ls, params: seen.append(params.text_document.version)
    )
    _send(srv, _open())
    for version in range(2, 202):
        _send(srv, _edit(version))
    assert seen == list(range(2, 202))  # every edit reached the feature
    assert srv.documents[URI].text == "a" * 200 + "x : vector(n)\n"
    assert srv.protocol._request_futures == {}
    _send(srv, {"method": "textDocument/didClose", "params": {"textDocument": {"uri": URI}}})
    assert srv.protocol._request_futures == {} and URI not in srv.documents


async def test_async_notification_handlers_leave_nothing_behind() -> None:
    srv = _server()
    done = asyncio.Event()

    @srv.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def changed(ls: MatdiffServer, params: types.DidChangeTextDocumentParams) -> None:
        await asyncio.sleep(0)
        if params.text_document.version == 51:
            done.set()

    _send(srv, _open())
    for version in range(2, 52):
        _send(srv, _edit(version))
    await asyncio.wait_for(done.wait(), 10)
    for _ in range(5):  # the done callbacks run on the loop
        await asyncio.sleep(0)
    assert srv.protocol._request_futures == {}


def _configuration(srv: MatdiffServer) -> Any:
    items = [types.ConfigurationItem(section="matdiff")]
    return srv.protocol.send_request(
        types.WORKSPACE_CONFIGURATION, types.ConfigurationParams(items=items)
    )


def test_an_outgoing_request_is_forgotten_when_answered_or_cancelled() -> None:
    srv = _server()
    answered, dropped = _configuration(srv), _configuration(srv)
    assert len(srv.protocol._request_futures) == len(srv.protocol._result_types) == 2
    (msg_id,) = (k for k, f in srv.protocol._request_futures.items() if f is answered)
    _send(srv, {"id": msg_id, "result": [{"steps": False}]})
    assert list(answered.result()) == [{"steps": False}]
    dropped.cancel()  # what the settings reader does when no answer comes
    assert srv.protocol._request_futures == {} and srv.protocol._result_types == {}


async def test_settings_a_client_never_sends_are_not_waited_for(monkeypatch: Any) -> None:
    from matdiff.lsp import settings

    srv = MatdiffServer()
    srv.protocol.set_writer(Sink())
    caps = {"workspace": {"configuration": True}}
    _send(srv, {"id": 0, "method": "initialize", "params": {"capabilities": caps}})
    srv.settings = settings.Settings.from_dict({"stepsOnHover": False}, True)
    assert srv.settings != settings.Settings.from_dict({}, True)
    monkeypatch.setattr(settings, "ANSWER_WITHIN", 0.05)
    await settings._load_settings(srv)  # the client never answers
    assert srv.settings == settings.Settings.from_dict({}, True)  # the defaults
    for _ in range(5):
        await asyncio.sleep(0)
    assert srv.protocol._request_futures == {} and srv.protocol._result_types == {}
    assert b"workspace/configuration" in b"".join(srv.protocol.writer.written)  # type: ignore[attr-defined]
