"""The time budget and cancellation of a derivation, per thread.  Read through ``expr``."""

from __future__ import annotations

import threading
import time

from matdiff.engine.nodes import EngineError

# ---------------------------------------------------------------------------- budget

# Derivations may run on worker threads (the language server's requests): the deadline stack
# and the cancellation flag are per thread, and interning takes a lock.
_LOCAL = threading.local()


class Budget:
    """``with Budget(seconds):`` — derivations inside stop with EngineError past the time."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self) -> Budget:
        _deadlines().append(time.monotonic() + self.seconds)
        return self

    def __exit__(self, *exc: object) -> None:
        _deadlines().pop()


def _deadlines() -> list[float]:
    if not hasattr(_LOCAL, "deadlines"):
        _LOCAL.deadlines = []
    return _LOCAL.deadlines  # type: ignore[no-any-return]


class CancelScope:
    """``with CancelScope(event):`` — derivations inside stop once ``event`` is set (the
    client cancelled the request)."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __enter__(self) -> CancelScope:
        self.outer = getattr(_LOCAL, "cancel", None)
        _LOCAL.cancel = self.event
        return self

    def __exit__(self, *exc: object) -> None:
        _LOCAL.cancel = self.outer


def check_budget() -> None:
    """Raise EngineError if this thread's derivation is past its time or was cancelled."""
    cancel = getattr(_LOCAL, "cancel", None)
    if cancel is not None and cancel.is_set():
        raise EngineError("the request was cancelled")
    deadlines = getattr(_LOCAL, "deadlines", None)
    if deadlines and time.monotonic() > deadlines[-1]:
        raise EngineError("the derivation took too long and was stopped")
