"""JSON-RPC 2.0 envelopes, read before pygls sees them, and messages that say what is wrong.

:func:`read` sorts a JSON value into a request, a notification or a response, or says why
it is none of them (:class:`Invalid`, with the JSON-RPC code and the id to answer: ``null``
when the id cannot be read).  LSP narrows JSON-RPC: ids are integers or strings (not
``null``, fractions, booleans or objects), there are no batches, and params are objects.

:func:`placed` words a cattrs failure to structure params as the places that are wrong, in
the protocol's own names: ``params.position.line: expected an integer, got "2"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import attrs
import cattrs
from cattrs.errors import IterableValidationNote
from cattrs.v import format_exception

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602

MsgId = int | str
MAX_SHOWN = 40  # characters of a value quoted in a message
MAX_PLACES = 5  # places named in one message


@dataclass(frozen=True)
class Request:
    id: MsgId
    method: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Notification:
    method: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Response:
    data: dict[str, Any]


@dataclass(frozen=True)
class Invalid:
    """Not a JSON-RPC 2.0 message.  ``answer``: whether it asked for an answer (a request
    does; a notification or a response gets its error logged only)."""

    code: int
    message: str
    id: MsgId | None = None
    answer: bool = True


Message = Request | Notification | Response | Invalid


def is_id(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def read(value: Any) -> Message:
    """What a JSON value is, as a message from the client."""
    if isinstance(value, list):
        what = "a batch (a JSON array): LSP sends each message on its own" if value else (
            "an empty JSON array")  # fmt: skip
        return Invalid(INVALID_REQUEST, f"not a message: {what}")
    if not isinstance(value, dict):
        return Invalid(
            INVALID_REQUEST, f"not a message: a message is a JSON object, not {shown(value)}"
        )
    if "method" not in value:
        if "result" in value or "error" in value:
            return Response(value)
        return Invalid(INVALID_REQUEST, "not a message: it has no method (nor a result or error)")
    has_id, msg_id, method = "id" in value, value.get("id"), value["method"]
    if has_id and not is_id(msg_id):
        return Invalid(
            INVALID_REQUEST, f"the id must be an integer or a string, not {shown(msg_id)}"
        )
    to = msg_id if has_id else None
    if value.get("jsonrpc") != "2.0":
        why = f'"jsonrpc" must be "2.0", not {shown(value.get("jsonrpc"))}'
        if "jsonrpc" not in value:
            why = 'not JSON-RPC 2.0: "jsonrpc": "2.0" is missing'
        return Invalid(INVALID_REQUEST, why, to, has_id)
    if not isinstance(method, str):
        return Invalid(
            INVALID_REQUEST, f"the method must be a string, not {shown(method)}", to, has_id
        )
    if has_id:
        return Request(msg_id, method, value)  # type: ignore[arg-type]  # is_id said so
    return Notification(method, value)


def shown(value: Any) -> str:
    """A JSON value as a message quotes it (at most :data:`MAX_SHOWN` characters)."""
    if isinstance(value, str):  # (not a whole document's text dumped to quote forty)
        value = value[: MAX_SHOWN + 1]
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        text = "a value nested too deeply"
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


# lsprotocol's range validators: "Position.line should be in range [0:2147483647], but was -1."
_RANGE = re.compile(r"\w+\.(\w+) should be in range \[(-?\d+):(-?\d+)\], but was (.*)\.$", re.S)
_SNAKE = re.compile(r"_([a-z])")
_NOT_OBJECT = re.compile(r"indices must be integers|object is not subscriptable")


class WrongTypeError(ValueError):
    """A JSON value of the wrong kind (raised by the converter's strict hooks)."""


def strict(kind: type, name: str) -> Any:
    """A structure hook that takes only ``kind`` (an int for a float), never converts: cattrs
    would make ``"2"`` the integer 2, ``true`` the integer 1 and ``5`` the string ``"5"``."""

    def hook(value: Any, _: Any) -> Any:
        if type(value) is kind or (kind is float and type(value) is int):
            return value
        raise WrongTypeError(f"expected {name}, got {shown(value)}")

    return hook


def lists_only(factory: Any) -> Any:
    """A cattrs hook factory for sequences that takes only a JSON list (cattrs takes any
    iterable: a string as its characters, an object as its keys)."""

    def make(kind: Any, converter: Any) -> Any:
        inner = factory(kind, converter)

        def hook(value: Any, into: Any) -> Any:
            if not isinstance(value, list):
                raise WrongTypeError(f"expected a list, got {shown(value)}")
            return inner(value, into)

        return hook

    return make


def placed(exc: BaseException, path: str = "") -> str:
    """What is wrong with a message (at ``path``), place by place (the first few)."""
    found = dict.fromkeys(f"{at or 'the message'}: {what}" for at, what in _places(exc, path, None))
    places = list(found)  # (in order, once each: every field of a non-object says the same)
    more = f" (and {len(places) - MAX_PLACES} more)" if len(places) > MAX_PLACES else ""
    return "; ".join(places[:MAX_PLACES]) + more


def _places(exc: BaseException, path: str, into: Any) -> Iterator[tuple[str, str]]:
    """(path, what is wrong there) of each failure in cattrs's tree of exceptions."""
    if isinstance(exc, cattrs.IterableValidationError | cattrs.ClassValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            if isinstance(note, IterableValidationNote):
                step = f"[{note.index}]"
            else:
                step = "." * bool(path) + _camel(note.name)
            yield from _places(sub, path + step, note.type)
        for sub in without:
            yield from _places(sub, path, None)
    elif isinstance(exc, WrongTypeError):
        yield path, str(exc)
    elif isinstance(exc, KeyError):
        yield path, "missing"
    elif isinstance(exc, TypeError) and _NOT_OBJECT.search(str(exc)):  # o["field"] failed
        yield path.rpartition(".")[0], "expected an object"
    elif isinstance(exc, ValueError) and (m := _RANGE.match(str(exc))):
        field, low, high, was = m.groups()
        yield (
            f"{path}.{_camel(field)}",
            f"expected an integer from {low} to {high}, got {was}"[: 2 * MAX_SHOWN + 20],
        )
    elif into is not None and attrs.has(into):
        yield path, f"expected an object ({into.__name__})"
    else:
        yield path, format_exception(exc, into)


def _camel(name: str) -> str:
    """A Python attribute name as the protocol spells it: ``text_document`` → ``textDocument``."""
    return _SNAKE.sub(lambda m: m.group(1).upper(), name.rstrip("_"))
