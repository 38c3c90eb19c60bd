"""matdiff blocks inside Python (``# matdiff:`` comment runs) and Markdown (```matdiff
fences): each block is a document, and diagnostics land at their places in the host file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from matdiff.api import check_host
from matdiff.base.embedded import blocks, host_kind

PY = """\
import numpy as np  # ∂ é ⊗ — multi-byte text before the block

# matdiff: W : matrix(m, n); x : vector(n); b : vector(m)
# matdiff: loss = norm2(W*x + b)^2
def f():
    # matdiff: y : vector(n)
    #matdiff:  g = y*y
    return 1
"""

MD = """\
# Notes ∂

```matdiff
A : matrix(m, n)
f = A*A
```

~~~ matdiff
x : vector(n)
g = x'*x + expp(x)
~~~

```python
# matdiff: not a block in Markdown
```
"""


def test_python_blocks_are_runs_of_matdiff_comments() -> None:
    found = blocks(PY, "python")
    assert [b.text for b in found] == [
        " W : matrix(m, n); x : vector(n); b : vector(m)\n loss = norm2(W*x + b)^2\n",
        " y : vector(n)\n  g = y*y\n",
    ]


def test_markdown_blocks_are_matdiff_fences() -> None:
    found = blocks(MD, "markdown")
    assert [b.text for b in found] == [
        "A : matrix(m, n)\nf = A*A\n",
        "x : vector(n)\ng = x'*x + expp(x)\n",
    ]


@pytest.mark.parametrize(("text", "kind"), [(PY, "python"), (MD, "markdown")])
def test_offsets_map_both_ways(text: str, kind: str) -> None:
    for block in blocks(text, kind):  # type: ignore[arg-type]
        for offset, ch in enumerate(block.text):
            host = block.host_offset(offset)
            if ch != "\n":
                assert text[host] == ch
                assert block.block_offset(host) == offset


def test_an_unclosed_fence_runs_to_the_end() -> None:
    (block,) = blocks("```matdiff\nx : vector(n)\n", "markdown")
    assert block.text.startswith("x : vector(n)\n")


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        (PY, "python", [
            "7:21: error: cannot multiply y (n×1) by y (n×1): inner dimensions 1 and n differ",
        ]),
        (MD, "markdown", [
            "5:6: error: cannot multiply A (m×n) by A (m×n): inner dimensions n and m differ",
            "10:12: error: unknown function 'expp'; did you mean 'exp'?",
        ]),
    ],
)  # fmt: skip
def test_diagnostics_land_in_the_host(text: str, kind: str, expected: list[str]) -> None:
    assert [str(d) for d in check_host(text, kind)] == expected  # type: ignore[arg-type]


def test_host_kinds() -> None:
    assert host_kind("a.py") == "python"
    assert host_kind("notes.MD") == "markdown"
    assert host_kind("a.matdiff") is None


def test_cli_checks_python_and_markdown_files(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text(PY, encoding="utf-8")
    (tmp_path / "notes.md").write_text(MD, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "matdiff", "check", "model.py", "notes.md"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert out.returncode == 1, out.stderr
    assert out.stdout.splitlines() == [
        "model.py:7:21: error: cannot multiply y (n×1) by y (n×1): inner dimensions 1 and n differ",
        "notes.md:5:6: error: cannot multiply A (m×n) by A (m×n): inner dimensions n and m differ",
        "notes.md:10:12: error: unknown function 'expp'; did you mean 'exp'?",
    ]
