"""Bounded work and memory: a derivation that would grow without bound stops, in moments,
with one clear message, refusing what is too large before building it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest

import matdiff
from matdiff.engine import expr as E
from matdiff.engine.shape import Dim, Shape

TOO_LARGE = "the derivative is too large to show"


def chained(levels: int) -> str:
    """``Yₖ = Yₖ₋₁ X + Yₖ₋₁⁻¹``: each level triples the expression (as a tree)."""
    lines = ["X : matrix(n, n)", "Y0 : matrix(n, n)"]
    lines += [f"Y{i} = Y{i - 1}*X + inv(Y{i - 1})" for i in range(1, levels + 1)]
    return "\n".join([*lines, f"f = tr(Y{levels})"]) + "\n"


@pytest.mark.parametrize("levels", [8, 10, 14, 60])
def test_chained_definitions_end_with_one_clear_message(levels: int) -> None:
    with pytest.raises(matdiff.MatdiffError) as caught:
        matdiff.grad(chained(levels), of="f", wrt="X")
    assert TOO_LARGE in str(caught.value)


def test_a_few_chained_definitions_still_derive() -> None:
    assert matdiff.grad(chained(3), of="f", wrt="X").count("X") > 3


@pytest.mark.parametrize("k", [100_000, 1_000_000, 10**12])
def test_a_huge_matrix_power_is_refused_before_building(k: int) -> None:
    doc = f"x : vector(n)\nA : matrix(n, n)\nf = x'*A^{k}*x\n"
    with pytest.raises(matdiff.MatdiffError) as caught:
        matdiff.grad(doc, of="f", wrt="A")
    assert TOO_LARGE in str(caught.value)
    # by x, d(Aᵏ) is not needed: the gradient is (Aᵏ + (Aᵏ)ᵀ)x
    assert f"A^{k}" in matdiff.grad(doc, of="f", wrt="x", emit="dsl")


def test_a_matrix_power_within_bounds_derives() -> None:
    out = matdiff.grad("x : vector(n)\nA : matrix(n, n)\nf = x'*A^3*x\n", of="f", wrt="A")
    assert out.count("x") >= 6  # three terms Aⁱᵀ x xᵀ Aʲᵀ


def _terms(n: int, name: str) -> list[E.Expr]:
    """``n`` new variables (only nodes not built before count against a budget)."""
    return [E.var(f"{name}{i}", Shape(Dim.of("m"), Dim.of("n"))) for i in range(n)]


def test_the_budget_bounds_one_expression() -> None:
    terms = _terms(40, "t0_")
    with E.Budget(10, max_size=30), pytest.raises(E.EngineError, match=TOO_LARGE):
        E.add(*terms)
    assert E.add(*terms).size == 41  # outside a budget, no limit


def test_the_budget_bounds_what_a_derivation_builds() -> None:
    terms = _terms(30, "t1_")
    with E.Budget(10, max_built=10), pytest.raises(E.EngineError, match="took over 10 "):
        for t in terms:
            E.transpose(E.mul(t, E.transpose(t)))


def test_the_budget_bounds_the_nodes_built_in_all() -> None:
    terms = _terms(30, "t2_")
    with E.Budget(10, max_total=100), pytest.raises(E.EngineError, match="over 100 nodes"):
        for i in range(2, 30):
            E.add(*terms[:i])


def test_size_checks_before_building() -> None:
    with E.Budget(10, max_size=100):
        E.check_size(100)
        with pytest.raises(E.EngineError, match="past 100 nodes"):
            E.check_size(101)
    E.check_size(10**9)


def test_budgets_nest_and_are_per_thread() -> None:
    terms = _terms(20, "t3_")
    seen: list[str] = []
    with E.Budget(10, max_size=5):
        with E.Budget(10):  # an inner budget with the default limits
            E.add(*terms[:10])

        def other() -> None:  # another thread has no budget
            seen.append(str(E.add(*terms[10:]).size))

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        with pytest.raises(E.EngineError):
            E.add(*terms[:7])
    assert seen == ["11"]


@pytest.mark.slow
def test_peak_memory_stays_low() -> None:
    """Refusing the growing derivations above takes little memory (measured in a process of
    its own: its peak resident size)."""
    script = textwrap.dedent(
        f"""
        import resource, matdiff
        from tests.engine.test_budget import chained
        for levels in (12, 14, 20, 60):
            try:
                matdiff.grad(chained(levels), of="f", wrt="X")
            except matdiff.MatdiffError as exc:
                assert {TOO_LARGE!r} in str(exc)
        for k in (1000, 10**6):
            doc = f"x : vector(n)\\nA : matrix(n, n)\\nf = x'*A^{{k}}*x\\n"
            try:
                matdiff.grad(doc, of="f", wrt="A")
            except matdiff.MatdiffError:
                pass
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) < 400, f"peak {run.stdout.strip()} MB"
