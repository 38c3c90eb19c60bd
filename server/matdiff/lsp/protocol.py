"""JSON-RPC and the LSP life cycle, where pygls is lenient or silent.

Every message read (:mod:`matdiff.lsp.transport`) comes to :meth:`MatdiffProtocol.receive`,
which answers what pygls would drop or get wrong, as JSON-RPC asks, always with an ``id``
(``null`` when the message's cannot be read):

- ``-32700`` for a message that could not be read (its framing, UTF-8 or JSON), ``-32600``
  for one that is not a JSON-RPC 2.0 request (an array, a batch, an id that is not an
  integer or a string, a method that is not a string: :mod:`matdiff.lsp.envelope`);
- ``-32601`` for an unknown method (its params are not read); ``-32602`` for params that do
  not fit their method, naming each place (``params.position.line: expected an integer,
  got "2"``): the converter takes JSON as it is, never ``"2"`` for 2 or ``true`` for 1;
- a notification method sent with an id (``didOpen`` as a request) is handled — the edit is
  not lost — and answered ``-32600``, since a notification has no answer; a request method
  sent without an id has no one to answer: it is dropped.

The life cycle: a request before ``initialize`` gets ``ServerNotInitialized`` (-32002), a
second ``initialize`` or one after ``shutdown`` ``InvalidRequest`` (-32600); notifications
then are dropped (but ``exit``).  A notification that cannot be handled is logged on
standard error and, unless it is a ``$/`` one (cancel, trace), in one ``window/logMessage``
line.  A response from the client that does not fit is logged, nothing more.

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
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import attrs
from cattrs.cols import homogenous_tuple_structure_factory as tuple_factory
from cattrs.cols import is_mutable_sequence, is_sequence
from cattrs.cols import list_structure_factory as list_factory
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcServerNotInitialized
from pygls.protocol import LanguageServerProtocol, default_converter
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage
from pygls.protocol.language_server import lsp_method

from matdiff.lsp import envelope
from matdiff.lsp.envelope import INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR
from matdiff.lsp.text import MAX_EDITS, MAX_TEXT, OpenDocument, whole_from
from matdiff.lsp.transport import Broken

if TYPE_CHECKING:
    import cattrs  # pygls's (through lsprotocol)

    from matdiff.lsp.session import MatdiffServer

log = logging.getLogger("matdiff.lsp")

_Handler = Generator[Any, Any, None]


@lru_cache(maxsize=256)  # only methods the server knows are asked
def _is_request(method: str) -> bool | None:
    """Whether an LSP method is a request (None: not an LSP method)."""
    kind = types.METHOD_TO_TYPES.get(method, (None,))[0]
    return None if kind is None else "id" in attrs.fields_dict(kind)


class MatdiffProtocol(LanguageServerProtocol):
    _server: MatdiffServer
    initialized = False  # an initialize request came

    def receive(self, item: Any) -> None:
        """One message from the client (a JSON value, or a :class:`Broken` one)."""
        if isinstance(item, Broken):
            self.refuse(None, PARSE_ERROR, item.why)
            return
        msg = envelope.read(item)
        if isinstance(msg, envelope.Invalid):
            if msg.answer:
                self.refuse(msg.id, msg.code, msg.message)
            else:
                self._dropped(None, msg.message)
            return
        if isinstance(msg, envelope.Response):
            self._response(msg.data)
            return
        if self._refused_now(msg):
            return
        data, answer_to = msg.data, getattr(msg, "id", None)
        late = isinstance(msg, envelope.Request) and _is_request(msg.method) is False
        if late:  # a notification sent as a request: handled (no edit is lost), and answered
            data = {k: v for k, v in data.items() if k != "id"}
        try:
            params = data.get("params")
            if params is not None and not isinstance(params, dict):  # LSP's are objects
                raise envelope.WrongTypeError(f"expected an object, got {envelope.shown(params)}")
            message = self._structure(data)
        except Exception as exc:  # noqa: BLE001 — any failure to read params is answered
            at = "params" if isinstance(exc, envelope.WrongTypeError) else ""
            why = f"invalid params for {msg.method}: {envelope.placed(exc, at)}"
            if answer_to is not None:
                self.refuse(answer_to, INVALID_PARAMS, why)
            else:
                self._dropped(msg.method, why)
            return
        if late:
            why = f"{msg.method} is a notification: it was handled, but takes no id"
            self.refuse(answer_to, INVALID_REQUEST, why)
        if msg.method == types.INITIALIZE:
            self.initialized = True
        self.handle_message(message)

    def _refused_now(self, msg: envelope.Request | envelope.Notification) -> bool:
        """Refuse what the life cycle, an unknown method or a missing id rules out."""
        method, request = msg.method, isinstance(msg, envelope.Request)
        why, code = None, INVALID_REQUEST
        known = method == types.CANCEL_REQUEST or any(
            method in table for table in (self.fm.builtin_features, self.fm.features)
        )
        if self._shutdown and method != types.EXIT:
            why = "the server has been shut down"
        elif not self.initialized and method not in (types.INITIALIZE, types.EXIT):
            why, code = "the server is not initialized yet", JsonRpcServerNotInitialized.CODE
        elif method == types.INITIALIZE and self.initialized:
            why = "initialize was already received (it is sent once)"
        elif not known:
            why, code = f"unknown method {envelope.shown(method)}", METHOD_NOT_FOUND
        elif not request and _is_request(method):
            why = f"{method} is a request: sent without an id, it has no one to answer"
        if why is None:
            return False
        if request:
            self.refuse(msg.id, code, why)  # type: ignore[union-attr]
        elif code not in (METHOD_NOT_FOUND, JsonRpcServerNotInitialized.CODE) and not (
            self._shutdown
        ):
            self._dropped(method, why)
        else:
            log.info("matdiff: dropped %s: %s", method, why)
        return True

    def _structure(self, data: dict[str, Any]) -> Any:
        method = data["method"]
        kind = self.get_message_type(method)
        if kind is None:  # one of ours, not LSP's
            kind = JsonRPCRequestMessage if "id" in data else JsonRPCNotification
        return self._converter.structure(data, kind)

    def _response(self, data: dict[str, Any]) -> None:
        """A client's answer to one of the server's requests (``workspace/configuration``)."""
        msg_id = data.get("id")
        if data.get("jsonrpc") != "2.0" or not envelope.is_id(msg_id):
            log.warning("matdiff: dropped a response that is not JSON-RPC 2.0 (id %s)",
                        envelope.shown(msg_id))  # fmt: skip
            return
        try:
            message = self.structure_message(data)
        except Exception as exc:  # noqa: BLE001 — the client's answer; nothing to answer
            log.warning("matdiff: dropped the response to %s: %s", msg_id, envelope.placed(exc))
            future = self._request_futures.pop(msg_id, None)  # type: ignore[arg-type]
            if future is not None and not future.done():
                future.set_exception(JsonRpcException(message="the client's answer did not fit"))
            return
        self.handle_message(message)

    def refuse(self, msg_id: envelope.MsgId | None, code: int, message: str) -> None:
        """Answer an error (to id ``null`` when ``msg_id`` is None)."""
        log.warning("matdiff: answered %s to %s: %s", code, envelope.shown(msg_id), message)
        self._send_response(msg_id, error=types.ResponseError(code=code, message=message))

    def _dropped(self, method: str | None, why: str) -> None:
        """A notification (or a response) that cannot be answered: logged, and told to the
        client's log unless it is a ``$/`` one."""
        log.warning("matdiff: dropped %s", why)
        if method is not None and not method.startswith("$/") and self.writer is not None:
            self.notify(types.WINDOW_LOG_MESSAGE, types.LogMessageParams(
                type=types.MessageType.Warning, message=f"matdiff: ignored {why}"))  # fmt: skip

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        """lsprotocol lets any JSON value through as the id; only a number or a string can
        name a request (an object fails pygls's lookup, ``true`` would equal id 1)."""
        if not envelope.is_id(msg_id):
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
        item, server = params.text_document, self._server
        server.forget(item.uri)  # a document opened again starts afresh
        if len(item.text) > MAX_TEXT:
            server.not_kept(item.uri, item.language_id, item.version, _too_long(item.text))
            return
        server.oversized.pop(item.uri, None)
        server.documents[item.uri] = OpenDocument(
            item.uri, item.language_id, item.version, item.text
        )
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> _Handler:
        uri, version, server = params.text_document.uri, params.text_document.version, self._server
        doc = server.documents.get(uri)
        changes = params.content_changes
        if doc is None and uri not in server.oversized:
            self._dropped(types.TEXT_DOCUMENT_DID_CHANGE,
                          f"a change to {envelope.shown(uri)}, which is not open")  # fmt: skip
            return
        language = doc.language_id if doc is not None else server.oversized[uri]
        if len(changes) > MAX_EDITS:
            why = f"a change of {len(changes):,} edits came (matdiff applies up to {MAX_EDITS:,})"
            server.not_kept(uri, language, version, f"{why}; reopen it")
            return
        whole, edits = whole_from(changes)
        if whole is not None:  # the edits before it do not matter
            doc = OpenDocument(uri, language, version, whole)
        elif doc is None:  # not kept, and no whole new text: still not kept
            return
        encoding = server.encoding()
        for change in edits:
            doc.apply(change, encoding)
        doc.version = version
        if len(doc.text) > MAX_TEXT:
            server.not_kept(uri, language, version, _too_long(doc.text))
            return
        server.oversized.pop(uri, None)
        server.documents[uri] = doc
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> _Handler:
        self._server.documents.pop(params.text_document.uri, None)
        self._server.oversized.pop(params.text_document.uri, None)
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CLOSE, params)

    def _user_handler(self, method: str, params: Any) -> _Handler:
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None


