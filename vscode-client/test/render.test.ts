/** The derivative panel typesets with KaTeX (HTML made in the extension host, no scripts). */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderDerivative, typeset } from "../src/render";

// What the server's `matdiff.derivative` answers for loss = norm2(W*x + b)^2 by W.
const VIEW = {
  of: "loss",
  wrt: "W",
  layout: "gradient" as const,
  shape: "m×n",
  math: "2(Wx + b)xᵀ",
  numpy: "2 * np.outer(W @ x + b, x)",
  latex: "2 \\left(W x + b\\right) x^\\top",
  equation: "\\nabla_{W} \\mathrm{loss} = 2 \\left(W x + b\\right) x^\\top",
  other: "\\frac{\\partial \\mathrm{loss}}{\\partial W} = 2 x \\left(W x + b\\right)^\\top",
  steps:
    "\\begin{aligned}\n\\mathrm{d} \\mathrm{loss} &= \\mathrm{d}\\left(\\left(W x + b\\right)^\\top \\left(W x + b\\right)\\right) \\\\\n" +
    "&= 2 \\left(W x + b\\right)^\\top \\mathrm{d}W x && \\text{d(AXB) = A dX B, eq. (12)}\n\\end{aligned}",
};
const ASSETS = { cspSource: "https://file+.vscode-resource.vscode-cdn.net", katexCss: "https://file+.vscode-resource.vscode-cdn.net/ext/dist/katex/katex.min.css" };

function section(html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`);
  assert.ok(start >= 0, `no #${id}`);
  return html.slice(start, html.indexOf("</div>\n", start));
}

describe("panel", () => {
  it("typesets the equation, the other layout and the steps as KaTeX, not LaTeX source", () => {
    const html = renderDerivative(VIEW, ASSETS);
    for (const id of ["equation", "other", "steps"]) {
      const part = section(html, id);
      assert.ok(part.includes('class="katex-display"'), id);
      assert.ok(part.includes('class="katex"'), id);
      assert.ok(!part.includes("katex-error"), id);
      assert.ok(!part.includes("\\nabla") && !part.includes("\\left") && !part.includes("\\begin"), id);
    }
    const text = section(html, "steps").replace(/<[^>]+>/g, "").replace(/\u00a0/g, " ");
    assert.ok(text.includes("d(AXB) = A dX B, eq. (12)"), text);
    // LaTeX source only where it is meant to be copied
    assert.ok(html.includes('<pre id="latex">2 \\left(W x + b\\right) x^\\top</pre>'));
  });

  it("a strict content security policy: the bundled stylesheet and fonts, nothing else", () => {
    const html = renderDerivative(VIEW, ASSETS);
    const csp = /content="([^"]*)"/.exec(html)?.[1] ?? "";
    assert.equal(csp, `default-src 'none'; style-src 'unsafe-inline' ${ASSETS.cspSource}; font-src ${ASSETS.cspSource};`);
    assert.ok(html.includes(`<link rel="stylesheet" href="${ASSETS.katexCss}">`));
    assert.ok(!html.includes("<script"));
    const urls = html.match(/https?:\/\/[^"' )]+/g) ?? [];
    assert.deepEqual([...new Set(urls)].filter((u) => !u.startsWith(ASSETS.cspSource)), []);
  });

  it("copy links run the copy command with what to copy", () => {
    const html = renderDerivative(VIEW, ASSETS);
    assert.ok(html.includes('id="copy-numpy" href="command:matdiff.copyFromPanel?%5B%22numpy%22%5D"'));
    assert.ok(html.includes('id="copy-latex" href="command:matdiff.copyFromPanel?%5B%22latex%22%5D"'));
  });

  it("a LaTeX error shows in place, never throws", () => {
    assert.ok(typeset("x^{").includes("katex-error"));
    assert.ok(typeset("\\sum_{i=1}^n x_i").includes('class="katex"'));
  });
});
