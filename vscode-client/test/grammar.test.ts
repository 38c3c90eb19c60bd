/** The TextMate grammar, tokenised by VS Code's own engine (vscode-textmate + oniguruma). */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";

const ROOT = path.resolve(__dirname, "..", "..");
const GRAMMAR_FILE = path.join(ROOT, "syntaxes", "matdiff.tmLanguage.json");
let grammar: textmate.IGrammar;

before(async () => {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources: string[]) => new oniguruma.OnigScanner(sources),
      createOnigString: (text: string) => new oniguruma.OnigString(text),
    }),
    loadGrammar: (scopeName: string) => {
      if (scopeName !== "source.matdiff") {
        return Promise.resolve(null);
      }
      return Promise.resolve(textmate.parseRawGrammar(fs.readFileSync(GRAMMAR_FILE, "utf8"), GRAMMAR_FILE));
    },
  });
  const loaded = await registry.loadGrammar("source.matdiff");
  assert.ok(loaded, "the grammar loads");
  grammar = loaded;
});

/** Each token of `line` as `text: innermost scope`, whitespace left out. */
function tokens(line: string): string[] {
  const { tokens: found } = grammar.tokenizeLine(line, textmate.INITIAL);
  return found
    .map((t) => [line.slice(t.startIndex, t.endIndex), t.scopes[t.scopes.length - 1] ?? ""])
    .filter(([text]) => text?.trim())
    .map(([text, scope]) => `${text?.trim() ?? ""}: ${scope ?? ""}`);
}

/** The scope of the first token that is exactly `text`. */
function scopeOf(line: string, text: string): string {
  const found = tokens(line).find((t) => t.startsWith(`${text}: `));
  assert.ok(found, `no token ${JSON.stringify(text)} in ${JSON.stringify(tokens(line))}`);
  return found.slice(text.length + 2);
}

