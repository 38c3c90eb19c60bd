"""Jupyter notebooks (nbformat 4) as hosts of matdiff documents, read with the standard
library: each cell is what the language server makes of a notebook's cell in VS Code.

- a code cell in Python (the notebook's language, or the cell's own language in VS Code's
  ``metadata.vscode.languageId``): a ``%%matdiff`` cell is one document below its magic
  line, any other cell is Python with its ``# matdiff:`` blocks (``embedded.cell_blocks``);
- a code cell whose language is ``matdiff``: the whole cell is one document;
- a Markdown cell: its ```` ```matdiff ```` fences;
- raw cells and code cells in other languages: nothing.

Cells are numbered from 1 in the notebook's order, every cell counted (``cells[N - 1]`` of
the file), as ``matdiff check`` names them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from matdiff.base.embedded import HostKind
from matdiff.base.errors import MatdiffError


@dataclass(frozen=True, slots=True)
class Cell:
    number: int  # from 1, every cell of the notebook counted
    kind: HostKind | None  # "cell", "markdown", or None: the whole cell is a document
    text: str


def is_notebook(path: str) -> bool:
    return PurePath(path).suffix.lower() == ".ipynb"


def _not_a_notebook(why: str) -> MatdiffError:
    return MatdiffError(f"not a Jupyter notebook (nbformat 4): {why}")


def _language(metadata: Any) -> str:
    """The notebook's language: its kernel's, else Python."""
    if isinstance(metadata, dict):
        for where, key in (("language_info", "name"), ("kernelspec", "language")):
            value = metadata.get(where)
            if isinstance(value, dict) and isinstance(value.get(key), str):
                return str(value[key]).lower()
    return "python"


def _source(cell: dict[str, Any], number: int) -> str:
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    if isinstance(source, str):
        return source
    raise _not_a_notebook(f"cell {number}'s 'source' is not text")


def cells(text: str) -> list[Cell]:
    """The cells of the notebook ``text`` that may hold matdiff, in order.  Raises
    MatdiffError, saying what is wrong, for text that is not an nbformat 4 notebook."""
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _not_a_notebook(
            f"invalid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        if isinstance(notebook, dict) and "worksheets" in notebook:
            raise _not_a_notebook(
                "this is nbformat 3; convert it with 'jupyter nbconvert --to notebook'"
            )
        raise _not_a_notebook("no 'cells' list")
    version = notebook.get("nbformat")
    if version != 4:
        raise _not_a_notebook(f"'nbformat' is {json.dumps(version)}, not 4")
    language = _language(notebook.get("metadata"))
    out: list[Cell] = []
    for number, cell in enumerate(notebook["cells"], 1):
        if not isinstance(cell, dict):
            raise _not_a_notebook(f"cell {number} is not an object")
        kind = cell.get("cell_type")
        source = _source(cell, number)
        if kind == "markdown":
            out.append(Cell(number, "markdown", source))
        elif kind == "code":
            metadata = cell.get("metadata")
            vscode = metadata.get("vscode") if isinstance(metadata, dict) else None
            own = vscode.get("languageId") if isinstance(vscode, dict) else None
            cell_language = own.lower() if isinstance(own, str) else language
            if cell_language == "python":
                out.append(Cell(number, "cell", source))
            elif cell_language == "matdiff":
                out.append(Cell(number, None, source))
        elif kind != "raw":
            raise _not_a_notebook(f"cell {number} has no 'cell_type' code, markdown or raw")
    return out
