/**
 * Choosing what to derive: the definitions and variables of a document (from the server's
 * document symbols), the definition under the cursor, and the layouts a definition allows.
 *
 * Pure: symbols come in already converted to `Named`.
 */

export interface Named {
  name: string;
  kind: "definition" | "variable" | "constant";
  /** The shape, as the server's outline says it: `scalar`, `m×n`, `const n×n`. */
  detail: string;
  /** Character offsets of the whole statement. */
  start: number;
  end: number;
}

export type DerivativeLayout = "gradient" | "numerator" | "hessian";

export function definitions(symbols: readonly Named[]): Named[] {
  return symbols.filter((s) => s.kind === "definition");
}

/** What a definition may be differentiated by: the declared variables, not constants. */
export function variables(symbols: readonly Named[]): Named[] {
  return symbols.filter((s) => s.kind === "variable");
}

/** The variables a definition depends on, as the server says (`matdiff.variables`); all the
 * variables when the server gave no answer. */
export function dependencies(vars: readonly Named[], names: readonly string[] | undefined): Named[] {
  if (names === undefined) {
    return [...vars];
  }
  return vars.filter((v) => names.includes(v.name));
}

/** The definition whose statement contains `offset`, if any. */
export function definitionAt(symbols: readonly Named[], offset: number): Named | undefined {
  return definitions(symbols).find((s) => s.start <= offset && offset <= s.end);
}

export function isScalar(symbol: Named): boolean {
  return symbol.detail === "scalar" || symbol.detail === "1×1";
}

/** Gradient and Hessian need a scalar function; the numerator layout works for any. */
export function layoutsFor(symbol: Named): DerivativeLayout[] {
  return isScalar(symbol) ? ["gradient", "numerator", "hessian"] : ["numerator"];
}

/** How the result is titled: `∇_W loss`, `∂r/∂x`, `∇²_x loss`. */
export function derivativeTitle(of: string, wrt: string, layout: DerivativeLayout): string {
  switch (layout) {
    case "gradient":
      return `∇_${wrt} ${of}`;
    case "hessian":
      return `∇²_${wrt} ${of}`;
    case "numerator":
      return `∂${of}/∂${wrt}`;
  }
}
