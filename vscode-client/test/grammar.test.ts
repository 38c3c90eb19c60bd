/** The TextMate grammar, tokenised by VS Code's own engine (vscode-textmate + oniguruma). */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";

const ROOT = path.resolve(__dirname, "..", "..");
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
      const file = path.join(ROOT, "syntaxes", "matdiff.tmLanguage.json");
      return Promise.resolve(textmate.parseRawGrammar(fs.readFileSync(file, "utf8"), file));
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
