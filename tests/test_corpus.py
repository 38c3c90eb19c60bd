"""Every worked example of the tutorial (tests/data/corpus/tutorial.json), and every case of
the readability corpus (readability.json: its shortest known forms), checked by value.

For each case and each answer it gives (gradient, numerator, vec_jacobian, hessian), the
engine's result and the known answer are evaluated on random data with different sizes per
dimension symbol (so a transposed answer cannot pass), and the result is also checked against
central finite differences.  Never compared by text.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

import matdiff
from matdiff.analysis import analyze
from matdiff.analysis.lower import Lowering
from matdiff.numeric import verify
from matdiff.numeric.evaluate import evaluate
from matdiff.services.derivatives import derivation
from tests.conftest import CORPUS, TUTORIAL

KINDS = {
    "gradient": "gradient",
    "numerator": "numerator",
    "vec_jacobian": "numerator",
    "hessian": "hessian",
}


def _readability() -> list[dict[str, Any]]:
    """The readability cases in the tutorial corpus's form: a document defining ``f``, and
    its reference answer (and each equally short alternative) under the case's ``kind``."""
    out = []
    for case in json.loads((CORPUS / "readability.json").read_text(encoding="utf-8")):
        lines = []
        for name, dims in case["declarations"].items():
            shape = ["scalar", "vector({})", "matrix({}, {})"][len(dims)].format(*dims)
            props = case.get("properties", {}).get(name, "")
            lines.append(f"{name} : {shape} {props if isinstance(props, str) else ' '.join(props)}")
        document = "\n".join([*lines, f"f = {case['expression']}", ""])
        for i, known in enumerate([case["reference"], *case.get("also_accept", [])]):
            out.append({"id": f"{case['id']}-{i}", "document": document, "of": "f",
                        "wrt": case["wrt"], case["kind"]: known,
                        "sampling": case.get("sampling"),
                        "dim_choices": case.get("dim_choices")})  # fmt: skip
    return out


def _environment(exprs: list[Any], rng: np.random.Generator, case: dict[str, Any]) -> Any:
    """``verify.environment``, with the sizes a case restricts (``dim_choices``: e.g. a
    projection X(XᵀX)⁻¹Xᵀ needs more rows than columns) drawn from its choices."""
    sizes = verify.sizes_for(verify.dimensions(*exprs), rng)
    for dim, choices in (case.get("dim_choices") or {}).items():
        if dim in sizes:
            sizes[dim] = int(rng.choice(choices))
    sampling = case.get("sampling") or {}
    return dict(sizes) | {v.name: verify.sample(v, sizes, rng, sampling.get(v.name))
                          for v in verify.variables(*exprs)}  # fmt: skip


def _cases() -> list[Any]:
    out = []
    for case in [*json.loads(TUTORIAL.read_text(encoding="utf-8")), *_readability()]:
        for answer in KINDS:
            if answer in case:
                out.append(pytest.param(case, answer, id=f"{case['id']}-{answer}"))
    return out


@pytest.mark.parametrize(("case", "answer"), _cases())
def test_corpus_case_by_value(case: dict[str, Any], answer: str) -> None:
    kind = KINDS[answer]
    d = derivation(case["document"], case["of"], case["wrt"], kind)  # type: ignore[arg-type]
    known = analyze(case["document"] + f"\nknown__ = {case[answer]}\n")
    assert not known.diagnostics, known.diagnostics
    expected = Lowering(known).definition("known__")
    assert d.result.shape == expected.shape
    rng = np.random.default_rng(7)
    for _ in range(3):
        env = _environment([d.f, d.result, expected], rng, case)
        with np.errstate(all="ignore"):
            got, want = evaluate(d.result, env), evaluate(expected, env)
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)
        assert verify.check(d.f, d.x, d.result, kind, env, rng)


@pytest.mark.parametrize(("case", "answer"), _cases())
def test_corpus_dsl_output_reparses_to_the_same_numbers(case: dict[str, Any], answer: str) -> None:
    kind = KINDS[answer]
    api = {"gradient": matdiff.grad, "numerator": matdiff.diff, "hessian": matdiff.hessian}[kind]
    dsl = api(case["document"], of=case["of"], wrt=case["wrt"], emit="dsl")
    both = analyze(case["document"] + f"\nours__ = {dsl}\nknown__ = {case[answer]}\n")
    assert not both.diagnostics, (dsl, both.diagnostics)
    lowering = Lowering(both)
    ours, expected = lowering.definition("ours__"), lowering.definition("known__")
    assert ours.shape == expected.shape
    rng = np.random.default_rng(11)
    env = _environment([ours, expected], rng, case)
    np.testing.assert_allclose(evaluate(ours, env), evaluate(expected, env), rtol=1e-8, atol=1e-10)
