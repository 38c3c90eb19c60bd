"""JSON-RPC and the LSP life cycle, where pygls is lenient or silent.

pygls drops a message it cannot read without answering; :class:`MatdiffProtocol` answers
instead, as JSON-RPC asks: ``-32700`` for text that is not JSON, ``-32600`` for a request
that is not JSON-RPC 2.0, ``-32602`` for a request whose params do not fit its method.
Unknown methods get pygls's own ``-32601``.  A notification whose params do not fit (a
``$/cancelRequest`` whose id is an object) cannot be answered: it is logged and dropped.

The life cycle: a request before ``initialize`` gets ``ServerNotInitialized`` (-32002), one
after ``shutdown`` ``InvalidRequest`` (-32600); notifications then are dropped (but ``exit``).

An error answer never carries a traceback (pygls puts one in an internal error's ``data``):
it goes to standard error, with the install paths in it.

Open documents are kept here (:mod:`matdiff.lsp.text`), not in pygls's workspace, whose
line splitting is not LSP's.

Memory: pygls 2.1 keeps the future of every notification handled by a generator (didOpen,
didChange, didClose: a few kilobytes each, with the edit's params) in ``_request_futures``
under a random id that nothing removes, and an outgoing request's entries until an answer
that a client may never send.  Here each such entry goes when its future is done (or
cancelled), so a long session's memory levels off (``bench/soak.py``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Generator
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import attrs
from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidRequest,
    JsonRpcServerNotInitialized,
)
from pygls.protocol import LanguageServerProtocol, default_converter
from pygls.protocol.language_server import lsp_method

from matdiff.lsp.text import OpenDocument, apply_change

if TYPE_CHECKING:
    import cattrs  # pygls's (through lsprotocol)

    from matdiff.lsp.session import MatdiffServer

log = logging.getLogger("matdiff.lsp")

_Handler = Generator[Any, Any, None]


class _Dropped:
    """A message already answered with an error: pygls ignores it (not JSON-RPC 2.0)."""

    jsonrpc = "dropped"


class MatdiffProtocol(LanguageServerProtocol):
    _server: MatdiffServer
    initialized = False  # an initialize request came

    def structure_message(self, data: dict[str, Any]) -> Any:
        is_request = isinstance(data, dict) and "id" in data and "method" in data
        if is_request and data.get("jsonrpc") != self.VERSION:
            self._send_response(data["id"], error=JsonRpcInvalidRequest().to_response_error())
            return _Dropped()
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if is_request:
                self._send_response(data["id"], error=exc.to_response_error())
            elif "method" in data:  # a notification: no one to answer
                log.warning("matdiff: dropped %r, whose params do not fit", data.get("method"))
            else:
                raise
            return _Dropped()

    def handle_message(self, message: Any) -> None:
        method = getattr(message, "method", None)
        is_request = method is not None and hasattr(message, "id")
        if method is not None and message.jsonrpc == self.VERSION:
            if self._shutdown and method != types.EXIT:
                if is_request:
                    gone = JsonRpcInvalidRequest("the server has been shut down")
                    self._send_response(message.id, error=gone.to_response_error())
                return
            if not self.initialized and method not in (types.INITIALIZE, types.EXIT):
                if is_request:
                    early = JsonRpcServerNotInitialized("the server is not initialized yet")
                    self._send_response(message.id, error=early.to_response_error())
                return
            if method == types.INITIALIZE:
                self.initialized = True
        super().handle_message(message)

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        """lsprotocol lets any JSON value through as the id; only a number or a string can
        name a request (an object fails pygls's lookup, ``true`` would equal id 1)."""
        if isinstance(msg_id, bool) or not isinstance(msg_id, int | str):
            log.warning("matdiff: ignored a $/cancelRequest whose id is %s", type(msg_id).__name__)
            return
        super()._handle_cancel_notification(msg_id)

    def _execute_handler(self, msg_id: Any, handler: Any, callback: Any,
                         args: Any = None, kwargs: Any = None) -> None:  # fmt: skip
        super()._execute_handler(msg_id, handler, callback, args, kwargs)
        self._forget_when_done(msg_id)

    def send_request(
        self, method: str, params: Any | None = None, callback: Callable[..., Any] | None = None,
        msg_id: Any = None,
    ) -> Future[Any]:  # fmt: skip
        msg_id = str(uuid.uuid4()) if msg_id is None else msg_id
        future: Future[Any] = super().send_request(method, params, callback, msg_id)
        self._forget_when_done(msg_id)
        return future

    def _forget_when_done(self, msg_id: Any) -> None:
        """Drop ``msg_id``'s entries once its future is done: a request's answer has then been
        sent or received, a notification's handler has run, a cancelled request is gone."""
        future = self._request_futures.get(msg_id)
        if future is None:
            return

        def forget(done: Future[Any]) -> None:
            if self._request_futures.get(msg_id) is done:
                del self._request_futures[msg_id]
            self._result_types.pop(msg_id, None)

        future.add_done_callback(forget)  # runs now if it is done already

    def _send_response(
        self, msg_id: Any, result: Any = None, error: types.ResponseError | None = None
    ) -> None:
        if error is not None and isinstance(error.data, dict) and "traceback" in error.data:
            log.error("matdiff: request %s failed:\n%s", msg_id, "".join(error.data["traceback"]))
            error = attrs.evolve(error, data=None)
        super()._send_response(msg_id, result, error)

    # the text model: pygls's builtin handlers for these, with our copy of the text

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> _Handler:
        item = params.text_document
        self._server.documents[item.uri] = OpenDocument(
            item.uri, item.language_id, item.version, item.text
        )
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> _Handler:
        doc = self._server.documents.get(params.text_document.uri)
        if doc is None:
            log.warning("matdiff: a change to %s, which is not open", params.text_document.uri)
            return
        encoding = self._server.encoding()
        for change in params.content_changes:
            doc.text = apply_change(doc.text, change, encoding)
        doc.version = params.text_document.version
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> _Handler:
        self._server.documents.pop(params.text_document.uri, None)
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CLOSE, params)

    def _user_handler(self, method: str, params: Any) -> _Handler:
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None


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
