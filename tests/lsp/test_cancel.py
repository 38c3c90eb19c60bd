"""Cancellation: a cancelled request stops its derivation (the worker sees the cancel scope),
a derivation never blocks the event loop, and a flood of them is refused past a bound."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from pygls.exceptions import JsonRpcException

from matdiff.engine import expr as E
from matdiff.lsp import isolation
from matdiff.lsp.isolation import cancellable


async def test_a_cancelled_request_stops_its_worker() -> None:
    started, stopped = threading.Event(), threading.Event()

    def slow(*args: object) -> str:
        started.set()
        try:
            while True:  # a derivation checks its budget as it goes
                E.check_budget()
                time.sleep(0.001)
        except E.EngineError as exc:
            stopped.set()
            return str(exc)

    task = asyncio.ensure_future(cancellable()(slow)(None, None))
    assert await asyncio.to_thread(started.wait, 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(stopped.wait, 5)


async def test_a_failing_feature_answers_the_default() -> None:
    def broken(*args: object) -> str:
        raise RuntimeError("boom")

    assert await cancellable(default="fallback")(broken)(None, None) == "fallback"


async def test_the_event_loop_runs_while_a_feature_works() -> None:
    release = threading.Event()
    task = asyncio.ensure_future(cancellable()(lambda *a: release.wait(5))(None))
    await asyncio.sleep(0.01)  # the loop is free: this returns at once
    assert not task.done()
    release.set()
    assert await task is True


async def test_past_the_waiting_limit_a_request_is_refused_as_busy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A flood of requests that derive is answered, not kept: past MAX_WAITING waiting, a new
    one is refused at once (RequestFailed), and once they are done, one is served again."""
    monkeypatch.setattr(isolation, "MAX_WAITING", 2)
    release = threading.Event()
    work = cancellable()(lambda *a: release.wait(5))
    first, second = asyncio.ensure_future(work(None)), asyncio.ensure_future(work(None))
    await asyncio.sleep(0.01)
    with pytest.raises(JsonRpcException) as refused:
        await work(None)
    assert refused.value.code == -32803 and "busy" in refused.value.message
    release.set()
    assert await first is True and await second is True
    assert await work(None) is True and not isolation.waiting
