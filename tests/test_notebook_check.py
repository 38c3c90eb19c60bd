"""``matdiff check NOTEBOOK.ipynb``: the matdiff of a Jupyter notebook, read as the language
server reads its cells, reported as ``FILE:cell N:LINE:COL`` (N from 1, every cell counted;
line and column in the cell).  Each cell's report is what ``matdiff check`` says of the same
text as a ``.md``, ``.py`` or ``.matdiff`` file; what is not a notebook is one line on
stderr."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from matdiff.api import check_notebook
from tests.conftest import DATA


def matdiff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "matdiff", *args], capture_output=True,
                          text=True, encoding="utf-8", timeout=60, check=False)  # fmt: skip


def notebook(cells: list[dict[str, Any]], language: str = "python") -> str:
    return json.dumps({
        "cells": cells,
        "metadata": {"kernelspec": {"name": language, "language": language},
                     "language_info": {"name": language}},
        "nbformat": 4, "nbformat_minor": 5,
    }, indent=1)  # fmt: skip


def cell(kind: str, source: str | list[str], language: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": source}
    if language is not None:
        out["metadata"] = {"vscode": {"languageId": language}}
    if kind == "code":
        out.update(execution_count=None, outputs=[])
    return out


def test_the_demo_notebooks_error_cell() -> None:
    path = DATA / "notebooks" / "demo.ipynb"
    sources = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]
    number = next(i for i, s in enumerate(sources, 1) if "C = A*B" in s)
    lines = sources[number - 1].split("\n")
    line = next(k for k, text in enumerate(lines, 1) if text == "C = A*B")
    run = matdiff("check", str(path))
    assert (run.returncode, run.stderr) == (1, "")
    assert run.stdout == (
        f"{path}:cell {number}:{line}:{lines[line - 1].index('*') + 1}: error: cannot multiply "
        "A (m×n) by B (m×n): inner dimensions n and m differ\n"
    )


MARKDOWN = "# Notes\n\nThe loss:\n\n```matdiff\nx : vector(n)\nf = x + y\n```\n"
PYTHON = ["import numpy as np\n", "\n", "# matdiff: A : matrix(m, n)\n", "# matdiff: g = A*A\n"]
MAGIC = "%%matdiff --of h\nB : matrix(m, n)\nh = B + B'\n"
MATDIFF = "z : vector(k)\nw = z*z\n"


def _expected(tmp_path: Path, source: str, suffix: str, below_magic: bool = False) -> list[str]:
    """What ``matdiff check`` says of ``source`` saved as a file of its own: LINE:COL: …"""
    file = tmp_path / f"cell{suffix}"
    file.write_text(source.split("\n", 1)[1] if below_magic else source, encoding="utf-8")
    out = []
    for line in matdiff("check", str(file)).stdout.splitlines():
        m = re.fullmatch(rf"{re.escape(str(file))}:(\d+):(\d+): (.*)", line)
        assert m, line
        out.append(f"{int(m.group(1)) + below_magic}:{m.group(2)}: {m.group(3)}")
    assert out
    return out


def test_every_kind_of_cell(tmp_path: Path) -> None:
    path = tmp_path / "all.ipynb"
    path.write_text(notebook([
        cell("markdown", MARKDOWN),  # 1: its ```matdiff fence
        cell("code", PYTHON),  # 2: its # matdiff: block (a list of lines, as Jupyter saves)
        cell("code", MAGIC),  # 3: a %%matdiff cell, lines counted from the magic line
        cell("raw", "f = (x +\n"),  # 4: never read
        cell("code", MATDIFF, language="matdiff"),  # 5: a cell in matdiff (VS Code)
        cell("code", "x = 1\nprint(x)\n"),  # 6: Python without matdiff
        cell("code", "%%matdiff\nx : vector(n)\nf = x'*x\n"),  # 7: clean
        cell("code", "q = 1", language="r"),  # 8: another language
    ]), encoding="utf-8")  # fmt: skip
    run = matdiff("check", str(path))
    assert (run.returncode, run.stderr) == (1, "")
    expected = [
        *(f"{path}:cell 1:{e}" for e in _expected(tmp_path, MARKDOWN, ".md")),
        *(f"{path}:cell 2:{e}" for e in _expected(tmp_path, "".join(PYTHON), ".py")),
        *(f"{path}:cell 3:{e}" for e in _expected(tmp_path, MAGIC, ".matdiff", True)),
        *(f"{path}:cell 5:{e}" for e in _expected(tmp_path, MATDIFF, ".matdiff")),
    ]
    assert run.stdout.splitlines() == expected
    assert "cell 1:7:9: error: 'y' is not declared or defined" in run.stdout
    found = check_notebook(path.read_text(encoding="utf-8"))
    assert [n for n, _ in found] == [1, 2, 3, 5]
    assert [f"{path}:cell {n}:{d}" for n, d in found] == expected


def test_in_a_notebook_of_another_language_only_markdown_is_read(tmp_path: Path) -> None:
    path = tmp_path / "r.ipynb"
    path.write_text(notebook([cell("code", MAGIC), cell("markdown", MARKDOWN)], "R"))
    run = matdiff("check", str(path))
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        f"{path}:cell 2:{e}" for e in _expected(tmp_path, MARKDOWN, ".md")
    ]


def test_a_clean_notebook_and_files_in_order(tmp_path: Path) -> None:
    clean = tmp_path / "clean.ipynb"
    clean.write_text(notebook([cell("code", "%%matdiff\nx : vector(n)\nf = x'*x\n")]))
    run = matdiff("check", str(clean))
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
    bad = tmp_path / "bad.matdiff"
    bad.write_text("f = z\n", encoding="utf-8")
    nb = tmp_path / "nb.ipynb"
    nb.write_text(notebook([cell("markdown", "x"), cell("code", "%%matdiff\nf = z\n")]))
    run = matdiff("check", str(bad), str(clean), str(nb))
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        f"{bad}:1:5: error: 'z' is not declared or defined",
        f"{nb}:cell 2:2:5: error: 'z' is not declared or defined",
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"cells": [],}', "invalid JSON (line 1, column 14: "),
        ("[1, 2]", "no 'cells' list"),
        ('{"nbformat": 3, "worksheets": []}', "this is nbformat 3"),
        ('{"cells": [], "nbformat": 5}', "'nbformat' is 5, not 4"),
        ('{"cells": [], "metadata": {}}', "'nbformat' is null, not 4"),
        ('{"cells": [{"cell_type": "code", "source": 7}], "nbformat": 4}', "cell 1's 'source'"),
        ('{"cells": [3], "nbformat": 4}', "cell 1 is not an object"),
        ('{"cells": [{"source": ""}], "nbformat": 4}', "cell 1 has no 'cell_type'"),
        ("W : matrix(m, n)\n", "invalid JSON (line 1, column 1: "),
    ],
)
def test_what_is_not_a_notebook_is_one_line_on_stderr(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "x.ipynb"
    path.write_text(text, encoding="utf-8")
    run = matdiff("check", str(path))
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.startswith(
        f"matdiff: error: cannot check {path}: not a Jupyter notebook (nbformat 4): "
    )
    assert says in run.stderr and run.stderr.count("\n") == 1, run.stderr


def test_a_derivative_of_a_notebook_says_where_to_ask() -> None:
    run = matdiff("grad", str(DATA / "notebooks" / "demo.ipynb"), "--of", "loss", "--wrt", "W")
    assert (run.returncode, run.stdout) == (2, "")
    assert "'%%matdiff --of loss --wrt W'" in run.stderr and run.stderr.count("\n") == 1
