"""Readability as data (issue 10): every case of ``tests/data/corpus/readability.json`` (the
public set, a verbatim copy of the shared corpus; see its SOURCE.md) and of
``tests/data/readability_more.json`` (our own, one per family of long results, each with its
source) is

- right by value: the result equals the reference on random data, with different random
  sizes per dimension symbol (so a transposed answer fails), and agrees with central finite
  differences;
- no longer than the reference, in tokens of the ``dsl`` form (corpus README: names,
  numbers, operators, function names and each ``'`` count one; parentheses and commas free).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matdiff.engine.cost import cost, tokens
from matdiff.numeric import verify
from matdiff.numeric.evaluate import evaluate
from matdiff.services.derivatives import derivation
from tests.engine.helpers import close, lower_extra

DATA = Path(__file__).resolve().parents[1] / "data"
CASES: list[dict[str, Any]] = [
    *json.loads((DATA / "corpus" / "readability.json").read_text(encoding="utf-8")),
    *json.loads((DATA / "readability_more.json").read_text(encoding="utf-8")),
]


def document(case: dict[str, Any]) -> str:
    props = case.get("properties", {})
    lines = []
    for name, dims in case["declarations"].items():
        kind = (
            "scalar" if not dims
            else f"vector({dims[0]})" if len(dims) == 1
            else f"matrix({dims[0]}, {dims[1]})"
        )  # fmt: skip
        lines.append(f"{name} : {kind}" + (f" {props[name]}" if name in props else ""))
    return "\n".join(lines) + f"\nf = {case['expression']}\n"


def sizes(case: dict[str, Any], symbols: set[str], rng: np.random.Generator) -> dict[str, int]:
    """Distinct random sizes per dimension symbol, within ``dim_choices`` where given."""
    choices: dict[str, list[int]] = case.get("dim_choices", {})
    while True:
        out = {s: int(rng.choice(choices.get(s, range(2, 7)))) for s in sorted(symbols)}
        if len(set(out.values())) == len(out):
            return out


def test_the_sets_are_what_the_readme_says() -> None:
    assert len(CASES) >= 15 + 30
    assert len({c["id"] for c in CASES}) == len(CASES)
    assert all(c.get("source") for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_right_by_value_and_no_longer_than_the_reference(case: dict[str, Any]) -> None:
    doc = document(case)
    d = derivation(doc, "f", case["wrt"], case["kind"])
    dsl = d.emit("dsl")
    assert cost(d.result) == tokens(dsl), dsl
    assert tokens(dsl) <= tokens(case["reference"]), (dsl, case["reference"])
    reference = lower_extra(doc, "reference__", case["reference"])
    assert reference.shape == d.result.shape
    ours = lower_extra(doc, "ours__", dsl)  # the printed form reads back to the same value
    sampling = case.get("sampling", {})
    rng = np.random.default_rng(10)
    exprs = [d.f, d.result, reference, d.x]
    for _ in range(3):
        env: dict[str, Any] = sizes(case, verify.dimensions(*exprs), rng)
        for v in verify.variables(*exprs):
            env[v.name] = verify.sample(v, env, rng, sampling.get(v.name))
        want = evaluate(reference, env)
        close(evaluate(d.result, env), want, rtol=1e-6)
        close(evaluate(ours, env), want, rtol=1e-6)
        assert verify.check(d.f, d.x, d.result, case["kind"], env, rng), "finite differences"
