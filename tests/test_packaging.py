"""The wheel carries the grammar, and the package reads it from there, not from the source
tree (issue 2: "nothing reads it from the source tree at run time")."""

from __future__ import annotations

import os
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


# Runs pytest as if torch and jax were not installed (``import torch`` raises ImportError).
WITHOUT_FRAMEWORKS = (
    "import sys; sys.modules['torch'] = sys.modules['jax'] = None; import pytest; "
    "sys.exit(pytest.main(sys.argv[1:]))"
)


def _pytest_without_frameworks(ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_FRAMEWORKS, "-q", "-rs", "-p", "no:cacheprovider",
         "-p", "no:randomly", "tests/engine/test_backends.py", "tests/test_codegen.py"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=300,
    )  # fmt: skip


def test_framework_tests_skip_with_a_reason_without_torch_and_jax() -> None:
    run = _pytest_without_frameworks(None)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "torch is not installed: pip install '.[frameworks]' to test it" in run.stdout
    # the NumPy half of the code generation still runs
    assert " passed" in run.stdout and " skipped" in run.stdout and "failed" not in run.stdout


def test_in_ci_missing_frameworks_fail_the_run() -> None:
    run = _pytest_without_frameworks("true")
    assert run.returncode not in (0, 5), run.stdout + run.stderr
    assert "CI is set but torch and jax cannot be imported" in run.stderr
