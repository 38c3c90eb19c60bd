"""Completion and signature help, from the text before the cursor."""

from __future__ import annotations

import pytest

from matdiff.features.completion import completion, open_call, signature_help

from .helpers import ENCODINGS, cursor

DOC = "A : matrix(m, n)\nx : vector(n)\nconst c : scalar\nr = A*x\n"


@pytest.mark.parametrize(
    ("marked", "present", "absent"),
    [
        (DOC + "f = |", {"A", "x", "c", "r", "tr", "norm2", "grad", "I"}, {"m", "const"}),
        (DOC + "f = tr(|", {"A", "tr"}, {"m"}),
        (DOC + "f = ones(|", {"m", "n"}, {"A", "tr"}),
        (DOC + "f = eye(n) + zeros(m, |", {"m", "n"}, {"A"}),
        ("y = 1\nr = |\nz = 2\n", {"y"}, {"z", "r"}),  # only names defined before
        (DOC + "B : |", {"scalar", "vector", "matrix"}, {"A", "symmetric"}),
        (DOC + "B, C : mat|", {"matrix"}, {"symmetric"}),
        (DOC + "B : matrix(n, n) |", {"symmetric", "spd", "diagonal", "invertible"}, {"A"}),
        (DOC + "B : matrix(|", {"m", "n"}, {"A", "scalar"}),
        (DOC + "|", {"const"}, {"A"}),
        (DOC + "f = A*x  # a comment, tr(|", set(), set()),
    ],
)
def test_completion_offers(marked: str, present: set[str], absent: set[str]) -> None:
    snap, pos = cursor(marked)
    labels = {item.label for item in completion(snap, pos).items}
    assert present <= labels
    assert not (absent & labels)


def test_completion_details() -> None:
    snap, pos = cursor(DOC + "f = |")
    items = {item.label: item for item in completion(snap, pos).items}
    assert items["A"].detail == "m×n"
    assert items["x"].detail == "n×1"
    assert items["c"].detail == "const scalar"
    assert items["r"].detail == "m×1"
    assert items["kron"].detail == "kron(A, B)"
    assert items["tr"].documentation == "trace of a square matrix"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_completion_after_unicode(encoding: str) -> None:
    snap, pos = cursor(DOC + "g = (xᵀ ∘ xᵀ) ⊗ (A × x) + |", encoding)  # type: ignore[arg-type]
    assert {"A", "r", "tr"} <= {item.label for item in completion(snap, pos).items}


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("f = tr(", ("tr", 0)),
        ("f = kron(A, ", ("kron", 1)),
        ("f = kron(tr(A), ", ("kron", 1)),
        ("f = kron(ones(m, n), ", ("kron", 1)),
        ("f = kron(A, B) + ", None),
        ("f = (A + ", None),
        ("f = grad(norm2(x", ("norm2", 0)),
    ],
)
def test_open_call(prefix: str, expected: tuple[str, int] | None) -> None:
    assert open_call(prefix) == expected


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize(
    ("marked", "label", "active", "param"),
    [
        (DOC + "f = kron(A, |x)", "kron(A, B)", 1, "B"),
        (DOC + "f = kron(|A, x)", "kron(A, B)", 0, "A"),
        (DOC + "f = diff(xᵀ ∘ xᵀ, |", "diff(f, X)", 1, "X"),
        (DOC + "f = diff(|", "diff(f, X)", 0, "f"),
        (DOC + "f = tr(A ⊗ A, x, |", "tr(X)", 0, "X"),  # too many arguments: clamp
        (DOC + "f = (A × x)ᵀ*x + zeros(m, |", "zeros(m, n)", 1, "n"),
    ],
)
def test_signature_help(marked: str, label: str, active: int, param: str, encoding: str) -> None:
    snap, pos = cursor(marked, encoding)  # type: ignore[arg-type]
    got = signature_help(snap, pos)
    assert got is not None
    sig = got.signatures[0]
    assert sig.label == label
    assert got.active_parameter == active
    assert sig.parameters is not None
    start, end = sig.parameters[active].label  # type: ignore[misc]
    assert sig.label[start:end] == param


@pytest.mark.parametrize("marked", [DOC + "f = A*|x", DOC + "f = unknown(|", "|"])
def test_no_signature_help(marked: str) -> None:
    snap, pos = cursor(marked)
    assert signature_help(snap, pos) is None
