"""The LaTeX that notebooks and the VS Code panel show is typeset by KaTeX without error.

KaTeX is the VS Code extension's (``vscode-client/node_modules/katex``, after ``npm ci``),
run by node with ``throwOnError``.  Without node or KaTeX the test is skipped, unless
``MATDIFF_REQUIRE_KATEX=1`` (``.ci/run`` sets it after ``npm ci``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from matdiff import MatdiffError, derive
from matdiff.analysis import analyze

ROOT = Path(__file__).resolve().parents[1]
KATEX = ROOT / "vscode-client" / "node_modules" / "katex"

DOCUMENTS = [
    "W : matrix(m, n); x : vector(n); b : vector(m)\nloss = norm2(W*x + b)^2",
    "S : matrix(n, n) spd; x, mu : vector(n)\nnll = 0.5*logdet(S) + 0.5*(x - mu)'*inv(S)*(x - mu)",
    "W : matrix(m, n); x : vector(n); y : vector(m)\n"
    "lr = -(y'*log(sigmoid(W*x)) + (ones(m) - y)'*log(ones(m) - sigmoid(W*x)))",
    "W : matrix(m, n); x : vector(n); t : vector(m)\nce = -t'*log(softmax(W*x))",
    "X, A : matrix(n, n)\nf = tr(X^3*A) + det(X) + sum(exp(X)) .* 2",
    "W1 : matrix(h, n); W2 : matrix(m, h); x : vector(n); t : vector(m)\n"
    "net = 0.5*norm2(W2*tanh(W1*x) - t)^2",
    "X : matrix(m, n); lam : scalar\nr = normF(X)^2 + lam*norm1(vec(X)) + logsumexp(X*ones(n))",
]


def latex_strings() -> list[str]:
    out: list[str] = []
    for source in DOCUMENTS:
        model = analyze(source)
        assert not model.diagnostics, (source, model.diagnostics)
        of = model.definitions[-1].name
        for v in model.depends_on(of):
            for kind in ("gradient", "numerator", "hessian"):
                try:
                    r = derive(source, of, v.name, kind)
                except MatdiffError:
                    continue
                out += [r.equation, r.steps_latex]
    return out


def test_katex_typesets_every_equation_and_derivation() -> None:
    node = shutil.which("node")
    if node is None or not KATEX.is_dir():
        if os.environ.get("MATDIFF_REQUIRE_KATEX") == "1":
            pytest.fail(f"node or KaTeX missing ({KATEX}); run npm ci in vscode-client")
        pytest.skip("node or vscode-client/node_modules/katex missing")
    strings = latex_strings()
    assert len(strings) > 40
    script = """
const katex = require(process.argv[1]);
const items = JSON.parse(require("fs").readFileSync(0, "utf8"));
const errors = [];
for (const tex of items) {
  try {
    const options = { displayMode: true, throwOnError: true, strict: "error" };
    const html = katex.renderToString(tex, options);
    if (!html.includes('class="katex"')) errors.push(["no .katex", tex]);
  } catch (e) { errors.push([String(e.message), tex]); }
}
process.stdout.write(JSON.stringify(errors));
"""
    done = subprocess.run([node, "-e", script, str(KATEX)], input=json.dumps(strings),
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert json.loads(done.stdout) == []
