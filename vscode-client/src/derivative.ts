/**
 * Asking the server for a derivative: the quick picks (which definition, by which variable,
 * which layout) and the `matdiff.derivative` command, `{uri, name, wrt, layout, emit}` →
 * `{text, shape, layout}` or `{error}`.
 */
import * as vscode from "vscode";
import type { MatdiffClient } from "./client";
import {
  definitionAt,
  definitions,
  dependencies,
  derivativeTitle,
  layoutsFor,
  variables,
  type DerivativeLayout,
  type Named,
} from "./picks";

export type Emit = "text" | "dsl" | "numpy" | "latex" | "equation" | "steps-latex";

export interface Request {
  name: string;
  wrt: string;
  layout: DerivativeLayout;
}

export type Answer = { text: string; shape: string; layout: string } | { error: string };

const KINDS = new Map<vscode.SymbolKind, Named["kind"]>([
  [vscode.SymbolKind.Function, "definition"],
  [vscode.SymbolKind.Variable, "variable"],
  [vscode.SymbolKind.Constant, "constant"],
]);

/** The document's definitions and variables, from the server's outline. */
export async function symbols(document: vscode.TextDocument): Promise<Named[]> {
  const found = await vscode.commands.executeCommand<vscode.DocumentSymbol[] | undefined>(
    "vscode.executeDocumentSymbolProvider",
    document.uri,
  );
  const out: Named[] = [];
  for (const s of found ?? []) {
    const kind = KINDS.get(s.kind);
    if (kind !== undefined) {
      const start = document.offsetAt(s.range.start);
      out.push({ name: s.name, kind, detail: s.detail, start, end: document.offsetAt(s.range.end) });
    }
  }
  return out;
}

async function pick(items: Named[], placeHolder: string, first?: Named): Promise<Named | undefined> {
  const ordered = first === undefined ? items : [first, ...items.filter((s) => s !== first)];
  const choice = await vscode.window.showQuickPick(
    ordered.map((s) => ({ label: s.name, description: s.detail, symbol: s })),
    { placeHolder },
  );
  return choice?.symbol;
}

/** Ask for what `Request` leaves open. With `layouts`, the layout too (else the gradient). */
/** The variables definition `name` depends on, from the server; undefined if it cannot say. */
export async function dependsOn(
  client: MatdiffClient,
  uri: vscode.Uri,
  name: string,
): Promise<string[] | undefined> {
  try {
    const answer = await client.execute("matdiff.variables", { uri: uri.toString(), name });
    if (typeof answer === "object" && answer !== null && "variables" in answer) {
      const names = answer.variables;
      return Array.isArray(names) ? names.map(String) : undefined;
    }
  } catch {
    // an older server, or none yet: offer every variable
  }
  return undefined;
}

export async function choose(
  editor: vscode.TextEditor,
  askLayout: boolean,
  given: Partial<Request> = {},
  client?: MatdiffClient,
): Promise<Request | undefined> {
  const all = await symbols(editor.document);
  const defs = definitions(all);
  if (defs.length === 0) {
    void vscode.window.showWarningMessage("matdiff: this document has no definitions to derive.");
    return undefined;
  }
  const here = definitionAt(all, editor.document.offsetAt(editor.selection.active));
  const of =
    defs.find((d) => d.name === given.name) ??
    (await pick(defs, "Derivative of which definition?", here));
  if (of === undefined) {
    return undefined;
  }
  const names = client === undefined ? undefined : await dependsOn(client, editor.document.uri, of.name);
  const vars = dependencies(variables(all), names);
  const wrt =
    vars.find((v) => v.name === given.wrt) ??
    (vars.length === 1 ? vars[0] : await pick(vars, `Derivative of ${of.name} by which variable?`));
  if (wrt === undefined) {
    return undefined;
  }
  const layouts = layoutsFor(of);
  let layout: DerivativeLayout | undefined = given.layout ?? layouts[0];
  if (given.layout === undefined && askLayout && layouts.length > 1) {
    const items = layouts.map((l) => ({
      label: derivativeTitle(of.name, wrt.name, l),
      description: l === "numerator" ? "numerator layout" : l,
      layout: l,
    }));
    layout = (await vscode.window.showQuickPick(items, { placeHolder: "Which derivative?" }))?.layout;
  }
  return layout === undefined ? undefined : { name: of.name, wrt: wrt.name, layout };
}

export async function derive(
  client: MatdiffClient,
  uri: vscode.Uri,
  request: Request,
  emit: Emit,
): Promise<Answer> {
  const answer = await client.execute("matdiff.derivative", {
    uri: uri.toString(),
    ...request,
    emit,
  });
  if (typeof answer === "object" && answer !== null && ("text" in answer || "error" in answer)) {
    return answer as Answer;
  }
  return { error: `unexpected answer from the server: ${JSON.stringify(answer)}` };
}
