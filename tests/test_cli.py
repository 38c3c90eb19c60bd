"""``matdiff check`` as a user runs it: a subprocess, its output and its exit code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA

LINE = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): error: (?P<message>.+)$")


def matdiff(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "matdiff", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_clean_document_exits_0() -> None:
    run = matdiff("check", str(DATA / "good" / "least-squares.matdiff"))
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


def test_errors_exit_1_one_line_each(tmp_path: Path) -> None:
    doc = tmp_path / "bad.matdiff"
    doc.write_text("A : matrix(m, n)\nf = A*A\ng = y + 1\nh = (A +\n", encoding="utf-8")
    run = matdiff("check", str(doc))
    assert run.returncode == 1 and run.stderr == ""
    lines = run.stdout.splitlines()
    assert [LINE.match(line) is not None for line in lines] == [True] * 3
    assert [line.split(": error: ")[0] for line in lines] == [
        f"{doc}:2:6",
        f"{doc}:3:5",
        f"{doc}:4:8",
    ]


def test_several_files_in_order(tmp_path: Path) -> None:
    good = DATA / "good" / "declarations.matdiff"
    bad = tmp_path / "b.matdiff"
    bad.write_text("f = z\n", encoding="utf-8")
    run = matdiff("check", str(bad), str(good), str(bad))
    assert run.returncode == 1
    assert run.stdout.splitlines() == [f"{bad}:1:5: error: 'z' is not declared or defined"] * 2


def test_missing_file_exits_2_one_line_on_stderr(tmp_path: Path) -> None:
    run = matdiff("check", str(tmp_path / "nope.matdiff"))
    assert run.returncode == 2 and run.stdout == ""
    assert len(run.stderr.splitlines()) == 1
    assert "nope.matdiff" in run.stderr and "Traceback" not in run.stderr


def test_directory_exits_2(tmp_path: Path) -> None:
    run = matdiff("check", str(tmp_path))
    assert run.returncode == 2 and len(run.stderr.splitlines()) == 1


def test_non_utf8_file_exits_2(tmp_path: Path) -> None:
    doc = tmp_path / "latin1.matdiff"
    doc.write_bytes(b"x : vector(n)\nf = x'*x  # \xe9t\xe9\n")
    run = matdiff("check", str(doc))
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip() == (
        f"matdiff: error: cannot read {doc}: not UTF-8 text (byte 0xe9 on line 2)"
    )


@pytest.mark.parametrize("args", [(), ("check",), ("frobnicate",), ("check", "--bogus")])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    run = matdiff(*args)
    assert run.returncode == 2 and run.stdout == ""
    assert "Traceback" not in run.stderr
    assert run.stderr.splitlines()[-1].startswith("matdiff: error: ")


def test_help_exits_0() -> None:
    run = matdiff("check", "--help")
    assert run.returncode == 0 and "FILE" in run.stdout


WEIRD = [
    b"",
    b"\xef\xbb\xbfx : vector(n)\n",  # UTF-8 byte-order mark
    b"x : vector(n)\r\nf = x'*x\r\n",
    b"\x00\x01\x02",
    b"f = " + b"(" * 500 + b"x" + b")" * 500 + b"\n",
    b"f = " + b"-" * 2000 + b"x\n",
    b"f = x" + b"^x" * 500 + b"\n",
    "f = ∘⊗⁻¹ᵀ 😀\n".encode(),
    b"#" * 10000,
    b"\n" * 10000,
    b";" * 1000,
]


@pytest.mark.parametrize("data", WEIRD, ids=range(len(WEIRD)))
def test_no_traceback_for_any_input(tmp_path: Path, data: bytes) -> None:
    doc = tmp_path / "weird.matdiff"
    doc.write_bytes(data)
    run = matdiff("check", str(doc))
    assert run.returncode in (0, 1), run.stderr
    assert run.stderr == ""
    assert all(LINE.match(line) for line in run.stdout.splitlines()), run.stdout
