"""Features inside matdiff blocks of Python and Markdown files, at host positions (UTF-16
and UTF-8, after multi-byte text), and edits that insert matdiff lines the host's way."""

from __future__ import annotations

import numpy as np
import pytest
from lsprotocol import types

from matdiff.analysis import analyze
from matdiff.analysis.lower import Lowering
from matdiff.base.embedded import python_blocks
from matdiff.features import actions, diagnostics, hover
from matdiff.features.snapshot import Snapshot
from matdiff.numeric import verify
from matdiff.numeric.evaluate import evaluate

PY = """\
\"\"\"Least squares ∂ — ⊗ ᵀ multi-byte text before the block.\"\"\"
import numpy as np

def fit(W, x, b):
    # matdiff: W : matrix(m, n); x : vector(n); b : vector(m)
    # matdiff: loss = norm2(W*x + b)^2
    # matdiff: bad = W*W
    return W
"""


def _position(text: str, needle: str, encoding: str, after: int = 0) -> types.Position:
    offset = text.index(needle, after)
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    prefix = text[start:offset]
    units = {"utf-16": len(prefix.encode("utf-16-le")) // 2, "utf-8": len(prefix.encode()),
             "utf-32": len(prefix)}[encoding]  # fmt: skip
    return types.Position(line=line, character=units)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
def test_diagnostics_land_at_host_positions(encoding: str) -> None:
    (snap,) = Snapshot.of_host("file:///m.py", PY, "python", encoding=encoding)  # type: ignore[arg-type]
    (d,) = diagnostics.diagnostics(snap)
    assert d.message.startswith("cannot multiply W (m×n) by W (m×n)")
    assert d.range.start == _position(PY, "*W", encoding, PY.index("bad"))


def test_hover_in_a_block_shows_the_derivative_by_value() -> None:
    (snap,) = Snapshot.of_host("file:///m.py", PY, "python")
    h = hover.hover(snap, _position(PY, "loss", "utf-16"))
    assert h is not None and "∇_W loss" in h.contents.value
    code = h.contents.value.split("```python\n")[1].split("\n```")[0]
    rng = np.random.default_rng(0)
    W, x, b = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal(3)
    got = eval(code, {"np": np, "W": W, "x": x, "b": b, "m": 3, "n": 2})
    np.testing.assert_allclose(got, 2 * np.outer(W @ x + b, x))


def test_outside_the_blocks_nothing_answers() -> None:
    (snap,) = Snapshot.of_host("file:///m.py", PY, "python")
    assert not snap.contains(_position(PY, "return W", "utf-16"))
    assert snap.contains(_position(PY, "loss", "utf-16"))


def test_insert_gradient_writes_a_matdiff_comment_line() -> None:
    (snap,) = Snapshot.of_host("file:///m.py", PY, "python")
    at = _position(PY, "loss", "utf-16")
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=snap.uri),
        range=types.Range(start=at, end=at), context=types.CodeActionContext(diagnostics=[]),
    )  # fmt: skip
    (action,) = [
        a for a in actions.code_actions(snap, params) if a.title == "Insert gradient of loss by W"
    ]
    assert action.edit is not None and action.edit.changes is not None
    (edit,) = action.edit.changes[snap.uri]
    lines = PY.split("\n")
    line = lines[edit.range.start.line]
    lines[edit.range.start.line] = (
        line[: edit.range.start.character] + edit.new_text + line[edit.range.start.character :]
    )
    new = "\n".join(lines)
    assert "    # matdiff: grad_loss_W = 2*(W*x + b)*x'" in new.split("\n")
    (block,) = python_blocks(new)
    model = analyze(block.text)
    assert [d.message for d in model.diagnostics if "grad_loss_W" in d.message] == []
    lowering = Lowering(model)
    got, want = lowering.definition("grad_loss_W"), lowering.definition("loss")
    x = lowering.variable(model.symbols["W"])
    env = verify.environment([got, want], np.random.default_rng(1))
    assert verify.check(want, x, got, "gradient", env, np.random.default_rng(2))
    assert evaluate(got, env).shape == env["W"].shape


