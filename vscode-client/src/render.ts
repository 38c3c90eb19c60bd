/**
 * The derivative panel's HTML: the Unicode math, NumPy and LaTeX of one derivative, in a
 * webview with no scripts (a content security policy that allows inline styles only).
 */
import type { DerivativeLayout } from "./picks";
import { derivativeTitle } from "./picks";

/** What the panel shows; each field is the server's `{text}` for one `emit`, or an error. */
export interface DerivativeView {
  of: string;
  wrt: string;
  layout: DerivativeLayout;
  shape: string;
  math: string;
  numpy: string;
  latex: string;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const STYLE = `
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 1em; }
h1 { font-size: 1.2em; font-weight: 600; }
.math { font-size: 1.6em; font-family: "STIX Two Math", "Cambria Math", serif; margin: .4em 0 1em; }
h2 { font-size: .9em; text-transform: uppercase; opacity: .7; margin-bottom: .2em; }
pre { background: var(--vscode-textCodeBlock-background); padding: .6em; white-space: pre-wrap; }
.error { color: var(--vscode-errorForeground); }`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

export function renderDerivative(view: DerivativeView): string {
  const title = derivativeTitle(view.of, view.wrt, view.layout);
  const layout = view.layout === "numerator" ? "numerator layout" : view.layout;
  return page(
    title,
    `<h1>${escapeHtml(title)} <small>(${escapeHtml(layout)}, ${escapeHtml(view.shape)})</small></h1>
<div class="math" id="math">${escapeHtml(title)} = ${escapeHtml(view.math)}</div>
<h2>NumPy</h2><pre id="numpy">${escapeHtml(view.numpy)}</pre>
<h2>LaTeX</h2><pre id="latex">${escapeHtml(view.latex)}</pre>`,
  );
}

export function renderError(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p class="error">${escapeHtml(message)}</p>`);
}
