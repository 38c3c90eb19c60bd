"""The wheel carries the grammar, and the package reads it from there, not from the source
tree (issue 2: "nothing reads it from the source tree at run time")."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_ships_the_grammar_and_works_without_the_source_tree(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    (wheel,) = tmp_path.glob("matdiff-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        shipped = zf.read("matdiff/grammar/matdiff.lark").decode("utf-8")
        zf.extractall(tmp_path / "site")
    assert shipped == (REPO / "grammar" / "matdiff.lark").read_text(encoding="utf-8")
    # run the unpacked wheel from elsewhere: the grammar must come from inside the package
    code = (
        "import matdiff, pathlib; "
        "assert pathlib.Path(matdiff.__file__).parent.parent.name == 'site', matdiff.__file__; "
        "print(matdiff.check('x : vector(n)\\nf = x*x')[0])"
    )
    env = {"PYTHONPATH": str(tmp_path / "site")}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env,
        timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("2:6: error: cannot multiply x (n×1) by x (n×1)")