def test_markdown_fences_and_edits_above_them() -> None:
    md = "# Title ∂\n\n```matdiff\nA : matrix(m, n)\nf = A*A\n```\n"
    (snap,) = Snapshot.of_host("file:///n.md", md, "markdown")
    (d,) = diagnostics.diagnostics(snap)
    assert (d.range.start.line, d.range.start.character) == (4, 5)
    moved = "one more line ⊗\n" + md
    (snap2,) = Snapshot.of_host("file:///n.md", moved, "markdown")
    (d2,) = diagnostics.diagnostics(snap2)
    assert (d2.range.start.line, d2.range.start.character) == (5, 5)


def test_completion_and_inlay_hints_inside_a_block() -> None:
    from matdiff.features import completion, outline

    text = PY.replace("# matdiff: bad = W*W", "# matdiff: bad = W*")
    (snap,) = Snapshot.of_host("file:///m.py", text, "python")
    at = _position(text, "W*\n", "utf-16")
    at = types.Position(line=at.line, character=at.character + 2)
    got = completion.completion(snap, at)
    assert got is not None and {"x", "b", "W", "loss"} <= {item.label for item in got.items}
    whole = types.Range(start=types.Position(line=0, character=0),
                        end=types.Position(line=99, character=0))  # fmt: skip
    hints = outline.inlay_hints(snap, whole)
    loss = _position(text, "loss", "utf-16")
    assert [(h.position.line, h.label) for h in hints] == [(loss.line, ": scalar")]


def test_hover_on_a_rejected_definition_is_empty_not_an_error() -> None:
    snap = Snapshot.of("file:///a.matdiff", "tr = 3\nx : vector(n)\nf = x'*x\nf = 2*x'*x\n")
    assert hover.hover(snap, types.Position(line=0, character=0)) is None  # reserved name
    assert hover.hover(snap, types.Position(line=3, character=0)) is None  # redefinition
    got = hover.hover(snap, types.Position(line=2, character=0))
    assert got is not None and "∇_x f" in got.contents.value  # type: ignore[union-attr]


HOST = """\
import os


SEP = os.sep
# matdiff: A : matrix(n, n)
# matdiff: x : vector(n)
# matdiff: f = x'*A*x + g
# matdiff: g = 2
# matdiff: A : scalar
"""


def test_messages_quote_host_lines() -> None:
    """A block's own line numbers (1 to 5 here) mean nothing in the host file: every place a
    message quotes is the host's (line 8 is ``g = 2``, column 12 after ``# matdiff: ``)."""
    (snap,) = Snapshot.of_host("file:///m.py", HOST, "python")
    got = {d.code: d.message for d in diagnostics.diagnostics(snap)}
    assert got["use-before-definition"] == "'g' is used before its definition at 8:12"
    assert got["redeclared"] == "'A' is already declared at 5:12"
    # the same block as a document of its own says its own lines
    alone = analyze("".join(line.removeprefix("# matdiff: ") + "\n"
                            for line in HOST.splitlines()[4:]))  # fmt: skip
    assert "'A' is already declared at 1:1" in [d.message for d in alone.diagnostics]
    # only places are rewritten: block line 1 is host line 5, from the space after "matdiff:"
    assert snap.places("at 1:2, on line 2, at 3, line 4") == "at 5:12, on line 6, at 3, line 4"


@pytest.mark.parametrize("kind", ["python", "markdown"])
def test_hovers_quote_host_lines(kind: str) -> None:
    block = ["W : matrix(m, n); x : vector(n)", "r = W*x", "loss = r'*r"]
    if kind == "python":
        host = "\n".join(["import os", "", *(f"    # matdiff: {b}" for b in block), ""])
    else:
        host = "\n".join(["# Notes", "", "Some text.", "", "```matdiff", *block, "```", ""])
    first = host.split("\n").index(next(h for h in host.split("\n") if "W : matrix" in h)) + 1
    (snap,) = Snapshot.of_host("file:///m", host, kind)  # type: ignore[arg-type]
    for name, line in [("W", first), ("r", first + 1), ("loss", first + 2)]:
        at = host.index(name + " ", host.index(block[line - first]))
        h = hover.hover(snap, _position(host, name, "utf-16", at))
        assert h is not None
        assert f"on line {line})" in h.contents.value, (name, h.contents.value)
    # a name used further down quotes where it was declared
    h = hover.hover(snap, _position(host, "W*x", "utf-16"))
    assert h is not None and f"(declared on line {first})" in h.contents.value
