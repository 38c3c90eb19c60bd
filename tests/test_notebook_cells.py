"""Notebook cells as hosts of matdiff documents (``embedded.cell_blocks``)."""

from __future__ import annotations

from matdiff.api import check_host
from matdiff.base.embedded import cell_blocks, notebook_cell


def test_matdiff_cell_is_one_block_below_its_magic_line() -> None:
    text = "%%matdiff --of loss --steps\r\nA : matrix(m, n)\r\nf = A*A"
    (block,) = cell_blocks(text)
    assert block.text == "A : matrix(m, n)\nf = A*A\n"
    assert block.host_offset(0) == text.index("A :")
    assert block.host_offset(block.text.index("f =")) == text.index("f =")
    assert block.block_offset(3) is None  # on the magic line


def test_other_cells() -> None:
    assert cell_blocks("%%matdiff") == []  # nothing below the magic line
    assert cell_blocks("") == []
    assert cell_blocks("%%time\nx = 1\n") == []
    assert cell_blocks("%%matdiffx\nA : matrix(m, n)\n") == []  # another magic
    assert cell_blocks(" %%matdiff\nA : matrix(m, n)\n") == []  # not a cell magic
    (py,) = cell_blocks("import numpy\n# matdiff: x : vector(n)\n")
    assert py.text == " x : vector(n)\n"


def test_check_host_positions_in_the_cell() -> None:
    cell = "%%matdiff\nA : matrix(m, n)\nf = A*A\n"
    (d,) = check_host(cell, "cell")
    assert (d.line, d.column) == (3, 6)
    assert d.message.startswith("cannot multiply A (m×n) by A (m×n)")


def test_notebook_cell_uri() -> None:
    assert notebook_cell("vscode-notebook-cell:/x/demo.ipynb#W0sZmlsZQ%3D%3D")
    assert not notebook_cell("file:///x/demo.ipynb")
