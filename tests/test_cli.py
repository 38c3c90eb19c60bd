"""The command line as a user runs it: a subprocess, its output and its exit code."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
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


# --- grad, diff and hessian: blocks of Python and Markdown files, errors at their places ---

LSQ_BLOCK = "# matdiff: W : matrix(m, n); x : vector(n); b : vector(m)\n" \
            "# matdiff: loss = norm2(W*x + b)^2\n"  # fmt: skip


def numbers(code: str, **sizes: int) -> tuple[object, dict[str, np.ndarray]]:
    """``code`` (an ``--emit numpy`` expression) evaluated on random data, and the data."""
    rng = np.random.default_rng(7)
    m, n = sizes.get("m", 3), sizes.get("n", 2)
    env = {"W": rng.standard_normal((m, n)), "x": rng.standard_normal(n),
           "b": rng.standard_normal(m)}  # fmt: skip
    return eval(code, {"np": np, "m": m, "n": n, **env}), env


def test_grad_of_a_python_file_reads_its_matdiff_blocks(tmp_path: Path) -> None:
    model = tmp_path / "model.py"
    model.write_text(
        "import numpy as np\n\n# matdiff: c : scalar\n# matdiff: a = c^2\n\n"
        "def f(W, x, b):\n    # the loss\n" + LSQ_BLOCK.replace("# matdiff", "    # matdiff"),
        encoding="utf-8",
    )
    run = matdiff("grad", str(model), "--of", "loss", "--wrt", "W", "--emit", "numpy")
    assert (run.returncode, run.stderr) == (0, ""), run.stderr
    got, env = numbers(run.stdout)
    W, x, b = env["W"], env["x"], env["b"]
    np.testing.assert_allclose(got, 2 * np.outer(W @ x + b, x))  # type: ignore[arg-type]


MD = """# Notes

```matdiff
x : vector(n)
loss = x'*x
```

Another model:

