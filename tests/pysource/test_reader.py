"""Mistakes reported at their place and refusals (never a derivative), and the reader's own
mechanics: the file read statement by statement (as a whole-file parse would read it), edits
and syntax errors elsewhere, the offset map, and never an exception."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from matdiff import pysource
from matdiff.api import MatdiffError, check_host
from matdiff.pysource import reader, table

DATA = Path(__file__).resolve().parents[1] / "data" / "python"
REPO = Path(__file__).resolve().parents[2]


def _whole_file(text: str) -> list[pysource.FunctionDoc]:
    """The functions as a whole-file parse finds them (the reference for the chunked read)."""
    tree = ast.parse(text)
    imports = reader.imports_of(tree)
    src = reader._Source(text)
    return [reader.read_function(src, node, imports) for node in tree.body
            if isinstance(node, ast.FunctionDef) and reader.is_annotated(node)]  # fmt: skip


def _summary(docs: list[pysource.FunctionDoc]) -> list[object]:
    return [(d.name, d.text, d.notes, d.name_start, d.block.host_starts) for d in docs]


def test_statement_by_statement_reads_what_the_whole_file_parse_reads() -> None:
    for path in sorted(DATA.glob("*.py")):
        text = path.read_text()
        assert _summary(pysource.documents_in(text)) == _summary(_whole_file(text)), path
        tricky = ('"""A module docstring\ndef fake(x: Float[np.ndarray, "n"]) -> float:\n'
                  '    return x @ x\n"""\n' + text + '\n\n@decorator\n@other(1)\n'
                  'def decorated(x: Float[np.ndarray, "n"]) -> float:\n    s = """\n'
                  'def inner(y: Float[np.ndarray, "n"]):\n"""\n    return x @ x\n')  # fmt: skip
        assert _summary(pysource.documents_in(tricky)) == _summary(_whole_file(tricky)), path


def test_an_edit_above_moves_the_functions_and_a_syntax_error_hides_only_its_statement() -> None:
    text = (DATA / "numpy_models.py").read_text()
    before = {d.name: d for d in pysource.documents_in(text)}
    edited = text.replace("import numpy as np\n", "import numpy as np\nbroken = (1 +\n\n", 1)
    after = {d.name: d for d in pysource.documents_in(edited)}
    assert set(after) == set(before)
    shift = len("broken = (1 +\n\n")
    for name, doc in after.items():
        old = before[name]
        assert doc.name_start == old.name_start + shift
        assert doc.block.host_offset(0) >= 0
        # every token maps to the same text in the file as before the edit
        for _ds, hs, he in zip(doc.block.doc_starts, doc.block.host_starts, doc.block.host_ends,
                              strict=True):  # fmt: skip
            assert edited[hs:he] == text[hs - shift : he - shift]
            assert doc.block.block_offset(hs) is not None or hs == he


def test_the_offset_map_takes_tokens_to_their_python_source() -> None:
    text = (DATA / "numpy_models.py").read_text()
    doc = pysource.find(text, "least_squares")
    assert doc is not None
    assert doc.text.strip().splitlines()[-1] == "least_squares = ( r ) ' * ( r )"
    at = doc.text.index("least_squares =")
    assert doc.block.host_offset(at) == doc.name_start  # the value is named at the def
    assert doc.block.block_offset(doc.name_start + 3) == at + 3
    mul = doc.text.index("' *")
    assert text[doc.block.host_offset(mul)] == "@"
    r = doc.text.index("( r )") + 2
    assert text[doc.block.host_offset(r)] == "r"
    assert doc.text.count("\n") == text[: doc.end].count("\n") + 1  # lines are the file's


def test_the_reader_never_raises_on_real_python() -> None:
    """Every Python file of this repository, and each with jaxtyping annotations pasted onto
    its functions' first parameters: read without an exception."""
    for path in sorted((REPO / "server").rglob("*.py")) + sorted((REPO / "tests").rglob("*.py")):
        text = path.read_text()
        pysource.notes(text)
        annotated = text.replace("(self, ", '(self: Float[np.ndarray, "n"], ')
        annotated = annotated.replace("(text: str", '(text: Float[np.ndarray, "m n"]')
        for doc in pysource.documents_in(annotated):
            assert not doc.derivable or doc.text
        pysource.notes(annotated)


_EXPECT = re.compile(r"# expect: (\d+) (error|information): (.*)$")


def test_buggy_functions_are_reported_in_place_and_refused() -> None:
    text = (DATA / "buggy.py").read_text()
    expected = []
    for k, line in enumerate(text.splitlines(), 1):
        m = _EXPECT.search(line)
        if m:
            expected.append((k, int(m.group(1)), m.group(2), m.group(3)))
    got = check_host(text, "python")
    assert len(got) == len(expected), got
    for d, (line, col, severity, start) in zip(got, expected, strict=True):
        assert (d.line, d.column, d.severity) == (line, col, severity), d
        assert d.message.startswith(start), d
    docs = {d.name: d for d in pysource.documents_in(text)}
    assert docs["helper"].derivable
    for doc in docs.values():
        if doc.name == "helper":
            continue
        assert not doc.derivable
        assert doc.text.strip() == ""  # nothing is offered to derive
        with pytest.raises(MatdiffError, match="cannot be differentiated"):
            pysource.render(doc, doc.parameters[0][0], "gradient", "numpy", steps=False)


def test_the_documentation_lists_the_table() -> None:
    doc = (REPO / "docs" / "python.md").read_text()
    assert table.markdown() in doc
    assert set(reader.MEANINGS) >= {e.meaning.split(":")[0] for e in table.TABLE}
