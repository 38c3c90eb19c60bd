/** The side panel that shows one derivative (a webview beside the editor, reused), typeset
 * with the KaTeX bundled in the extension (dist/katex: its stylesheet and fonts). */
import * as vscode from "vscode";
import { COPY_COMMAND, renderDerivative, renderError, type DerivativeView } from "./render";

export class DerivativePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private view: DerivativeView | undefined;
  private readonly katex: vscode.Uri;

  constructor(extensionUri: vscode.Uri) {
    this.katex = vscode.Uri.joinPath(extensionUri, "dist", "katex");
  }

  show(view: DerivativeView | { title: string; error: string }): void {
    const title = "title" in view ? view.title : `matdiff: ${view.of} by ${view.wrt}`;
    if (this.panel === undefined) {
      this.panel = vscode.window.createWebviewPanel(
        "matdiff.derivative",
        title,
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        {
          enableScripts: false,
          enableFindWidget: true,
          enableCommandUris: [COPY_COMMAND],
          localResourceRoots: [this.katex],
        },
      );
      this.panel.onDidDispose(() => {
        this.panel = undefined;
        this.view = undefined;
      });
    }
    const webview = this.panel.webview;
    const assets = {
      cspSource: webview.cspSource,
      katexCss: webview.asWebviewUri(vscode.Uri.joinPath(this.katex, "katex.min.css")).toString(),
    };
    this.view = "error" in view ? undefined : view;
    this.panel.title = title;
    webview.html = "error" in view ? renderError(view.title, view.error) : renderDerivative(view, assets);
    this.panel.reveal(vscode.ViewColumn.Beside, true);
  }

  /** The text a copy link asks for: the shown derivative's NumPy or LaTeX. */
  text(what: unknown): string | undefined {
    if (this.view === undefined) {
      return undefined;
    }
    return what === "numpy" ? this.view.numpy : what === "latex" ? this.view.latex : undefined;
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
