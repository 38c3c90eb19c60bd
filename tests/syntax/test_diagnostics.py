"""Data-driven diagnostics: bad documents with their expected output, good documents clean.

``tests/data/bad/NAME.matdiff`` holds one small document per kind of diagnostic, and
``NAME.expected`` exactly what ``matdiff check NAME.matdiff`` prints for it when run in
that folder (``NAME.matdiff:LINE:COL: error: message``).  ``UPDATE_GOLDEN=1`` rewrites
the ``.expected`` files; read the diff before committing it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matdiff import check
from matdiff.analysis import analyze
from matdiff.cli import main
from tests.conftest import DATA, TUTORIAL, assert_golden

BAD = sorted((DATA / "bad").glob("*.matdiff"))
GOOD = sorted((DATA / "good").glob("*.matdiff"))


def cli_output(
    path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.chdir(path.parent)
    status = main(["check", path.name])
    out, err = capsys.readouterr()
    assert err == ""
    assert status == (1 if out else 0)
    return out


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_document(
    path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = cli_output(path, capsys, monkeypatch)
    assert out, "a bad document must have a diagnostic"
    assert_golden(path.with_suffix(".expected"), out)


def test_every_expected_file_has_a_document() -> None:
    stems = {p.stem for p in BAD}
    orphans = [p.name for p in (DATA / "bad").glob("*.expected") if p.stem not in stems]
    assert not orphans


@pytest.mark.parametrize("path", GOOD, ids=[p.stem for p in GOOD])
def test_good_document(
    path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli_output(path, capsys, monkeypatch) == ""


def _tutorial() -> list[dict[str, str]]:
    return json.loads(TUTORIAL.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", _tutorial(), ids=lambda c: c["id"])
def test_tutorial_document_is_clean(case: dict[str, str]) -> None:
    model = analyze(case["document"])
    assert model.diagnostics == ()
    of, wrt = model.symbols[case["of"]], model.symbols[case["wrt"]]
    assert of.shape is not None and wrt.shape is not None
    assert wrt.is_variable
    if "gradient" in case or "hessian" in case:
        assert of.shape.is_scalar, f"{case['of']} is {of.shape}"
    if "vec_jacobian" in case:
        assert not of.shape.is_scalar


# One root cause gives one diagnostic: (document, the one message expected).
ONE_DIAGNOSTIC = [
    ("x : vector(n)\nf = x + y\n", "'y' is not declared or defined"),
    ("x : vector(n)\nf = x'*y*x + 2\ng = f*x\n", "'y' is not declared or defined"),
    ("x : vector(n)\nf = tr(z) + 1\n", "'z' is not declared or defined"),
    ("x : vector(n)\nf = sin(q(x)) + x\n", "unknown function 'q'"),
    ("x : vector(n)\nf = x + +\ng = f + x\n", "missing operand after '+'"),
    ("A : matrix(m, n)\nf = A*A\ng = f + A\nh = g'*g\n", "cannot multiply A (m×n) by A"),
    ("A : matrix(m, n)\nf = tr(A) + A\n", "tr needs a square matrix"),
    ("A : matirx(n, n)\nf = A*A + A\n", "unknown type 'matirx'"),
    ("n : scalar\nA : matrix(n, n)\nf = A + A\n", "'n' is a variable, not a dimension"),
    ("A : matrix(0, 0)\n", "a dimension is a positive integer or a name, not 0"),
    ("x : vector(\nf = x'*x\ng = f + 1\n", "unclosed '('"),
    ("A : matrix(m, n)\nf = kron(A)\ng = f + 1\n", "kron takes 2 arguments, got 1"),
    ("x : vector(n)\ng = grad(x, x)\nh = g + 1\n", "grad needs a scalar function"),
]


@pytest.mark.parametrize(("text", "message"), ONE_DIAGNOSTIC)
def test_one_root_cause_one_diagnostic(text: str, message: str) -> None:
    diagnostics = check(text)
    assert [d.message[: len(message)] for d in diagnostics] == [message], diagnostics
