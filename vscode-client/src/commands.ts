/** The extension's commands: show a derivative, copy a gradient, restart, show the output. */
import * as vscode from "vscode";
import type { MatdiffClient } from "./client";
import { choose, derive, type Request } from "./derivative";
import { DerivativePanel } from "./panel";
import { derivativeTitle } from "./picks";

function matdiffEditor(): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor?.document.languageId !== "matdiff") {
    void vscode.window.showWarningMessage("matdiff: open a .matdiff document first.");
    return undefined;
  }
  return editor;
}

async function showDerivative(
  client: MatdiffClient,
  panel: DerivativePanel,
  given?: Partial<Request>,
): Promise<void> {
  const editor = matdiffEditor();
  const request = editor && (await choose(editor, true, given, client));
  if (editor === undefined || request === undefined) {
    return;
  }
  const uri = editor.document.uri;
  const [math, numpy, latex] = await Promise.all(
    (["text", "numpy", "latex"] as const).map((emit) => derive(client, uri, request, emit)),
  );
  const title = derivativeTitle(request.name, request.wrt, request.layout);
  for (const answer of [math, numpy, latex]) {
    if (answer === undefined || "error" in answer) {
      panel.show({ title, error: answer?.error ?? "no answer" });
      return;
    }
  }
  const text = (a: typeof math): string => (a !== undefined && "text" in a ? a.text : "");
  panel.show({
    of: request.name,
    wrt: request.wrt,
    layout: request.layout,
    shape: math !== undefined && "shape" in math ? math.shape : "",
    math: text(math),
    numpy: text(numpy),
    latex: text(latex),
  });
}

async function copyGradient(
  client: MatdiffClient,
  emit: "numpy" | "latex",
  given?: Partial<Request>,
): Promise<void> {
  const editor = matdiffEditor();
  const request = editor && (await choose(editor, false, { ...given, layout: "gradient" }, client));
  if (editor === undefined || request === undefined) {
    return;
  }
  const answer = await derive(client, editor.document.uri, request, emit);
  const what = `${derivativeTitle(request.name, request.wrt, "gradient")} as ${emit === "numpy" ? "NumPy" : "LaTeX"}`;
  if ("error" in answer) {
    void vscode.window.showErrorMessage(`matdiff: ${answer.error}`);
    return;
  }
  await vscode.env.clipboard.writeText(answer.text);
  void vscode.window.showInformationMessage(`Copied ${what}: ${answer.text}`);
}

function failing<A extends unknown[]>(run: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (error) {
      void vscode.window.showErrorMessage(`matdiff: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}

export function registerCommands(client: MatdiffClient): vscode.Disposable[] {
  const panel = new DerivativePanel();
  return [
    new vscode.Disposable(() => {
      panel.dispose();
    }),
    vscode.commands.registerCommand(
      "matdiff.showDerivative",
      failing((given?: Partial<Request>) => showDerivative(client, panel, given)),
    ),
    vscode.commands.registerCommand(
      "matdiff.copyGradientNumpy",
      failing((given?: Partial<Request>) => copyGradient(client, "numpy", given)),
    ),
    vscode.commands.registerCommand(
      "matdiff.copyGradientLatex",
      failing((given?: Partial<Request>) => copyGradient(client, "latex", given)),
    ),
    vscode.commands.registerCommand("matdiff.restartServer", failing(() => client.restart())),
    vscode.commands.registerCommand("matdiff.showServerOutput", () => {
      client.output.show(true);
    }),
  ];
}
