"""Bounds benchmark: hostile documents end quickly, with one message, in little memory.

Run on demand (not a test): `python bench/bounds.py`.  Each case runs in a fresh process,
which prints its wall time and peak resident size (ru_maxrss), and what matdiff answered.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

CASES = {
    "10 MB one-line statement (check)": """
        from matdiff import check
        text = "x : scalar\\nf = x" + " + x" * 2_500_000 + "\\n"
        found = check(text)
        answer = f"{len(found)} diagnostic: {found[0].message}"
    """,
    "20,000-character broken statement (check)": """
        from matdiff import check
        found = check("x : scalar\\nf = " + "x + " * 4995 + "\\n")
        answer = f"{len(found)} diagnostic: {found[0].message}"
    """,
    "2,000-term sum (diff)": """
        decls = "x : vector(n)\\n" + "".join(f"a{i} : scalar\\n" for i in range(2000))
        text = decls + "f = " + " + ".join(f"a{i}*x" for i in range(2000)) + "\\n"
        answer = f"{len(matdiff.diff(text, of='f', wrt='x'))} characters"
    """,
    **{
        f"chained definitions, {k} levels (grad)": f"""
        lines = ["X : matrix(n, n)", "Y0 : matrix(n, n)"]
        lines += [f"Y{{i}} = Y{{i - 1}}*X + inv(Y{{i - 1}})" for i in range(1, {k} + 1)]
        text = "\\n".join([*lines, "f = tr(Y{k})"]) + "\\n"
        answer = matdiff.grad(text, of="f", wrt="X")
    """
        for k in (6, 8, 10, 14, 60)
    },
    **{
        f"x'*A^{k}*x by A (grad)": f"""
        text = "x : vector(n)\\nA : matrix(n, n)\\nf = x'*A^{k}*x\\n"
        answer = f"{{len(matdiff.grad(text, of='f', wrt='A'))}} characters"
    """
        for k in (1000, 1_000_000)
    },
}

RUNNER = """
import resource, time
import matdiff
start = time.perf_counter()
try:
{body}
except matdiff.MatdiffError as exc:
    answer = f"MatdiffError: {{exc}}"
took = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
answer = str(answer)
print(f"{{took:6.2f}} s {{peak:5d}} MB  {{answer[:90]}}")
"""


def main() -> None:
    for name, body in CASES.items():
        code = RUNNER.format(body=textwrap.indent(textwrap.dedent(body), "    "))
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        print(f"{name:40} {run.stdout.strip() or run.stderr.strip()[-200:]}")


if __name__ == "__main__":
    main()
