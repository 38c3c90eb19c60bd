"""``matdiff.variables``: what a definition depends on, through other definitions."""

from __future__ import annotations

from matdiff.features import commands
from matdiff.features.snapshot import Snapshot

DOC = "W : matrix(m, n); x, y : vector(n); b : vector(m); const C : matrix(m, m)\n" \
      "r = W*x + b\nloss = r'*C*r\nother = y'*y\n"  # fmt: skip


def test_variables_of_a_definition_follow_definitions_and_skip_constants() -> None:
    snap = Snapshot.of("file:///a.matdiff", DOC)
    assert commands.variables(snap, {"name": "loss"}) == {"variables": ["W", "x", "b"]}
    assert commands.variables(snap, {"name": "other"}) == {"variables": ["y"]}
    assert "error" in commands.variables(snap, {"name": "W"})