describe("grammar", () => {
  it("declarations: names, type, dimensions, properties, const", () => {
    assert.deepEqual(tokens("const S, T : matrix(n, n) spd"), [
      "const: storage.modifier.const.matdiff",
      "S: variable.other.declaration.matdiff",
      ",: punctuation.separator.comma.matdiff",
      "T: variable.other.declaration.matdiff",
      ":: punctuation.separator.type.matdiff",
      "matrix: storage.type.matdiff",
      "(: punctuation.section.parens.begin.matdiff",
      "n: variable.other.dimension.matdiff",
      ",: punctuation.separator.comma.matdiff",
      "n: variable.other.dimension.matdiff",
      "): punctuation.section.parens.end.matdiff",
      "spd: storage.modifier.property.matdiff",
    ]);
  });

  it("several statements on a line, split by ;", () => {
    const line = "W : matrix(m, n); x : vector(n); loss = norm2(W*x)^2";
    assert.equal(scopeOf(line, "W"), "variable.other.declaration.matdiff");
    assert.equal(scopeOf(line, "x"), "variable.other.declaration.matdiff");
    assert.equal(scopeOf(line, "vector"), "storage.type.matdiff");
    assert.equal(scopeOf(line, ";"), "punctuation.terminator.statement.matdiff");
    assert.equal(scopeOf(line, "loss"), "entity.name.function.definition.matdiff");
    assert.equal(scopeOf(line, "norm2"), "support.function.builtin.matdiff");
  });

  it("definitions and expressions", () => {
    assert.deepEqual(tokens("g = grad(loss, W) + 2.5e-3*I"), [
      "g: entity.name.function.definition.matdiff",
      "=: keyword.operator.assignment.matdiff",
      "grad: support.function.derivative.matdiff",
      "(: punctuation.section.parens.begin.matdiff",
      "loss: variable.other.matdiff",
      ",: punctuation.separator.comma.matdiff",
      "W: variable.other.matdiff",
      "): punctuation.section.parens.end.matdiff",
      "+: keyword.operator.arithmetic.matdiff",
      "2.5e-3: constant.numeric.matdiff",
      "*: keyword.operator.arithmetic.matdiff",
      "I: support.constant.matdiff",
    ]);
  });

  it("' is the transpose, never a string quote", () => {
    assert.deepEqual(tokens("f = x'*A*x + y' # it's a comment"), [
      "f: entity.name.function.definition.matdiff",
      "=: keyword.operator.assignment.matdiff",
      "x: variable.other.matdiff",
      "': keyword.operator.transpose.matdiff",
      "*: keyword.operator.arithmetic.matdiff",
      "A: variable.other.matdiff",
      "*: keyword.operator.arithmetic.matdiff",
      "x: variable.other.matdiff",
      "+: keyword.operator.arithmetic.matdiff",
      "y: variable.other.matdiff",
      "': keyword.operator.transpose.matdiff",
      "#: punctuation.definition.comment.matdiff",
      "it's a comment: comment.line.number-sign.matdiff",
    ]);
  });

  it("the other transposes, the inverse and the element-wise operators", () => {
    const line = "h = Aᵀ ∘ B.T ⊗ C⁻¹ .* D ./ E .^ 2 × F";
    assert.equal(scopeOf(line, "ᵀ"), "keyword.operator.transpose.matdiff");
    assert.equal(scopeOf(line, ".T"), "keyword.operator.transpose.matdiff");
    assert.equal(scopeOf(line, "⁻¹"), "keyword.operator.inverse.matdiff");
    assert.equal(scopeOf(line, "∘"), "keyword.operator.elementwise.matdiff");
    assert.equal(scopeOf(line, ".*"), "keyword.operator.elementwise.matdiff");
    assert.equal(scopeOf(line, "./"), "keyword.operator.elementwise.matdiff");
    assert.equal(scopeOf(line, ".^"), "keyword.operator.elementwise.matdiff");
    assert.equal(scopeOf(line, "⊗"), "keyword.operator.kronecker.matdiff");
    assert.equal(scopeOf(line, "×"), "keyword.operator.arithmetic.matdiff");
    assert.equal(scopeOf(line, "2"), "constant.numeric.matdiff");
  });

  it("numbers, and digits inside names are not numbers", () => {
    assert.equal(scopeOf("y = 0.5*W1 + .25", "0.5"), "constant.numeric.matdiff");
    assert.equal(scopeOf("y = 0.5*W1 + .25", ".25"), "constant.numeric.matdiff");
    assert.equal(scopeOf("y = 0.5*W1 + .25", "W1"), "variable.other.matdiff");
  });

  it("unknown functions and misspelt properties", () => {
    assert.equal(scopeOf("y = expp(x)", "expp"), "variable.function.matdiff");
    assert.equal(scopeOf("S : matrix(n, n) symetric", "symetric"), "invalid.illegal.property.matdiff");
  });

  it("comments, whole-line and after a declaration", () => {
    assert.deepEqual(tokens("# derivative of the loss"), [
      "#: punctuation.definition.comment.matdiff",
      "derivative of the loss: comment.line.number-sign.matdiff",
    ]);
    assert.equal(scopeOf("x : vector(n)  # input", "input"), "comment.line.number-sign.matdiff");
  });

  it("the example document tokenises without an unknown token", () => {
    const file = path.join(ROOT, "..", "grammar", "examples", "least-squares.matdiff");
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
      for (const token of tokens(line)) {
        assert.match(token, /: [a-z.]+\.matdiff$/, `${token} in ${line}`);
        assert.doesNotMatch(token, /invalid/, `${token} in ${line}`);
      }
    }
  });
});

