"""Half-typed documents: the broken statement costs one diagnostic and nothing else.

Each case is a document being typed, the shapes every other definition must still have,
and the one syntax message expected.  A name the broken statement evidently introduces
(``f = …``, ``x : …``) is not reported again where later statements use it.
"""

from __future__ import annotations

import pytest

from matdiff.analysis import analyze

DECLS = "A : matrix(m, n)\nB : matrix(n, n)\nx : vector(n)\n"

# (document after DECLS, {definition: shape}, the syntax message)
CASES = [
    ("f = A * (B +\ng = A*B\nh = f + 1\n", {"g": "m×n"}, "missing operand after '+'"),
    ("f = A * (B +", {}, "missing operand after '+'"),
    ("y : vector(\ng = x'*B*x\nh = y'*y\n", {"g": "scalar"}, "unclosed '(' opened at 4:11"),
    ("y : vector(", {}, "unclosed '(' opened at 4:11"),
    (")\nf = A'\n", {"f": "n×m"}, "unmatched ')'"),
    ("f = A*x)\ng = B*x\nh = f'*f\n", {"g": "n×1"}, "unmatched ')'"),
    ("f = (A*x\ng = B*x\nh = g'*g\n", {"g": "n×1", "h": "scalar"}, "unclosed '(' opened at 4:5"),
    ("f = sin(B*x\nconst C : matrix(n, n)\ng = C*x\n", {"g": "n×1"}, "unclosed '(' opened at 4:8"),
    (
        "f = x'*x; g = x +; h = f*x; k = g + 1\n",
        {"f": "scalar", "h": "n×1"},
        "missing operand after '+'",
    ),
    ("f = x'*B*x\ng = \nh = f*2\n", {"f": "scalar", "h": "scalar"}, "missing expression after '='"),
    ("f = x $ x\ng = B^2\n", {"g": "n×n"}, "unexpected '$'"),
    ("f = A x\ng = A'*A\n", {"g": "n×n"}, "missing operator between 'A' and 'x'"),
    ("y, z : \nf = y + z\ng = x + x\n", {"g": "n×1"}, "missing type after ':'"),
    ("f = grad(x'*B*x, \ng = grad(x'*B*x, x)\n", {"g": "n×1"}, "missing argument after ','"),
    ("g = (tr(B) +\n  2*det(B))\nh = g^2\n", {"g": "scalar", "h": "scalar"}, ""),  # continued
]


@pytest.mark.parametrize(("text", "shapes", "message"), CASES, ids=[c[0] for c in CASES])
def test_recovery(text: str, shapes: dict[str, str], message: str) -> None:
    model = analyze(DECLS + text)
    for name, shape in shapes.items():
        assert str(model.symbols[name].shape) == shape, name
    for name in ("A", "B", "x"):
        assert model.symbols[name].shape is not None
    messages = [d.message for d in model.diagnostics]
    if message:
        assert len(messages) == 1 and messages[0].startswith(message), messages
        assert model.diagnostics[0].code == "syntax"
    else:
        assert messages == []


def test_broken_statement_keeps_its_name() -> None:
    model = analyze(DECLS + "f = A * (B +\ny : vector(\ng = f + y\n")
    assert "f" in model.symbols and "y" in model.symbols
    assert model.symbols["f"].shape is None and model.symbols["y"].shape is None
    assert [d.code for d in model.diagnostics] == ["syntax", "syntax"]


def test_every_prefix_of_a_document_is_analysed() -> None:
    """Typing a document character by character: every prefix gives a model whose
    diagnostics are only about the last, unfinished statement."""
    text = DECLS + "r = B*x - B*(x + x)\nloss = norm2(r)^2 + tr(B'*B)\ng = grad(loss, x)\n"
    start = len(DECLS)
    for end in range(start, len(text) + 1):
        prefix = text[:end]
        model = analyze(prefix)
        last_line = prefix.count("\n") + 1
        lines = {model.line_index.line_col(d.span.start)[0] + 1 for d in model.diagnostics}
        assert lines <= {last_line}, (prefix, [d.message for d in model.diagnostics])


@pytest.mark.parametrize(
    "deep",
    ["x" + "^x" * 400, "-" * 2000 + "x", "(" * 2000 + "x" + ")" * 2000, "x" + "'" * 3000],
    ids=["power", "minus", "parens", "transpose"],
)
def test_deep_nesting_is_one_diagnostic(deep: str) -> None:
    model = analyze(f"x : scalar\nf = {deep}\ng = 2*x\nh = f + g\n")
    assert str(model.symbols["g"].shape) == "scalar"
    assert len(model.diagnostics) <= 1
