"""Every handler is isolated: a failing feature logs and answers a default, and the server
lives on.  The traceback goes to standard error; the client's log gets one line, without
the traceback and its install paths.  A feature that refuses a request with a reason
(:class:`~matdiff.features.navigation.Refused`, e.g. renaming to a reserved name) answers
with a JSON-RPC ``RequestFailed`` error carrying that reason; a handler that refuses its
params (a ``JsonRpcException``, e.g. a command's argument) answers that error.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
import threading
from collections.abc import Callable, Coroutine
from contextlib import suppress
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from matdiff.engine import expr as E
from matdiff.features import navigation
from matdiff.lsp.session import server

log = logging.getLogger("matdiff.lsp")
T = TypeVar("T")

# Requests that derive wait for a worker thread; past this many waiting, a new one is refused
# at once ("busy"), so that a flood of them is answered instead of kept in memory.
MAX_WAITING = 256
waiting: set[threading.Event] = set()


def failed(name: str) -> None:
    """Log the exception being handled: all of it on standard error, one line to the client."""
    log.exception("matdiff: %s failed", name)
    kind = getattr(sys.exc_info()[0], "__name__", "error")
    line = f"matdiff: {name} failed ({kind}); the traceback is in the server's standard error"
    with suppress(Exception):
        server.window_log_message(
            types.LogMessageParams(type=types.MessageType.Error, message=line)
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
            except JsonRpcException:  # a request refused with a reason: the answer says it
                raise
            except Exception:  # noqa: BLE001 — isolation is the point
                failed(fn.__name__)
                return default  # type: ignore[no-any-return]

        return run

    return wrap


def cancellable(
    default: Any = None,
) -> Callable[[Callable[..., T]], Callable[..., Coroutine[Any, Any, T]]]:
    """For handlers that may derive: run off the event loop (edits keep flowing), and honour
    ``$/cancelRequest`` — pygls cancels the awaiting task, and the cancel scope stops the
    derivation at its next check.  A failing handler logs and answers ``default``; past
    :data:`MAX_WAITING` requests waiting, a new one is refused (``RequestFailed``)."""

    def wrap(fn: Callable[..., T]) -> Callable[..., Coroutine[Any, Any, T]]:
        @functools.wraps(fn)
        async def run(*args: Any) -> T:
            if len(waiting) >= MAX_WAITING:
                raise JsonRpcException(
                    code=types.LSPErrorCodes.RequestFailed,
                    message=f"the server is busy: {len(waiting)} requests are waiting",
                )
            event = threading.Event()

            def work() -> T:
                with E.CancelScope(event):
                    return fn(*args)

            waiting.add(event)
            try:
                return await asyncio.get_running_loop().run_in_executor(None, work)
            except asyncio.CancelledError:
                event.set()
                raise
            except JsonRpcException:  # a request refused with a reason: the answer says it
                raise
            except Exception:  # noqa: BLE001 — isolation is the point
                failed(fn.__name__)
                return default  # type: ignore[no-any-return]
            finally:
                waiting.discard(event)

        return run

    return wrap
