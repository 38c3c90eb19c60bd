/** The extension's commands: show a derivative, copy a gradient, restart, show the output. */
import * as vscode from "vscode";
import type { MatdiffClient } from "./client";
import { choose, derive, type Answer, type Request } from "./derivative";
import { DerivativePanel } from "./panel";
import { COPY_COMMAND } from "./render";
import { derivativeTitle } from "./picks";

function matdiffEditor(): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor?.document.languageId !== "matdiff") {
    void vscode.window.showWarningMessage("matdiff: open a .matdiff document first.");
    return undefined;
  }
  return editor;
}

/** `{[key]: answer.text}`, or nothing when there is no text (an older server, or an error). */
function optional<K extends string>(key: K, answer: Answer | undefined): Partial<Record<K, string>> {
  return answer !== undefined && "text" in answer ? ({ [key]: answer.text } as Partial<Record<K, string>>) : {};
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
  // What the panel typesets: this layout's equation and steps, and the other layout's
  // equation (gradient ↔ numerator) where it exists; any of them may be missing.
  const otherLayout = request.layout === "gradient" ? "numerator" : request.layout === "numerator" ? "gradient" : undefined;
  const [equation, steps, other] = await Promise.all([
    derive(client, uri, request, "equation"),
    derive(client, uri, request, "steps-latex"),
    otherLayout === undefined ? undefined : derive(client, uri, { ...request, layout: otherLayout }, "equation"),
  ]);

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
    ...optional("equation", equation),
    ...optional("steps", steps),
    ...optional("other", other),
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

export function registerCommands(client: MatdiffClient, extensionUri: vscode.Uri): vscode.Disposable[] {
  const panel = new DerivativePanel(extensionUri);
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
    vscode.commands.registerCommand(
      COPY_COMMAND,
      failing(async (what: unknown) => {
        const text = panel.text(what);
        if (text !== undefined) {
          await vscode.env.clipboard.writeText(text);
          void vscode.window.showInformationMessage(`matdiff: ${what === "numpy" ? "NumPy" : "LaTeX"} copied to the clipboard.`);
        }
      }),
    ),
    vscode.commands.registerCommand("matdiff.restartServer", failing(() => client.restart())),
    vscode.commands.registerCommand("matdiff.showServerOutput", () => {
      client.output.show(true);
    }),
  ];
}
