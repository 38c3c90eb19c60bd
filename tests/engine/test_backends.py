"""NumPy, PyTorch and JAX emissions of the same derivative agree with each other and with
the engine's own numbers (vectors as 1-D arrays in all three), on the tutorial's examples
and on derivatives that need every operation the emitters know."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from matdiff.numeric import verify
from matdiff.numeric.evaluate import evaluate
from matdiff.services.derivatives import derivation
from tests.conftest import TUTORIAL, framework

torch = framework("torch")
jax = framework("jax")
jnp = jax.numpy

DOC = """\
x, y : vector(n); A, X : matrix(n, n); W : matrix(m, n); S : matrix(n, n) spd
c : scalar
"""
EXTRA = [
    ("f = logdet(S) + tr(inv(X)*A) + det(X)", "X", "gradient"),
    ("f = sum(softplus(W*x)) + norm1(x) + logsumexp(W*x) + c*norm2(X)", "x", "gradient"),
    ("f = softmax(W*x)", "x", "numerator"),
    ("f = kron(X, A)", "X", "numerator"),
    ("f = X'", "X", "numerator"),
    ("f = vec(X)'*kron(x, y)", "X", "gradient"),
    ("f = tr(X^3) + sum(diag(X) .* exp(y)) + sum(sigmoid(X)) + sum(tanh(W*x).^2)", "X", "gradient"),
    ("f = x'*adj(X)*y + sum(arctan(x)) + sum(sqrt(exp(y)))", "X", "hessian"),
    ("f = diag(x)*A*x + relu(x) .* sign(y)", "x", "numerator"),
]  # fmt: skip


def _cases() -> list[Any]:
    out = [
        pytest.param(DOC + f"{expr}\n", "f", wrt, kind, None, id=expr) for expr, wrt, kind in EXTRA
    ]
    for case in json.loads(TUTORIAL.read_text(encoding="utf-8")):
        kind = "gradient" if "gradient" in case else "numerator"
        out.append(pytest.param(case["document"], case["of"], case["wrt"], kind,
                                case.get("sampling"), id=case["id"]))  # fmt: skip
    return out


def _flat(env: dict[str, Any]) -> dict[str, Any]:
    """§6 conventions: vectors 1-D, scalars floats, dimension symbols ints."""
    out: dict[str, Any] = {}
    for k, v in env.items():
        if isinstance(v, int) or k.startswith("d:"):
            out[k] = v
        elif v.shape == (1, 1):
            out[k] = float(v[0, 0])
        elif v.shape[1] == 1:
            out[k] = v[:, 0]
        else:
            out[k] = v
    return out


@pytest.mark.parametrize(("document", "of", "wrt", "kind", "sampling"), _cases())
def test_numpy_torch_and_jax_agree(document: str, of: str, wrt: str, kind: str,
                                   sampling: Any) -> None:  # fmt: skip
    d = derivation(document, of, wrt, kind)  # type: ignore[arg-type]
    rng = np.random.default_rng(3)
    env = verify.environment([d.f, d.result], rng, sampling)
    want = evaluate(d.result, env)
    values = _flat(env)
    torch.set_default_dtype(torch.float64)
    spaces = {
        "numpy": {"np": np} | values,
        "torch": {"torch": torch} | {k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                                     for k, v in values.items()},
        "jax": {"jnp": jnp, "jax": jax} | {k: jnp.asarray(v) if isinstance(v, np.ndarray) else v
                                           for k, v in values.items()},
    }  # fmt: skip
    for form, space in spaces.items():
        code = d.emit(form)
        got = np.asarray(eval(code, space), dtype=float)
        assert got.size == want.size, (form, code, got.shape, want.shape)
        np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-7, atol=1e-9,
                                   err_msg=f"{form}: {code}")  # fmt: skip
