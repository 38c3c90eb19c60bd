/** The side panel that shows one derivative (a webview beside the editor, reused). */
import * as vscode from "vscode";
import { renderDerivative, renderError, type DerivativeView } from "./render";

export class DerivativePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  show(view: DerivativeView | { title: string; error: string }): void {
    const title = "title" in view ? view.title : `matdiff: ${view.of} by ${view.wrt}`;
    if (this.panel === undefined) {
      this.panel = vscode.window.createWebviewPanel(
        "matdiff.derivative",
        title,
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: false, enableFindWidget: true },
      );
      this.panel.onDidDispose(() => {
        this.panel = undefined;
      });
    }
    this.panel.title = title;
    this.panel.webview.html = "error" in view ? renderError(view.title, view.error) : renderDerivative(view);
    this.panel.reveal(vscode.ViewColumn.Beside, true);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