describe("names in any script", () => {
  it("Greek, accented and other-script names are declared, defined and used", () => {
    assert.deepEqual(tokens("λ, Σ₁, ε_2 : matrix(ν, n) spd"), [
      "λ: variable.other.declaration.matdiff",
      ",: punctuation.separator.comma.matdiff",
      "Σ₁: variable.other.declaration.matdiff",
      ",: punctuation.separator.comma.matdiff",
      "ε_2: variable.other.declaration.matdiff",
      ":: punctuation.separator.type.matdiff",
      "matrix: storage.type.matdiff",
      "(: punctuation.section.parens.begin.matdiff",
      "ν: variable.other.dimension.matdiff",
      ",: punctuation.separator.comma.matdiff",
      "n: variable.other.dimension.matdiff",
      "): punctuation.section.parens.end.matdiff",
      "spd: storage.modifier.property.matdiff",
    ]);
    assert.deepEqual(tokens("coût = é*Σ₁ + Ж; δ = 1"), [
      "coût: entity.name.function.definition.matdiff",
      "=: keyword.operator.assignment.matdiff",
      "é: variable.other.matdiff",
      "*: keyword.operator.arithmetic.matdiff",
      "Σ₁: variable.other.matdiff",
      "+: keyword.operator.arithmetic.matdiff",
      "Ж: variable.other.matdiff",
      ";: punctuation.terminator.statement.matdiff",
      "δ: entity.name.function.definition.matdiff",
      "=: keyword.operator.assignment.matdiff",
      "1: constant.numeric.matdiff",
    ]);
  });

  it("a combining accent belongs to the name it follows", () => {
    const decomposed = "e\u0301"; // é typed as e + U+0301, the same name as é
    assert.equal(scopeOf(`${decomposed} : scalar`, decomposed), "variable.other.declaration.matdiff");
    assert.equal(scopeOf(`x${decomposed}2 = 1`, `x${decomposed}2`), "entity.name.function.definition.matdiff");
  });

  it("subscripts belong to a name; superscripts and ᵀ do not", () => {
    assert.deepEqual(tokens("y = W₁ᵀ*x² + Iᵀ + A⁻¹"), [
      "y: entity.name.function.definition.matdiff",
      "=: keyword.operator.assignment.matdiff",
      "W₁: variable.other.matdiff",
      "ᵀ: keyword.operator.transpose.matdiff",
      "*: keyword.operator.arithmetic.matdiff",
      "x: variable.other.matdiff",
      "²: source.matdiff", // not a name (x² is an error), and no operator
      "+: keyword.operator.arithmetic.matdiff",
      "I: support.constant.matdiff",
      "ᵀ: keyword.operator.transpose.matdiff",
      "+: keyword.operator.arithmetic.matdiff",
      "A: variable.other.matdiff",
      "⁻¹: keyword.operator.inverse.matdiff",
    ]);
    // a subscript does not start a name
    assert.notEqual(scopeOf("y = ₁", "₁"), "variable.other.matdiff");
  });

  it("a keyword ends where the name ends, in any script", () => {
    assert.equal(scopeOf("y = λexp(x)", "λexp"), "variable.function.matdiff");
    assert.equal(scopeOf("y = expλ(x)", "expλ"), "variable.function.matdiff");
    assert.equal(scopeOf("y = tanh(x)", "tanh"), "support.function.builtin.matdiff");
    assert.equal(scopeOf("y = gradé(f, x)", "gradé"), "variable.function.matdiff");
    assert.equal(scopeOf("y = Iλ + eyeₙ", "Iλ"), "variable.other.matdiff");
    assert.equal(scopeOf("y = Iλ + eyeₙ", "eyeₙ"), "variable.other.matdiff");
    assert.equal(scopeOf("S : matrix(n, n) spdé", "spdé"), "invalid.illegal.property.matdiff");
    assert.equal(scopeOf("S : matrixé(n, n)", "matrixé"), "invalid.illegal.property.matdiff");
  });

  it("digits after a letter of any script belong to the name", () => {
    assert.deepEqual(tokens("y = Σ1 + 2*é2"), [
      "y: entity.name.function.definition.matdiff",
      "=: keyword.operator.assignment.matdiff",
      "Σ1: variable.other.matdiff",
      "+: keyword.operator.arithmetic.matdiff",
      "2: constant.numeric.matdiff",
      "*: keyword.operator.arithmetic.matdiff",
      "é2: variable.other.matdiff",
    ]);
  });

  it("declared functions and the stochastic property", () => {
    assert.deepEqual(tokens("σ : elementwise"), [
      "σ: variable.other.declaration.matdiff",
      ":: punctuation.separator.type.matdiff",
      "elementwise: storage.type.function.matdiff",
    ]);
    assert.deepEqual(tokens("ℓ : function(vector(m))"), [
      "ℓ: variable.other.declaration.matdiff",
      ":: punctuation.separator.type.matdiff",
      "function: storage.type.function.matdiff",
      "(: punctuation.section.parens.begin.matdiff",
      "vector: storage.type.matdiff",
      "(: punctuation.section.parens.begin.matdiff",
      "m: variable.other.dimension.matdiff",
      "): punctuation.section.parens.end.matdiff",
      "): punctuation.section.parens.end.matdiff",
    ]);
    assert.equal(scopeOf("T : matrix(k, N) stochastic", "stochastic"), "storage.modifier.property.matdiff");
    assert.equal(scopeOf("f = ℓ(W₂*σ(W₁*x))", "σ"), "variable.function.matdiff");
  });
});

