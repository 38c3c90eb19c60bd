"""Cancellation: a cancelled request stops its derivation (the worker sees the cancel scope),
and a derivation never blocks the event loop."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from matdiff.engine import expr as E
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
