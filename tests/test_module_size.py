"""Modules that fit in a head: no module of the package is over 500 lines (issue 12)."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "server" / "matdiff"
LIMIT = 500


def test_the_package_is_where_the_test_looks() -> None:
    assert (PACKAGE / "__init__.py").is_file()
    assert len(list(PACKAGE.rglob("*.py"))) > 20


def test_no_module_is_over_500_lines() -> None:
    sizes = {
        str(path.relative_to(PACKAGE)): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    over = {name: n for name, n in sizes.items() if n > LIMIT}
    assert not over, f"modules over {LIMIT} lines (split them along their seams): {over}"