```matdiff
x : vector(n)
loss = sum(exp(x))
```
"""


def test_a_name_in_several_markdown_blocks_is_an_error_listing_them(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text(MD, encoding="utf-8")
    run = matdiff("grad", str(notes), "--of", "loss", "--wrt", "x")
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.splitlines() == [
        f"matdiff: error: 'loss' is defined in 2 matdiff blocks of {notes}: block 1 (lines 4–5), "
        "block 2 (lines 11–12); choose one with --block N or --line L"
    ]


@pytest.mark.parametrize(
    ("pick", "expected"),
    [
        (("--block", "1"), lambda x: 2 * x),
        (("--line", "5"), lambda x: 2 * x),
        (("--block", "2"), np.exp),
        (("--line", "11"), np.exp),
    ],
)
def test_block_or_line_picks_the_block(
    tmp_path: Path, pick: tuple[str, str], expected: Callable[[np.ndarray], np.ndarray]
) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text(MD, encoding="utf-8")
    run = matdiff("grad", str(notes), "--of", "loss", "--wrt", "x", "--emit", "numpy", *pick)
    assert run.returncode == 0, run.stderr
    got, env = numbers(run.stdout, n=4)
    np.testing.assert_allclose(got, expected(env["x"]))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("file", "args", "message"),
    [
        ("notes.md", ("--block", "3"), "--block 3: {path} has 2 matdiff blocks: block 1 "
         "(lines 4–5), block 2 (lines 11–12)"),
        ("notes.md", ("--line", "8"), "--line 8: no matdiff block there in {path}: block 1 "
         "(lines 4–5), block 2 (lines 11–12)"),
        ("notes.md", ("--block", "1", "--line", "5"), "argument --line: not allowed with "
         "argument --block"),
        ("empty.py", (), "{path} has no matdiff blocks ('# matdiff:' comment lines)"),
        ("doc.matdiff", ("--block", "1"), "--block and --line choose a matdiff block of a "
         "Python or Markdown file; {path} is a matdiff document"),
    ],
)  # fmt: skip
def test_bad_block_choices_are_one_line_exit_2(
    tmp_path: Path, file: str, args: tuple[str, ...], message: str
) -> None:
    path = tmp_path / file
    path.write_text(MD if file.endswith(".md") else "x : vector(n)\n", encoding="utf-8")
    run = matdiff("grad", str(path), "--of", "loss", "--wrt", "x", *args)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.splitlines()[-1] == "matdiff: error: " + message.format(path=path)


def test_a_name_in_no_block_says_did_you_mean(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text(MD, encoding="utf-8")
    run = matdiff("grad", str(notes), "--of", "los", "--wrt", "x")
    assert run.returncode == 2
    assert run.stderr == (
        f"matdiff: error: 'los' is not defined in any matdiff block of {notes}; "
        "did you mean 'loss'?\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--of", "los", "--wrt", "W"), "'los' is not defined; did you mean 'loss'?"),
        (("--of", "loss", "--wrt", "w"), "'w' is not a declared variable; did you mean 'W'?"),
        (("--of", "loss", "--wrt", "bb"), "'bb' is not a declared variable; did you mean 'b'?"),
        (("--of", "zzz", "--wrt", "W"), "'zzz' is not defined"),
    ],
)
def test_unknown_names_say_did_you_mean(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    doc = tmp_path / "lsq.matdiff"
    doc.write_text(LSQ_BLOCK.replace("# matdiff: ", ""), encoding="utf-8")
    run = matdiff("grad", str(doc), *args)
    assert (run.returncode, run.stdout, run.stderr) == (2, "", f"matdiff: error: {message}\n")


@pytest.mark.parametrize("command", ["grad", "diff", "hessian"])
def test_an_error_in_a_block_is_reported_at_its_place_in_the_host_file(
    tmp_path: Path, command: str
) -> None:
    model = tmp_path / "model.py"
    model.write_text("import numpy\n\n    # matdiff: x : vector(n)\n"
                     "    # matdiff:   f = x*x + 1\n", encoding="utf-8")  # fmt: skip
    run = matdiff(command, str(model), "--of", "f", "--wrt", "x")
    assert (run.returncode, run.stdout) == (1, "")
    assert run.stderr == (
        f"{model}:4:23: error: cannot multiply x (n×1) by x (n×1): inner dimensions 1 and n "
        "differ\n"
    )
    assert run.stderr == matdiff("check", str(model)).stdout  # the same line as check's


def test_the_error_reported_is_the_requested_definitions_own(tmp_path: Path) -> None:
    doc = tmp_path / "doc.matdiff"
    doc.write_text(
        "x : vector(n); A : matrix(m, n)\n"
        "g = y + 1\n"  # an unrelated error, earlier in the file
        "h = A*x\n"
        "f = sum(x*x)\n"  # f's own error
        "k = sum(A*A) + sum(x)\n"
        "p = h'*h + k\n",  # no error of its own: the one in k, which it reads
        encoding="utf-8",
    )
    run = matdiff("grad", str(doc), "--of", "f", "--wrt", "x")
    assert (run.returncode, run.stderr.split(": error: ")[0]) == (1, f"{doc}:4:10")
    run = matdiff("grad", str(doc), "--of", "p", "--wrt", "x")
    assert (run.returncode, run.stderr.split(": error: ")[0]) == (1, f"{doc}:5:10")
    assert "cannot multiply A (m×n) by A (m×n)" in run.stderr


def test_a_python_power_hints_at_the_matdiff_operators(tmp_path: Path) -> None:
    doc = tmp_path / "doc.matdiff"
    doc.write_text("x : vector(n)\nf = x'*x ** 2\n", encoding="utf-8")
    run = matdiff("grad", str(doc), "--of", "f", "--wrt", "x")
    assert (run.returncode, run.stdout) == (1, "")
    assert run.stderr == (
        f"{doc}:2:10: error: '**' is not an operator: write '^' for a power (x^2, X^-1) or "
        "'.^' for an element-wise power\n"
    )


def test_the_emit_choices_are_the_emitters() -> None:
    from matdiff.cli import EMIT_FORMS
    from matdiff.services.derivatives import EMITTERS

    assert sorted(EMIT_FORMS) == sorted(EMITTERS)


HEAVY = (
    "pygls",
    "lsprotocol",
    "numpy",
    "lark",
    "matdiff.engine.expr",
    "matdiff.services.derivatives",
)


@pytest.mark.parametrize(
    ("document", "loaded"),
    [
        ("least-squares.matdiff", []),  # valid: the fast parser reads it, nothing heavy loads
        ("bad.matdiff", ["lark"]),  # a syntax error: lark words the message
    ],
)
def test_check_imports_only_what_it_needs(tmp_path: Path, document: str, loaded: list[str]) -> None:
    path = DATA / "good" / document
    if document == "bad.matdiff":
        path = tmp_path / document
        path.write_text("x : vector(n)\nf = x +\n", encoding="utf-8")
    code = (
        "import sys\nfrom matdiff.cli import main\nstatus = main(['check', sys.argv[1]])\n"
        f"print(status, [m for m in {HEAVY!r} if m in sys.modules])"
    )
    run = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, timeout=60, check=False)  # fmt: skip
    assert run.stderr == ""
    assert run.stdout.splitlines()[-1] == f"{int(bool(loaded))} {loaded}"