def _too_long(text: str) -> str:
    return f"it has {len(text):,} characters (matdiff keeps documents of up to {MAX_TEXT:,})"


def converter() -> cattrs.Converter:
    """pygls's converter, strict (JSON is taken as it is: an integer is not read from
    ``"2"``, ``true`` or ``2.5``), with an error answer's ``id`` always written (``null``
    too; lsprotocol leaves it out), and positions and ranges written out directly.

    They are in nearly every answer, and in a union-typed result (``documentSymbol``'s)
    the default conversion of each one is slow: 5,000 symbols took 235 ms, 36 ms with these.
    The JSON is the same (tests/lsp/test_protocol.py).
    """
    conv: cattrs.Converter = default_converter()  # type: ignore[no-untyped-call]
    for kind, name in ((int, "an integer"), (float, "a number"), (str, "a string"),
                       (bool, "true or false")):  # fmt: skip
        conv.register_structure_hook(kind, envelope.strict(kind, name))
    # a list only from a list (cattrs takes any iterable: {"uri": …} would be ["uri"])
    conv.register_structure_hook_factory(is_sequence, envelope.lists_only(tuple_factory))
    conv.register_structure_hook_factory(is_mutable_sequence, envelope.lists_only(list_factory))
    conv.register_unstructure_hook(types.ResponseErrorMessage, lambda m: {
        "jsonrpc": m.jsonrpc, "id": m.id, "error": conv.unstructure(m.error)})  # fmt: skip
    conv.register_unstructure_hook(types.Position, _position)
    conv.register_unstructure_hook(
        types.Range, lambda r: {"start": _position(r.start), "end": _position(r.end)}
    )
    return conv


def _position(p: types.Position) -> dict[str, int]:
    return {"line": p.line, "character": p.character}
