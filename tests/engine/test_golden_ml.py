"""Golden text for the cases at the top of issue 10: what a new user tried, printed now in
the shortest form a careful person writes.  Each is also checked by numbers (``verified``).
The ``dsl`` form is pinned for all; the Unicode ``text`` form where it has no inverse (the
printer of inverse transposes is another helper's work)."""

from __future__ import annotations

import pytest

from matdiff.services.derivatives import derivation

LOGISTIC = "X : matrix(m, n); w : vector(n); y : vector(m)\n" \
    "f = -y'*log(sigmoid(X*w)) - (ones(m) - y)'*log(ones(m) - sigmoid(X*w))\n"  # fmt: skip
SOFTMAX = "W : matrix(m, n); x : vector(n); y : vector(m); z : vector(m)\n"

# name: (document, wrt, kind, dsl, text or None)
GOLDEN = {
    "logistic-regression": (LOGISTIC, "w", "gradient", "X'*(sigmoid(X*w) - y)",
                            "Xᵀ(sigmoid(Xw) - y)"),
    # σ − σ∘² = σ ∘ (1 − σ) = σ(−z) ∘ σ(z) (PRML eq. (4.88) with (4.60)): one token shorter
    "logistic-hessian": (LOGISTIC, "w", "hessian", "X'*diag(sigmoid(-X*w).*sigmoid(X*w))*X",
                         "Xᵀ·diag(sigmoid(-Xw) ∘ sigmoid(Xw))X"),
    "softmax-ce": (SOFTMAX + "f = -y'*log(softmax(W*x))\n", "W", "gradient",
                   "(sum(y)*softmax(W*x) - y)*x'", "(sum(y)·softmax(Wx) - y)xᵀ"),
    "softmax-ce-hessian": (SOFTMAX + "f = -y'*log(softmax(z))\n", "z", "hessian",
                           "sum(y)*(diag(softmax(z)) - softmax(z)*softmax(z)')",
                           "sum(y)(diag(softmax(z)) - softmax(z)·softmax(z)ᵀ)"),
    "softmax-ce-hessian-x": (SOFTMAX + "f = -y'*log(softmax(W*x))\n", "x", "hessian",
                             "sum(y)*W'*(diag(softmax(W*x)) - softmax(W*x)*softmax(W*x)')*W",
                             None),
    "tr-X5": ("X : matrix(n, n)\nf = tr(X^5)\n", "X", "gradient", "5*(X^4)'", None),
    "tr-invX-A-X": ("X, A : matrix(n, n)\nf = tr(inv(X)*A*X)\n", "X", "gradient", "zeros(n, n)",
                    None),
    "gaussian-symmetric-S": ("S : matrix(n, n) spd; x, mu : vector(n)\n"
                             "f = logdet(S) + (x - mu)'*inv(S)*(x - mu)\n", "S", "gradient",
                             "inv(S)*(eye(n) - (x - mu)*(x - mu)'*inv(S))", None),
    "vec-kron-quadratic": ("X : matrix(m, n); A : matrix(n, n); B : matrix(m, m)\n"
                           "f = vec(X)'*kron(A, B)*vec(X)\n", "X", "gradient",
                           "B'*X*A + B*X*A'", "BᵀXA + BXAᵀ"),
    "like-terms-transposed": ("M : matrix(m, n); X : matrix(m, n)\n"
                              "f = tr((M'.^2 + (M.^2)')*X)\n", "X", "gradient", "2*M.^2", None),
}  # fmt: skip


@pytest.mark.parametrize("name", list(GOLDEN))
def test_prints_the_shortest_form(name: str) -> None:
    document, wrt, kind, dsl, text = GOLDEN[name]
    d = derivation(document, "f", wrt, kind)  # type: ignore[arg-type]
    assert d.emit("dsl") == dsl
    if text is not None:
        assert d.emit("text") == text
    assert d.verified()
