"""Shared test helpers: where the test data lives, and golden-file comparison."""

from __future__ import annotations

import difflib
import importlib
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from matdiff.base import caches
from matdiff.syntax import larkparse

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
CORPUS = DATA / "corpus"  # a copy of the shared corpus (tests/data/corpus/SOURCE.md)
TUTORIAL = CORPUS / "tutorial.json"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"
# The frameworks of `--emit torch|jax`, in the `frameworks` extra (not in `test`: ~1.7 GB).
FRAMEWORKS = ("torch", "jax")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def framework(name: str) -> ModuleType:
    """``torch`` or ``jax``, set up for the tests (float64), or a skip with the reason when it
    is not installed.  (In CI its absence fails the run: see ``pytest_configure``.)"""
    module = pytest.importorskip(
        name, reason=f"{name} is not installed: pip install '.[frameworks]' to test it"
    )
    if name == "torch":
        module.set_default_dtype(module.float64)
    elif name == "jax":
        module.config.update("jax_enable_x64", True)
    return module


def pytest_configure(config: pytest.Config) -> None:
    """In CI (``CI=true``) the framework tests must run, not skip: their absence is an error."""
    if not in_ci():
        return
    missing = []
    for name in FRAMEWORKS:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise pytest.UsageError(
            f"CI is set but {' and '.join(missing)} cannot be imported: install the "
            "frameworks extra (pip install '.[frameworks]'), as .ci/run does"
        )


@pytest.fixture
def unbuilt() -> Iterator[None]:
    """Lark's parser and lexer not built yet (and dropped again after the test)."""
    larkparse.parser.cache_clear()
    larkparse._lexer.cache_clear()
    yield
    larkparse.parser.cache_clear()
    larkparse._lexer.cache_clear()


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
