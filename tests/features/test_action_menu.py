"""The code action menu of a definition: quick fixes first, then the common insertions, then
the rest under ``source.*`` kinds (out of VS Code's light bulb) — and every action still
reachable, by its kind."""

from __future__ import annotations

from lsprotocol import types

from matdiff.features import diagnostics
from matdiff.features.actions import COMMON, MORE_DERIVATIVES, MORE_FUNCTIONS, code_actions
from matdiff.features.snapshot import Snapshot

PY = """\
import numpy as np

# matdiff: A : matrix(n, n); x : vector(n); c : scalar
# matdiff: f = c*x'*A*x
# matdiff: r = A*x + y
"""
VARS = ["A", "x", "c"]


def menu(text: str, line: int, only: list[str] | None = None,
         with_diagnostics: bool = False) -> list[types.CodeAction]:  # fmt: skip
    (snap,) = Snapshot.of_host("file:///m.py", text, "python")
    at = types.Position(line=line, character=12)
    found = [d for d in diagnostics.diagnostics(snap) if d.range.start.line == line]
    context = types.CodeActionContext(
        diagnostics=found if with_diagnostics else [],
        only=None if only is None else [_kind(o) for o in only],
    )
    document = types.TextDocumentIdentifier(uri=snap.uri)
    where = types.Range(start=at, end=at)
    params = types.CodeActionParams(text_document=document, range=where, context=context)
    return code_actions(snap, params)


def _kind(name: str) -> types.CodeActionKind | str:
    """An LSP kind as a client sends it: one of lsprotocol's, else the plain string."""
    return next((k for k in types.CodeActionKind if k.value == name), name)


def test_the_common_actions_come_first_and_stay_few() -> None:
    got = menu(PY, 3)
    common = [a.title for a in got if a.kind == COMMON]
    assert common == [*(f"Insert gradient of f by {v}" for v in VARS),
                      *(f"Insert NumPy gradient function for f by {v}" for v in VARS)]  # fmt: skip
    assert [a.kind for a in got[: len(common)]] == [COMMON] * len(common)
    kinds = [a.kind for a in got]
    # grouped: each kind in one run, in this order
    assert kinds == sorted(kinds, key=[COMMON, MORE_DERIVATIVES, MORE_FUNCTIONS].index)
    rest = [a.title for a in got if a.kind != COMMON]
    assert len(got) == 27 and len(rest) == 21
    for v in VARS:
        assert f"Insert Hessian of f by {v}" in rest
        assert f"Insert derivation of f by {v} as comments" in rest
        assert f"Insert JAX gradient function for f by {v}" in rest
    assert "Insert PyTorch value-and-gradient function for f" in rest
    assert len({a.title for a in got}) == len(got)  # no duplicates


def test_every_action_is_reachable_by_its_kind() -> None:
    everything = {a.title for a in menu(PY, 3)}
    by_kind: dict[str, set[str]] = {}
    for kind in ["refactor", "source"]:
        by_kind[kind] = {a.title for a in menu(PY, 3, only=[kind])}
    assert by_kind["refactor"] | by_kind["source"] == everything
    assert not by_kind["refactor"] & by_kind["source"]
    assert len(by_kind["refactor"]) == 6  # what the light bulb shows
    functions = menu(PY, 3, only=[MORE_FUNCTIONS])
    assert functions and all(a.kind == MORE_FUNCTIONS for a in functions)
    assert {a.title for a in menu(PY, 3, only=["source.matdiff"])} == by_kind["source"]
    assert menu(PY, 3, only=["source.fixAll"]) == []


def test_quick_fixes_come_before_the_insertions() -> None:
    got = menu(PY, 4, with_diagnostics=True)  # r = A*x + y: y is undefined
    kinds = [a.kind for a in got]
    assert kinds[0] == types.CodeActionKind.QuickFix
    assert any(a.title.startswith("Declare y") for a in got)
    fixes = kinds.count(types.CodeActionKind.QuickFix)
    assert all(k != types.CodeActionKind.QuickFix for k in kinds[fixes:])


def test_a_non_scalar_definition_offers_its_derivative_first() -> None:
    text = PY.replace("r = A*x + y", "r = A*x")
    got = menu(text, 4)
    assert [a.title for a in got if a.kind == COMMON] == [
        "Insert derivative of r by A (numerator layout)",
        "Insert derivative of r by x (numerator layout)",
    ]
