"""The formatter: canonical spacing, minimal parentheses, comments and broken text kept."""

from __future__ import annotations

import pytest

from matdiff.syntax import parse
from matdiff.syntax.printer import format_document, format_text

# (input statement, canonical text)
STATEMENTS = [
    ("f=x'*A*x+2*b", "f = x'*A*x + 2*b"),
    ("f = (a-b)-c", "f = a - b - c"),
    ("f = a-(b-c)", "f = a - (b - c)"),
    ("f = a-(b+c)", "f = a - (b + c)"),
    ("f = (a*b)*c", "f = a*b*c"),
    ("f = a*(b*c)", "f = a*(b*c)"),
    ("f = a/(b*c)", "f = a/(b*c)"),
    ("f = (a+b)*c", "f = (a + b)*c"),
    ("f = a*b+c*d", "f = a*b + c*d"),
    ("f = -x^2", "f = -x^2"),
    ("f = -(x^2)", "f = -x^2"),
    ("f = (-x)^2", "f = (-x)^2"),
    ("f = x^y^z", "f = x^y^z"),
    ("f = x^(y^z)", "f = x^y^z"),
    ("f = (x^y)^z", "f = (x^y)^z"),
    ("f = x^-1", "f = x^-1"),
    ("f = x^(-1)", "f = x^-1"),
    ("f = x^-y^2", "f = x^-y^2"),
    ("f = x^(-y)^2", "f = x^(-y)^2"),
    ("f = x^(a*b)", "f = x^(a*b)"),
    ("f = X⁻¹", "f = X^-1"),
    ("f = A'⁻¹", "f = A'^-1"),
    ("f = (A⁻¹)'", "f = (A^-1)'"),
    ("f = -(a*b)", "f = -(a*b)"),
    ("f = (-a)*b", "f = -a*b"),
    ("f = a*-b", "f = a*-b"),
    ("f = a*(-b)", "f = a*-b"),
    ("f = a - -b", "f = a - -b"),
    ("f = a + (-b)", "f = a + -b"),
    ("f = -(-a)", "f = --a"),
    ("f = +a", "f = +a"),
    ("f = (a*b)'", "f = (a*b)'"),
    ("f = (a')'", "f = a''"),
    ("f = (-a)'", "f = (-a)'"),
    ("f = x.T*y ᵀ", "f = x'*y'"),
    ("f = a ∘ b ⊙ c", "f = a.*b.*c"),
    ("f = a × b · c", "f = a*b*c"),
    ("f = a@b", "f = a@b"),
    ("f = a ./ b .* c", "f = a./b.*c"),
    ("f = a ⊗ b ⊗ c", "f = a ⊗ b ⊗ c"),
    ("f = a ⊗ (b ⊗ c)", "f = a ⊗ (b ⊗ c)"),
    ("f = a .^ 2", "f = a.^2"),
    ("f = 2 .^ x", "f = 2.^x"),
    ("f = .5*x", "f = .5*x"),
    ("f = 1e-3*x", "f = 1e-3*x"),
    ("f = kron( A ,B )+eye( )", "f = kron(A, B) + eye()"),
    ("f = grad(x'*x , x)", "f = grad(x'*x, x)"),
    ("f = sin((x))", "f = sin(x)"),
    ("A:matrix(m,n) symmetric,spd", "A : matrix(m, n) symmetric spd"),
    ("const   x,y:vector( n )", "const x, y : vector(n)"),
    ("c:scalar", "c : scalar"),
    ("D : matrix(3,3)", "D : matrix(3, 3)"),
]


@pytest.mark.parametrize(("text", "expected"), STATEMENTS, ids=[t for t, _ in STATEMENTS])
def test_format_statement(text: str, expected: str) -> None:
    assert format_text(text) == expected + "\n"
    assert parse(expected).document == parse(text).document
    assert format_text(expected) == expected + "\n"


# (document, formatted document)
DOCUMENTS = [
    ("", ""),
    ("\n\n", ""),
    ("# only a comment", "# only a comment\n"),
    ("  f = a   # hi  \n", "f = a  # hi\n"),
    ("f=a\n\n\ng=b\n\n\n", "f = a\n\n\ng = b\n"),
    ("f=a;g=b ;h=c;", "f = a; g = b; h = c;\n"),
    ("f=a;;g=b", "f = a;; g = b\n"),
    ("f = (a +\n   b)  # sum\n", "f = a + b  # sum\n"),
    ("f = (a +  # first\n  b)\n", "f = (a +  # first\n  b)\n"),  # a comment inside: verbatim
    ("f = A * (B +\nx : vector(  n  )\n", "f = A * (B +\nx : vector(n)\n"),
    ("f = a $  b  # broken\ng=1", "f = a $  b  # broken\ng = 1\n"),
    ("x : vector(\n)", "x : vector()\n"),
    ("\t)\nf=a", ")\nf = a\n"),
]


@pytest.mark.parametrize(("text", "expected"), DOCUMENTS, ids=[t for t, _ in DOCUMENTS])
def test_format_text(text: str, expected: str) -> None:
    assert format_text(text) == expected
    assert format_text(expected) == expected
    assert parse(expected).document == parse(text).document


def test_format_document_drops_comments_and_keeps_broken_text() -> None:
    text = "A : matrix(m,n) # A\nf = A * (B +\ng=A'*A;h=g\n"
    result = parse(text)
    assert format_document(result) == ("A : matrix(m, n)\nf = A * (B +\ng = A'*A\nh = g\n")


def test_format_examples_are_stable() -> None:
    from tests.conftest import DATA

    for path in sorted((DATA / "good").glob("*.matdiff")):
        text = path.read_text(encoding="utf-8")
        formatted = format_text(text)
        assert format_text(formatted) == formatted, path.name
        assert parse(formatted).document == parse(text).document, path.name
