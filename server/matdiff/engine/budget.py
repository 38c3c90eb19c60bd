"""The time budget and cancellation of a derivation, per thread.  Read through ``expr``."""

from __future__ import annotations

import threading
import time

from matdiff.engine.nodes import _LOCAL, EngineError

# ---------------------------------------------------------------------------- budget

# Derivations may run on worker threads (the language server's requests): the deadline stack,
# the budget and the cancellation flag are per thread (``nodes._LOCAL``, which interning reads
# too), and interning takes a lock.


# Past these, a derivation stops with "the derivative is too large to show" (its result may
# not be larger than derivatives.MAX_NODES anyway): the tree size of one expression (which
# its sort key and its printing take time and memory in proportion to), the sum of the tree
# sizes of the expressions it builds, and how many it builds.
MAX_SIZE = 250_000


MAX_TOTAL = 20_000_000


MAX_BUILT = 1_000_000


class Budget:
    """``with Budget(seconds):`` — derivations inside stop with EngineError past the time, or
    once what they build grows past the sizes above (checked as nodes are built)."""

    def __init__(self, seconds: float, max_size: int = MAX_SIZE, max_total: int = MAX_TOTAL,
                 max_built: int = MAX_BUILT) -> None:  # fmt: skip
        self.seconds = seconds
        self.max_size, self.max_total, self.max_built = max_size, max_total, max_built
        self.total = self.built = 0

    def __enter__(self) -> Budget:
        _deadlines().append(time.monotonic() + self.seconds)
        self.outer = _LOCAL.__dict__.get("budget")
        self.total = self.built = 0
        _LOCAL.budget = self
        return self

    def __exit__(self, *exc: object) -> None:
        _deadlines().pop()
        _LOCAL.budget = self.outer

    def charge(self, size: int) -> None:
        """Count a node of tree size ``size`` about to be built (``nodes._create`` calls this
        on the budget of its thread)."""
        check_size(size)
        self.total += size
        self.built += 1
        if self.built > self.max_built:
            raise EngineError(
                f"the derivative is too large to show: building it took over {self.max_built:,} "
                "expressions"
            )
        if self.total > self.max_total:
            raise EngineError(
                f"the derivative is too large to show: building it took over {self.max_total:,} "
                "nodes"
            )
        if not self.built & 255:
            check_budget()


def check_size(size: int) -> None:
    """Raise EngineError if an expression of tree size ``size`` is past this thread's budget:
    called before building something whose size is known beforehand (d(Xᵏ): k terms)."""
    budget: Budget | None = _LOCAL.__dict__.get("budget")
    if budget is not None and size > budget.max_size:
        raise EngineError(
            f"the derivative is too large to show: it grows past {budget.max_size:,} nodes"
        )


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


def time_left() -> float | None:
    """Seconds before this thread's derivation is stopped (None: no budget)."""
    deadlines = getattr(_LOCAL, "deadlines", None)
    return deadlines[-1] - time.monotonic() if deadlines else None


def check_budget() -> None:
    """Raise EngineError if this thread's derivation is past its time or was cancelled."""
    cancel = getattr(_LOCAL, "cancel", None)
    if cancel is not None and cancel.is_set():
        raise EngineError("the request was cancelled")
    deadlines = getattr(_LOCAL, "deadlines", None)
    if deadlines and time.monotonic() > deadlines[-1]:
        raise EngineError("the derivation took too long and was stopped")
