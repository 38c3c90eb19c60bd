"""Golden text: the tutorial's examples print in the tutorial's form (issue 3), in the
dsl and text forms, and their derivations name the tutorial's equations where it does
(the Matrix Calculus Tutorial: x'x uses eqs. (10), (15); ‖Wx + b‖² eq. (12);
ln|X| eq. (18); tr(AXB) eqs. (17), (12)).  These are the only tests that compare text.
"""

from __future__ import annotations

import pytest

import matdiff
from matdiff.services.derivatives import derivation

XTX = "x : vector(n)\nf = x'*x\n"
TRAXB = "A, X, B : matrix(n, n)\nf = tr(A*X*B)\n"
WXB = "W : matrix(m, n); x : vector(n); b : vector(m)\nf = norm2(W*x + b)^2\n"
LOGDET = "X : matrix(n, n)\nf = logdet(X)\n"
XTAX = "x : vector(n); A : matrix(n, n)\nf = x'*A*x\n"
XTSX = "x : vector(n); A : matrix(n, n) symmetric\nf = x'*A*x\n"
TANH = "W1 : matrix(h, n); W2 : matrix(m, h); x : vector(n); t : vector(m)\n" \
    "f = 0.5*norm2(W2*tanh(W1*x) - t)^2\n"  # fmt: skip
SOFTMAX_CE = "W1 : matrix(h, n); W2 : matrix(m, h); x : vector(n); t : vector(m)\n" \
    "f = -t'*log(exp(W2*sigmoid(W1*x))/sum(exp(W2*sigmoid(W1*x))))\n"  # fmt: skip

# (document, wrt, kind, dsl, text)
GOLDEN = {
    # d(xᵀx)/dx = 2xᵀ (numerator); gradient 2x
    "xTx-num": (XTX, "x", "numerator", "2*x'", "2xᵀ"),
    "xTx-grad": (XTX, "x", "gradient", "2*x", "2x"),
    # d tr(AXB)/dX = BA; gradient AᵀBᵀ
    "trAXB-num": (TRAXB, "X", "numerator", "B*A", "BA"),
    "trAXB-grad": (TRAXB, "X", "gradient", "A'*B'", "AᵀBᵀ"),
    # d‖Wx + b‖²/dW = 2x(Wx + b)ᵀ; gradient 2(Wx + b)xᵀ
    "Wxb-num": (WXB, "W", "numerator", "2*x*(W*x + b)'", "2x(Wx + b)ᵀ"),
    "Wxb-grad": (WXB, "W", "gradient", "2*(W*x + b)*x'", "2(Wx + b)xᵀ"),
    # d ln|X|/dX = X⁻¹; gradient X⁻ᵀ
    "logdet-num": (LOGDET, "X", "numerator", "inv(X)", "X⁻¹"),
    "logdet-grad": (LOGDET, "X", "gradient", "inv(X)'", "X⁻ᵀ"),
    # xᵀAx: (A + Aᵀ)x, and 2Ax for symmetric A
    "xTAx-grad": (XTAX, "x", "gradient", "(A + A')*x", "(A + Aᵀ)x"),
    "xTSx-grad": (XTSX, "x", "gradient", "2*A*x", "2Ax"),
    "xTSx-hess": (XTSX, "x", "hessian", "2*A", "2A"),
    # E.g. 5, two-layer network: the tutorial's x[(dl/dy W₂) ∘ σ'(W₁x)ᵀ] and σ(W₁x) dl/dy
    "tanh-W1-num": (TANH, "W1", "numerator",
                    "x*(((W2*tanh(W1*x) - t)'*W2).*(ones(h) - tanh(W1*x).^2)')",
                    "x(((W2·tanh(W1·x) - t)ᵀ·W2) ∘ (1_h - tanh(W1·x)∘²)ᵀ)"),
    "softmax-W2-grad": (SOFTMAX_CE, "W2", "gradient",
                        "(sum(t)*softmax(W2*sigmoid(W1*x)) - t)*sigmoid(W1*x)'",
                        "(sum(t)·softmax(W2·sigmoid(W1·x)) - t)·sigmoid(W1·x)ᵀ"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(GOLDEN))
def test_prints_in_the_tutorial_form(name: str) -> None:
    document, wrt, kind, dsl, text = GOLDEN[name]
    d = derivation(document, "f", wrt, kind)  # type: ignore[arg-type]
    assert d.emit("dsl") == dsl
    assert d.emit("text") == text
    assert d.verified()


@pytest.mark.parametrize(
    ("document", "wrt", "equations"),
    [
        (XTX, "x", ["eqs. (10)", "eq. (15)"]),
        (WXB, "W", ["eq. (12)", "eq. (15)"]),
        (LOGDET, "X", ["(18)"]),
        (TRAXB, "X", ["eq. (17)", "eq. (12)"]),
    ],
)
def test_steps_name_the_tutorial_equations(document: str, wrt: str, equations: list[str]) -> None:
    out = matdiff.diff(document, of="f", wrt=wrt, steps=True)
    lines = out.splitlines()
    for eq in equations:
        assert any(eq in line for line in lines), (eq, out)
    # issue 10: the scalar-trace rule reads "s = tr(s)" (not the user's x); the derivative is
    # read off by eq. (2) (vectors) or eq. (3) (matrices)
    reads = ("s = tr(s)", "trace cycling", "eq. (2)", "eq. (3)")
    assert any(r in line for r in reads for line in lines), out


def test_steps_of_the_least_squares_example() -> None:
    """The tutorial's worked example, line by line (tutorial, ‖Wx + b‖² by W)."""
    lines = matdiff.diff(WXB, of="f", wrt="W", steps=True).splitlines()
    bodies = [line.split("[")[0].strip() for line in lines]
    assert bodies[0] == "df = d(‖Wx + b‖²)"  # the definition as written (issue 10)
    assert bodies[1] == "= d((Wx + b)ᵀ(Wx + b))"
    assert "= 2(Wx + b)ᵀ(dW)x" in bodies  # the tutorial writes 2(Wx+b)ᵀ(dW)x
    assert lines[-1] == "2x(Wx + b)ᵀ"
    assert any(b.startswith("= tr(") and "dW)" in b for b in bodies)
