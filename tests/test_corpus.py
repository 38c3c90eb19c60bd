"""Every worked example of the tutorial (shared/corpus/tutorial.json), checked by value.

For each case and each answer it gives (gradient, numerator, vec_jacobian, hessian), the
engine's result and the known answer are evaluated on random data with different sizes per
dimension symbol (so a transposed answer cannot pass), and the result is also checked against
central finite differences.  Never compared by text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matdiff
from matdiff.analysis import analyze
from matdiff.analysis.lower import Lowering
from matdiff.numeric import verify
from matdiff.numeric.evaluate import evaluate
from matdiff.services.derivatives import derivation

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "tutorial.json"
KINDS = {
    "gradient": "gradient",
    "numerator": "numerator",
    "vec_jacobian": "numerator",
    "hessian": "hessian",
}


def _cases() -> list[Any]:
    if not CORPUS.exists():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"no corpus at {CORPUS}"))]
    out = []
    for case in json.loads(CORPUS.read_text()):
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
        env = verify.environment([d.f, d.result, expected], rng, case.get("sampling"))
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
    env = verify.environment([ours, expected], rng, case.get("sampling"))
    np.testing.assert_allclose(evaluate(ours, env), evaluate(expected, env), rtol=1e-8, atol=1e-10)
