"""Re-analysis after an edit reuses what the edit did not touch (parsed statements, checked
statements): it must give exactly what analysing the new text from scratch gives."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import given, settings
from hypothesis import strategies as st

from matdiff.analysis import DocumentModel, analyze
from matdiff.base import caches

# the module (the package exports its function under the same name)
analyze_module = importlib.import_module("matdiff.analysis.analyze")

LINES = [
    "x : vector(n)",
    "y : vector(n)",
    "A : matrix(n, n) symmetric",
    "W : matrix(m, n); b : vector(m)",
    "const c : scalar",
    "x : vector(m)",  # redeclared
    "n : scalar",  # n may already be a dimension
    "f = x'*A*x",
    "f = norm2(W*x + b)^2",  # redefined
    "g = f + c*x'*y",
    "h = g*y",
    "r = W*x + b",
    "s = r'*r + h'*h",
    "u = z + x",  # z undefined (did you mean …)
    "v = x + y'",  # shapes differ
    "k = eye(n)*x + ones*c",
    "e = q*2",  # q defined below: used before its definition
    "q = sum(exp(x))",
    "p = (x +",  # broken
    "t = tr(A*(A +\n  eye(n)))",  # a statement over two lines
    "w = x .* y  # a comment",
    "# only a comment",
    "",
    "a1 = inv(A)*x; a2 = a1'*x",
]


@contextmanager
def no_caches() -> Iterator[None]:
    with caches.using(caches.Caches()):
        yield


def view(model: DocumentModel) -> dict[str, object]:
    """Everything a feature can see of a model, in document offsets."""
    place = model.absolute
    return {
        "diagnostics": [
            (d.span, d.message, d.code, d.data, [(r.span, r.message) for r in d.related])
            for d in model.diagnostics
        ],
        "symbols": {
            name: (s.kind, place(s.span), place(s.statement), s.shape, s.properties, s.const)
            for name, s in model.symbols.items()
        },
        "order": [s.name for s in model.definitions] + [s.name for s in model.variables],
        "shapes": {
            place(span): shape
            for shapes in model.shapes_by_frame.values()
            for span, shape in shapes.items()
        },
        "statements": model.document.statements,
        "starts": model.starts,
        "dimensions": model.dimensions,
    }


def fresh(text: str) -> DocumentModel:
    with no_caches():
        return analyze(text)


edits = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete", "replace", "append", "join"]),
        st.integers(0, 40),
        st.sampled_from(LINES),
    ),
    max_size=8,
)


def apply(lines: list[str], edit: tuple[str, int, str]) -> list[str]:
    what, at, line = edit
    lines = list(lines)
    i = at % (len(lines) + 1)
    if what == "insert" or not lines:
        lines.insert(i, line)
    elif what == "delete":
        del lines[i % len(lines)]
    elif what == "replace":
        lines[i % len(lines)] = line
    elif what == "append":
        lines[i % len(lines)] += " + 1"
    elif len(lines) > 1:  # join a line to the next with ';'
        j = i % (len(lines) - 1)
        lines[j : j + 2] = [f"{lines[j]}; {lines[j + 1]}"]
    return lines


@settings(max_examples=150, deadline=None)
@given(start=st.lists(st.sampled_from(LINES), max_size=14), changes=edits)
def test_reanalysis_after_edits_equals_analysis_from_scratch(
    start: list[str], changes: list[tuple[str, int, str]]
) -> None:
    lines = start
    analyze("\n".join(lines))
    for change in changes:
        lines = apply(lines, change)
        text = "\n".join(lines) + "\n"
        assert view(analyze(text)) == view(fresh(text)), text


def test_a_moved_statement_keeps_its_nodes_and_its_check() -> None:
    text = "x : vector(n)\nA : matrix(n, n)\nf = x'*A*x\n"
    before = analyze(text)
    after = analyze("# a new first line\n" + text)
    assert after.document.statements[2] is before.document.statements[2]
    assert after.symbols["f"] is before.symbols["f"]  # not checked again
    assert after.absolute(after.symbols["f"].span).start == after.text.index("f =")


def test_a_changed_declaration_rechecks_its_users() -> None:
    text = "x : vector(n)\nA : matrix(n, n)\nf = x'*A*x\n"
    analyze(text)
    after = analyze(text.replace("matrix(n, n)", "matrix(m, n)"))
    assert [d.code for d in after.diagnostics] == ["shape"]
    assert after.symbols["f"].shape is None


def test_messages_that_name_a_place_follow_it() -> None:
    text = "e = q*2\nq = 3\n"
    first = analyze(text)
    assert "at 2:1" in first.diagnostics[0].message
    moved = analyze("e = q*2\n\n\nq = 3\n")
    assert "at 4:1" in moved.diagnostics[0].message


def test_identical_statements_do_not_share_a_frame() -> None:
    model = analyze("x : vector(n)\nf = x'*x\nf = x'*x\n")
    frames = [s.span.frame for s in model.document.statements]
    assert len(set(frames)) == 3
    assert [d.code for d in model.diagnostics] == ["redefined"]
    assert model.diagnostics[0].span.start == len("x : vector(n)\nf = x'*x\n")


@settings(max_examples=100, deadline=None)
@given(
    lines=st.lists(st.sampled_from(LINES), max_size=10),
    a=st.integers(-1, 300),
    b=st.integers(-1, 300),
)
def test_statements_between_are_those_whose_spans_meet_the_range(
    lines: list[str], a: int, b: int
) -> None:
    model = analyze("\n".join(lines))
    start, end = min(a, b), max(a, b)
    naive = [
        s
        for s in model.document.statements
        if model.absolute(s.span).start <= end and start <= model.absolute(s.span).end
    ]
    assert [id(s) for s in model.statements_between(start, end)] == [id(s) for s in naive]