/**
 * The server's names (server/matdiff/base/names.py, what the parser accepts), as Unicode
 * properties: a name starts with a letter, a number other than a decimal digit, or `_`, never a
 * superscript, ᵀ or a subscript; it goes on with letters, numbers, `_` and combining marks, never
 * a superscript or ᵀ.  tests/test_textmate_grammar.py holds names.py to the same two lines.
 */
const SUPERSCRIPT = (c: number): boolean => c === 0xb2 || c === 0xb3 || c === 0xb9 || c === 0x1d40 || (c >= 0x2070 && c <= 0x207f);
const COMBINING = (c: number): boolean =>
  (c >= 0x300 && c <= 0x36f) || (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x20d0 && c <= 0x20ff) || (c >= 0xfe20 && c <= 0xfe2f);
const startsName = (c: number): boolean =>
  /[\p{L}\p{N}_]/u.test(String.fromCodePoint(c)) &&
  !/\p{Nd}/u.test(String.fromCodePoint(c)) &&
  !SUPERSCRIPT(c) &&
  !(c >= 0x2080 && c <= 0x209f);
const continuesName = (c: number): boolean =>
  (/[\p{L}\p{N}_]/u.test(String.fromCodePoint(c)) || COMBINING(c)) && !SUPERSCRIPT(c);

/** The rule of the grammar's expressions whose scope is `scope`. */
function rule(scope: string): string {
  const raw = JSON.parse(fs.readFileSync(GRAMMAR_FILE, "utf8")) as {
    repository: { expression: { patterns: { match?: string; name?: string }[] } };
  };
  const found = raw.repository.expression.patterns.find((p) => p.name === scope)?.match;
  assert.ok(found, scope);
  return found;
}

/**
 * The code points `c` for which `pattern` matches all of `prefix + c` (or, with `whole` false,
 * from its start), tried in one scan.
 */
function matching(pattern: string, prefix: string, points: number[], whole = true): Set<number> {
  const lines = points.map((c) => prefix + String.fromCodePoint(c));
  const text = new oniguruma.OnigString(lines.join("\n"));
  const scanner = new oniguruma.OnigScanner([`^(?:${pattern})${whole ? "$" : ""}`]);
  const byOffset = new Map<number, number>();
  let offset = 0;
  points.forEach((c, i) => {
    byOffset.set(offset, c);
    offset += (lines[i]?.length ?? 0) + 1;
  });
  const found = new Set<number>();
  for (let at = 0; ; ) {
    const match = scanner.findNextMatchSync(text, at);
    const span = match?.captureIndices[0];
    if (!span) {
      return found;
    }
    const c = byOffset.get(span.start);
    assert.ok(c !== undefined, `a match inside a line at ${span.start}`);
    found.add(c);
    at = span.end;
  }
}

describe("names, every character", () => {
  it("start and go on exactly where the server's names do", () => {
    // planes 0-3 and 14 (4-13 are unassigned, 15-16 private use); the characters this
    // Oniguruma knows (its Unicode can be older than Node's)
    const planes: number[] = [];
    for (let c = 0; c < 0xf0000; c++) {
      if ((c < 0x40000 || c >= 0xe0000) && (c < 0xd800 || c > 0xdfff) && c !== 0x0a && c !== 0x0d) {
        planes.push(c);
      }
    }
    const unassigned = matching("\\p{Cn}", "", planes);
    const points = planes.filter((c) => !unassigned.has(c));
    assert.ok(points.length > 140000, `${points.length} characters`);
    const name = rule("variable.other.matdiff");
    const starts = matching(name, "", points);
    const continues = matching(name, "a", points);
    // the keywords' boundary: `I` is the constant exactly when no name character follows
    const boundaries = matching(rule("support.constant.matdiff"), "I", points, false);
    const wrong = (found: Set<number>, expected: (c: number) => boolean): string[] =>
      points.filter((c) => found.has(c) !== expected(c)).map((c) => `U+${c.toString(16).toUpperCase()}`);
    assert.deepEqual(wrong(starts, startsName), []);
    assert.deepEqual(wrong(continues, continuesName), []);
    assert.deepEqual(wrong(boundaries, (c) => !continuesName(c)), []);
  });
});
