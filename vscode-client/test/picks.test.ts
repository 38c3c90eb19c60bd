/** Choosing what to derive, and the panel's HTML. */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  definitionAt,
  definitions,
  dependencies,
  derivativeTitle,
  layoutsFor,
  variables,
  type Named,
} from "../src/picks";
import { escapeHtml, renderDerivative } from "../src/render";

// The server's outline of "W : matrix(m, n); x : vector(n)\nconst C : matrix(n, n)\nloss = …\nr = W*x"
const SYMBOLS: Named[] = [
  { name: "W", kind: "variable", detail: "m×n", start: 0, end: 16 },
  { name: "x", kind: "variable", detail: "n×1", start: 18, end: 31 },
  { name: "C", kind: "constant", detail: "const n×n", start: 32, end: 54 },
  { name: "loss", kind: "definition", detail: "scalar", start: 55, end: 78 },
  { name: "r", kind: "definition", detail: "m×1", start: 79, end: 86 },
];

describe("picks", () => {
  it("the variables a definition depends on, or all when the server cannot say", () => {
    const vars = variables(SYMBOLS);
    assert.deepEqual(dependencies(vars, ["x"]).map((s) => s.name), ["x"]);
    assert.deepEqual(dependencies(vars, undefined).map((s) => s.name), ["W", "x"]);
  });

  it("definitions, and variables without constants", () => {
    assert.deepEqual(definitions(SYMBOLS).map((s) => s.name), ["loss", "r"]);
    assert.deepEqual(variables(SYMBOLS).map((s) => s.name), ["W", "x"]);
  });

  it("the definition under the cursor", () => {
    assert.equal(definitionAt(SYMBOLS, 60)?.name, "loss");
    assert.equal(definitionAt(SYMBOLS, 86)?.name, "r");
    assert.equal(definitionAt(SYMBOLS, 5), undefined);
  });

  it("gradient and Hessian only for scalars", () => {
    const [loss, r] = definitions(SYMBOLS);
    assert.ok(loss && r);
    assert.deepEqual(layoutsFor(loss), ["gradient", "numerator", "hessian"]);
    assert.deepEqual(layoutsFor(r), ["numerator"]);
  });

  it("titles", () => {
    assert.equal(derivativeTitle("loss", "W", "gradient"), "∇_W loss");
    assert.equal(derivativeTitle("r", "x", "numerator"), "∂r/∂x");
    assert.equal(derivativeTitle("loss", "x", "hessian"), "∇²_x loss");
  });
});

describe("render", () => {
  it("escapes and shows math, NumPy and LaTeX", () => {
    const html = renderDerivative({
      of: "loss", wrt: "W", layout: "gradient", shape: "m×n",
      math: "2(Wx + b)xᵀ", numpy: "2 * np.outer(W @ x + b, x)", latex: "2 \\left(W x + b\\right) x^\\top",
    });
    assert.ok(html.includes('<div class="math" id="math">∇_W loss = 2(Wx + b)xᵀ</div>'));
    assert.ok(html.includes('<pre id="numpy">2 * np.outer(W @ x + b, x)</pre>'));
    assert.ok(html.includes("default-src 'none'"));
    assert.ok(!html.includes("<script"));
    assert.equal(escapeHtml(`a<b & "c" 'd'`), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;");
  });
});
