"""Shared test helpers: where the test data lives, and golden-file comparison."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from matdiff.base import caches

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
SHARED = REPO.parent / "shared"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[caches.Caches]:
    """Each test runs with caches of its own, as a server session does (``base/caches.py``)."""
    with caches.using(caches.Caches()) as fresh:
        yield fresh


def assert_golden(path: Path, actual: str) -> None:
    """``actual`` must equal the file at ``path``; ``UPDATE_GOLDEN=1`` rewrites the file.

    A missing file is a failure (not silently created): a golden file is written only by
    someone who has read it.
    """
    if UPDATE_GOLDEN:
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing; run with UPDATE_GOLDEN=1 and review it"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"{path.name} (expected)",
            tofile=f"{path.name} (actual)",
        )
        raise AssertionError(
            "output differs from the golden file (UPDATE_GOLDEN=1 rewrites it):\n" + "".join(diff)
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``slow`` tests run only when asked for (``-m slow``)."""
    if config.getoption("markexpr"):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
