/**
 * The derivative panel's HTML: one derivative typeset by KaTeX (rendered here, in the
 * extension host, to HTML: the webview runs no scripts), the other layout and the steps
 * when there are, the Unicode math, NumPy and LaTeX with copy links (command URIs).  The
 * content security policy allows inline styles, and styles and fonts from the extension's
 * own bundled KaTeX only: nothing remote.
 */
import katex from "katex";
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
  /** LaTeX of `lhs = rhs` (the server's `equation`), typeset in the panel. */
  equation?: string;
  /** The other layout's `lhs = rhs`, typeset below (gradient ↔ numerator), if there is one. */
  other?: string;
  /** The derivation as an `aligned` LaTeX block, one step a line. */
  steps?: string;
}

/** Where the webview finds the bundled KaTeX stylesheet, and the source its CSP allows. */
export interface Assets {
  cspSource: string;
  katexCss: string;
}

/** The command a copy link runs (with `"numpy"` or `"latex"`). */
export const COPY_COMMAND = "matdiff.copyFromPanel";

/** LaTeX typeset as display math (HTML; a LaTeX error shows in place, marked `.katex-error`). */
export function typeset(latex: string): string {
  return katex.renderToString(latex, { displayMode: true, output: "html", throwOnError: false, strict: "ignore" });
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
.error { color: var(--vscode-errorForeground); }
.rendered { font-size: 1.15em; overflow-x: auto; }
.copy { font-size: .8em; margin-left: 1em; text-transform: none; }`;

function page(title: string, body: string, assets?: Assets): string {
  const from = assets === undefined ? "" : ` ${assets.cspSource}`;
  const csp = `default-src 'none'; style-src 'unsafe-inline'${from}; font-src${from || " 'none'"};`;
  const link = assets === undefined ? "" : `<link rel="stylesheet" href="${escapeHtml(assets.katexCss)}">`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${escapeHtml(title)}</title>${link}<style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

function copyLink(what: "numpy" | "latex", label: string): string {
  const args = encodeURIComponent(JSON.stringify([what]));
  return `<a class="copy" id="copy-${what}" href="command:${COPY_COMMAND}?${args}" title="Copy to the clipboard">${label}</a>`;
}

export function renderDerivative(view: DerivativeView, assets?: Assets): string {
  const title = derivativeTitle(view.of, view.wrt, view.layout);
  const layout = view.layout === "numerator" ? "numerator layout" : view.layout;
  const rendered = view.equation === undefined ? "" : `<div class="rendered" id="equation">${typeset(view.equation)}</div>\n`;
  const other =
    view.other === undefined ? "" : `<h2>${view.layout === "gradient" ? "Numerator layout" : "Gradient"}</h2><div class="rendered" id="other">${typeset(view.other)}</div>\n`;
  const steps = view.steps === undefined ? "" : `<h2>Steps</h2><div class="rendered" id="steps">${typeset(view.steps)}</div>\n`;
  return page(
    title,
    `<h1>${escapeHtml(title)} <small>(${escapeHtml(layout)}, ${escapeHtml(view.shape)})</small></h1>
${rendered}<div class="math" id="math">${escapeHtml(title)} = ${escapeHtml(view.math)}</div>
${other}${steps}<h2>NumPy${copyLink("numpy", "Copy NumPy")}</h2><pre id="numpy">${escapeHtml(view.numpy)}</pre>
<h2>LaTeX${copyLink("latex", "Copy LaTeX")}</h2><pre id="latex">${escapeHtml(view.latex)}</pre>`,
    assets,
  );
}

export function renderError(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p class="error">${escapeHtml(message)}</p>`);
}
