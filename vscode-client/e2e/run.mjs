// End-to-end: the packaged .vsix in a real VS Code (code-server 4.99.4 = Code 1.99.3), driven
// by playwright-core in Debian's Chromium, all on 127.0.0.1.  A new user's route: matdiff is
// on PATH (the extension finds it there), the extension is installed from the .vsix.
//
//   node e2e/run.mjs            (after `npm run package`; installs code-server if missing)
//
// It opens least-squares.matdiff, waits for the dimension-mismatch squiggle and reads its
// message, hovers `loss` and reads the derivative, applies "Insert gradient of loss by W",
// saves, opens "Show derivative of … by …" and checks that the panel typesets the gradient,
// the numerator layout and the steps with the bundled KaTeX (and that a copy link copies),
// checks the matdiff block of a Python file and the %%matdiff cell of a notebook, opens
// least_squares.py (annotated NumPy functions), waits for the shape error's squiggle and hovers
// `loss` for its gradients, and hands the hover texts, the saved file and the panel's NumPy line
// to e2e/check.py, which checks them by value with the matdiff package (the NumPy function's
// gradients against finite differences of the function itself).  Screenshots of the hovers and
// the code action go to images/ (the READMEs show them).  Every wait is bounded; any failure exits 1.
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLIENT = path.dirname(HERE);
const REPO = path.dirname(CLIENT);
const { version } = JSON.parse(fs.readFileSync(path.join(CLIENT, "package.json"), "utf8"));
const VSIX = path.join(CLIENT, `matdiff-${version}.vsix`);
const PYTHON = process.env.MATDIFF_E2E_PYTHON ?? path.join(REPO, ".venv", "bin", "python");
const CHROMIUM = process.env.MATDIFF_E2E_CHROMIUM ?? "/usr/bin/chromium";
const IMAGES = path.join(CLIENT, "images");
const ACTION = "Insert gradient of loss by W";
const started = Date.now();

function log(message) {
  console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)} s] ${message}`);
}

class Failure extends Error {}

/** Stop the test: thrown, so that `finally` still stops code-server and the browser. */
function fail(message) {
  throw new Failure(message);
}

function run(program, args, options = {}) {
  return execFileSync(program, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], ...options });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, ms, child) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      fail(`code-server exited with ${child.exitCode} before it answered`);
    }
    try {
      const response = await fetch(url);
      if (response.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  fail(`${url} did not answer within ${ms / 1000} s`);
}

/** A screenshot of the editor's top-left corner together with a widget, padded; with `lines`
 *  (editor lines), of the widget and those lines instead. */
async function shot(page, widget, file, lines = []) {
  const editor = await page.locator(".monaco-editor .view-lines").first().boundingBox();
  const box = await widget.boundingBox();
  if (!editor || !box) {
    fail(`nothing to screenshot for ${file}`);
  }
  const boxes = (await Promise.all(lines.map((l) => l.boundingBox()))).filter(Boolean);
  const top = boxes.length ? Math.min(...boxes.map((b) => b.y)) : editor.y;
  const low = boxes.length ? Math.max(...boxes.map((b) => b.y + b.height)) : editor.y + 90;
  const x = Math.max(0, (boxes.length ? Math.min(...boxes.map((b) => b.x)) : editor.x) - 56);
  const y = Math.max(0, Math.min(top, box.y) - 3);
  const right = Math.max(box.x + box.width, editor.x + 520) + 12;
  const bottom = Math.max(box.y + box.height, low) + 12;
  fs.mkdirSync(IMAGES, { recursive: true });
  await page.screenshot({ path: path.join(IMAGES, file), clip: { x, y, width: right - x, height: bottom - y } });
  log(`screenshot images/${file}`);
}

/** Hover `target` until `widget` shows `text`: up to `tries` tries of `ms` each, moving the
 *  mouse away in between (on a loaded machine a first hover did not always open: the editor
 *  can still be laying out when a squiggle appears, and a hover over a small squiggle in a
 *  notebook cell did not always open on the first move). */
async function hoverUntil(page, target, widget, text, { tries = 4, ms = 8_000, force = true } = {}) {
  for (let attempt = 1; ; attempt += 1) {
    await page.mouse.move(5, 500);
    await target.hover({ force });
    try {
      await widget.filter({ hasText: text }).waitFor({ timeout: ms });
      return;
    } catch (error) {
      if (attempt === tries) {
        throw error;
      }
      log(`no hover with ${JSON.stringify(text)} after ${ms / 1000} s: hovering again`);
    }
  }
}

async function main() {
  for (const [what, file] of [["the .vsix (npm run package)", VSIX], ["Python with matdiff", PYTHON], ["Chromium", CHROMIUM]]) {
    if (!fs.existsSync(file)) {
      fail(`${what} not found at ${file}`);
    }
  }
  const document = run(PYTHON, [path.join(HERE, "check.py"), "--document"]);
  const mismatch = run(PYTHON, [path.join(HERE, "check.py"), "--mismatch"]);
  const functionMismatch = run(PYTHON, [path.join(HERE, "check.py"), "--function-mismatch"]);

  const codeServer = run("bash", [path.join(HERE, "install-code-server.sh")]).trim().split("\n").pop();
  log(`code-server: ${codeServer}`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "matdiff-e2e-"));
  const userData = path.join(tmp, "user-data");
  const extensions = path.join(tmp, "extensions");
  const work = path.join(tmp, "work");
  fs.mkdirSync(path.join(userData, "User"), { recursive: true });
  fs.mkdirSync(work);
  const file = path.join(work, "least-squares.matdiff");
  fs.writeFileSync(file, document);
  // A Python file with a matdiff block (and a mismatch in it), after multi-byte text.
  fs.writeFileSync(
    path.join(work, "model.py"),
    "import os  # ∂ ⊗ ᵀ\n\n# matdiff: W : matrix(m, n); x : vector(n)\n# matdiff: bad = W*W\nSEP = os.sep\n",
  );
  // Annotated NumPy functions (LANGUAGE.md §10): `bad` has a shape error, `loss` a gradient.
  fs.copyFileSync(path.join(HERE, "least_squares.py"), path.join(work, "least_squares.py"));
  // A Jupyter notebook with a %%matdiff cell (a mismatch on its third line) and a Python cell.
  const cell = (source) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source });
  fs.writeFileSync(
    path.join(work, "demo.ipynb"),
    JSON.stringify({
      cells: [cell("import numpy as np"), cell("%%matdiff --steps\nA : matrix(m, n)\nC = A*A\nf = tr(A'*A)")],
      metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" }, language_info: { name: "python" } },
      nbformat: 4,
      nbformat_minor: 5,
    }),
  );
  fs.writeFileSync(
    path.join(userData, "User", "settings.json"),
    JSON.stringify({
      "workbench.startupEditor": "none",
      "workbench.tips.enabled": false,
      "security.workspace.trust.enabled": false,
      "telemetry.telemetryLevel": "off",
      "update.mode": "none",
      "extensions.autoCheckUpdates": false,
      "extensions.ignoreRecommendations": true,
      "editor.hover.delay": 200,
      "editor.minimap.enabled": false,
      "chat.commandCenter.enabled": false,
      "window.commandCenter": false,
    }),
  );
  // The user's environment: matdiff's virtualenv on PATH, HOME and XDG dirs of our own.
  const env = {
    ...process.env,
    PATH: `${path.dirname(PYTHON)}${path.delimiter}${process.env.PATH ?? ""}`,
    HOME: path.join(tmp, "home"),
    XDG_CONFIG_HOME: path.join(tmp, "config"),
    XDG_DATA_HOME: path.join(tmp, "data"),
    XDG_CACHE_HOME: path.join(tmp, "cache"),
  };
  delete env.VSCODE_IPC_HOOK_CLI;
  // VS Code's server takes the extension host's environment from a login shell (`bash -i -l`),
  // whose /etc/profile resets PATH: like a user, put matdiff on PATH in ~/.profile.
  fs.mkdirSync(env.HOME);
  fs.writeFileSync(path.join(env.HOME, ".profile"), `export PATH="${path.dirname(PYTHON)}:$PATH"\n`);
  const common = ["--user-data-dir", userData, "--extensions-dir", extensions];

  log(`installing ${path.basename(VSIX)}`);
  const installed = run("node", [codeServer, ...common, "--install-extension", VSIX], { env });
  if (!/successfully installed/i.test(installed)) {
    fail(`installing the .vsix said:\n${installed}`);
  }

  const port = await freePort();
  const serverArgs = [codeServer, ...common, "--bind-addr", `127.0.0.1:${port}`, "--auth", "none",
    "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust", "--disable-getting-started-override", work];
  const serverLog = fs.openSync(path.join(tmp, "code-server.log"), "w");
  const server = spawn("node", serverArgs, { env, stdio: ["ignore", serverLog, serverLog], detached: true });
  let browser;
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 30_000, server);
    log(`code-server on 127.0.0.1:${port}`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
    await context.route("**/*", (route) => {
      const { hostname, protocol } = new URL(route.request().url());
      return hostname === "127.0.0.1" || protocol === "data:" || protocol === "blob:" ? route.continue() : route.abort();
    });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(work)}`);
    await page.locator(".monaco-workbench").waitFor({ timeout: 30_000 });
    log("workbench loaded");

    // Open the document through Quick Open, as a person would.
    await page.locator(".part.editor").click();
    await page.keyboard.press("Control+P");
    const quickInput = page.locator(".quick-input-widget input.input");
    await quickInput.waitFor({ timeout: 10_000 });
    await quickInput.fill("least-squares.matdiff");
    await page.locator(".quick-input-list .monaco-list-row").first().waitFor({ timeout: 10_000 });
    await page.keyboard.press("Enter");
    await page.locator(".monaco-editor .view-lines").filter({ hasText: "loss" }).waitFor({ timeout: 10_000 });
    log("document open");

    // The diagnostic: a squiggle, whose hover says what is wrong.
    const squiggle = page.locator(".monaco-editor .squiggly-error").first();
    await squiggle.waitFor({ timeout: 60_000 });
    log("dimension-mismatch squiggle shown");
    const hoverWidget = page.locator(".monaco-hover:not(.hidden) .monaco-hover-content").first();
    await hoverUntil(page, squiggle, hoverWidget, "cannot multiply");
    const diagnosticText = await hoverWidget.innerText();
    if (!diagnosticText.includes(mismatch)) {
      fail(`the squiggle's hover does not say ${JSON.stringify(mismatch)}:\n${diagnosticText}`);
    }
    log(`squiggle message: ${mismatch}`);
    await page.keyboard.press("Escape");
    await page.mouse.move(5, 500);
    await hoverWidget.waitFor({ state: "hidden", timeout: 10_000 }).catch(() => undefined);

    // The derivative hover on `loss`.
    // (The line found by its text: the DOM order of an editor's lines is not their order,
    // and changes as the editor renders them again.)
    const lossLine = page.locator(".monaco-editor .view-line", { hasText: /^loss\b/ }).first();
    const lossToken = lossLine.locator("span span", { hasText: /^loss$/ }).first();
    await hoverUntil(page, lossToken, hoverWidget, "checked numerically", { ms: 15_000, force: false });
    const hoverText = await hoverWidget.innerText();
    fs.writeFileSync(path.join(tmp, "hover.txt"), hoverText);
    if (!hoverText.includes("∇_W loss") || !hoverText.includes("2(Wx + b)xᵀ")) {
      fail(`the hover does not show the gradient 2(Wx + b)xᵀ:\n${hoverText}`);
    }
    log("derivative hover read");
    await shot(page, page.locator(".monaco-hover:not(.hidden)").first(), "hover.png");
    await page.keyboard.press("Escape");
    await page.mouse.move(5, 500);

    // The code action, from the light bulb menu (Ctrl+.) on `loss`.
    await lossToken.click();
    await page.keyboard.press("Control+.");
    const item = page.locator(".action-widget .monaco-list-row", { hasText: ACTION }).first();
    await item.waitFor({ timeout: 30_000 });
    // Move the selection to the action with the keyboard (the menu blocks pointer events).
    const focused = page.locator(".action-widget .monaco-list-row.focused").first();
    for (let i = 0; i < 30 && (await focused.getAttribute("aria-label")) !== ACTION; i += 1) {
      await page.keyboard.press("ArrowDown");
    }
    if ((await focused.getAttribute("aria-label")) !== ACTION) {
      fail(`could not select "${ACTION}" in the code action menu`);
    }
    await shot(page, page.locator(".action-widget").first(), "code-action.png");
    await page.keyboard.press("Enter");
    await page.locator(".monaco-editor .view-lines").filter({ hasText: "grad_loss_W" }).waitFor({ timeout: 15_000 });
    log(`applied "${ACTION}"`);
    await page.keyboard.press("Control+S");
    const deadline = Date.now() + 15_000;
    while (!fs.readFileSync(file, "utf8").includes("grad_loss_W") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    log("saved");

    // "matdiff: Show derivative of … by …": three quick picks, then the panel beside.
    await page.keyboard.press("Control+Shift+P");
    await quickInput.waitFor({ timeout: 10_000 });
    await quickInput.fill(">matdiff: Show derivative");
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "Show derivative of" }).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press("Enter");
    for (const [placeholder, answer] of [["Derivative of which definition?", "loss"], ["by which variable?", "W"], ["Which derivative?", ""]]) {
      await page.locator(`.quick-input-widget input.input[placeholder*="${placeholder}"]`).waitFor({ timeout: 15_000 });
      if (answer) {
        await quickInput.fill(answer);
      }
      await page.locator(".quick-input-list .monaco-list-row").first().waitFor({ timeout: 10_000 });
      await page.keyboard.press("Enter");
    }
    const panel = page.frameLocator("iframe.webview").frameLocator("iframe#active-frame");
    await panel.locator("#numpy").waitFor({ timeout: 15_000 });
    const panelText = ["math", "numpy", "latex"]
      .map(async (id) => `${id === "numpy" ? "NumPy" : id === "latex" ? "LaTeX" : "Math"}\n${await panel.locator(`#${id}`).innerText()}\n`);
    const panelParts = (await Promise.all(panelText)).join("");
    fs.writeFileSync(path.join(tmp, "panel.txt"), panelParts);
    if (!panelParts.includes("∇_W loss = 2(Wx + b)xᵀ")) {
      fail(`the derivative panel does not show ∇_W loss = 2(Wx + b)xᵀ:\n${panelParts}`);
    }
    log("derivative panel read");
    // The panel typesets with the bundled KaTeX: the gradient, the numerator layout and the
    // steps are rendered math (.katex elements in KaTeX's own fonts), not LaTeX source.
    for (const id of ["equation", "other", "steps"]) {
      await panel.locator(`#${id} .katex`).first().waitFor({ timeout: 15_000 });
      const shown = await panel.locator(`#${id}`).innerText();
      if (/\\(nabla|frac|left|begin|mathrm)/.test(shown)) {
        fail(`the panel's #${id} shows LaTeX source, not typeset math:\n${shown}`);
      }
    }
    const errors = await panel.locator(".katex-error").count();
    if (errors !== 0) {
      fail(`KaTeX could not typeset ${errors} formula(s) in the panel`);
    }
    const fonts = await panel.locator("body").evaluate(async () => {
      await document.fonts.ready;
      return [...document.fonts].filter((f) => f.status === "loaded").map((f) => f.family);
    });
    if (!fonts.some((f) => f.includes("KaTeX_Main")) || !fonts.some((f) => f.includes("KaTeX_Math"))) {
      fail(`the panel did not load KaTeX's bundled fonts (loaded: ${JSON.stringify(fonts)})`);
    }
    const stepsText = (await panel.locator("#steps").innerText()).replace(/\u00a0/g, " ");
    if (!stepsText.includes("product rule")) {
      fail(`the panel's steps do not name their identities:\n${stepsText}`);
    }
    log(`panel typeset by KaTeX (fonts: ${[...new Set(fonts)].length} loaded)`);
    await page.screenshot({ path: path.join(IMAGES, "panel.png"), clip: { x: 0, y: 0, width: 1280, height: 640 } });
    // A copy link runs the extension's copy command, which says what it copied.
    await panel.locator("#copy-numpy").click();
    await page.locator(".notifications-toasts", { hasText: "NumPy copied to the clipboard" }).waitFor({ timeout: 15_000 });
    log("Copy NumPy link copied");
    await page.keyboard.press("Control+1"); // back to the editor: files open beside the panel again

    // The matdiff block of a Python file is served too: its squiggle says what is wrong.
    await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "model.py" }).click();
    await page.locator(".monaco-editor .view-lines").filter({ hasText: "SEP" }).waitFor({ timeout: 10_000 });
    const pySquiggle = page.locator(".monaco-editor .squiggly-error").first();
    await pySquiggle.waitFor({ timeout: 30_000 });
    const pyMessage = "cannot multiply W (m×n) by W (m×n): inner dimensions n and m differ";
    await hoverUntil(page, pySquiggle, hoverWidget, pyMessage);
    log("the Python file's matdiff block is checked");

    // A %%matdiff cell of a notebook is served too (VS Code sends cells as text documents).
    // (From the explorer: after the hover above, Ctrl+P here did not always reach Quick Open.)
    await page.keyboard.press("Escape");
    await page.mouse.move(5, 500);
    await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "demo.ipynb" }).click();
    const cellSquiggle = page.locator(".notebook-editor .cell-editor-container .squiggly-error").first();
    await cellSquiggle.waitFor({ timeout: 60_000 });
    const cellMessage = "cannot multiply A (m×n) by A (m×n): inner dimensions n and m differ";
    await hoverUntil(page, cellSquiggle, hoverWidget, cellMessage);
    log("the notebook's %%matdiff cell is checked");

    // An annotated NumPy function is read as it is written: the shape error of `bad` is a
    // squiggle at its `@`, and a hover on `loss` shows its gradient by each array parameter.
    // (The derivative panel is closed first, so that the editor has the window's width.)
    await page.keyboard.press("Escape");
    await page.mouse.move(5, 500);
    await hoverWidget.waitFor({ state: "hidden", timeout: 10_000 }).catch(() => undefined);
    await page.locator(".tab", { hasText: "matdiff: loss by W" }).locator(".codicon-close").click();
    await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "least_squares.py" }).click();
    const fnEditor = page.locator(".monaco-editor", { has: page.locator(".view-lines", { hasText: "def loss" }) }).first();
    await fnEditor.waitFor({ timeout: 10_000 });
    const fnSquiggle = fnEditor.locator(".squiggly-error").first();
    await fnSquiggle.waitFor({ timeout: 30_000 });
    await hoverUntil(page, fnSquiggle, hoverWidget, functionMismatch);
    log(`NumPy function's squiggle message: ${functionMismatch}`);
    await page.keyboard.press("Escape");
    await page.mouse.move(5, 500);
    await hoverWidget.waitFor({ state: "hidden", timeout: 10_000 }).catch(() => undefined);
    // (Lines found by their text: the DOM order of an editor's lines is not their order.)
    const defLine = fnEditor.locator(".view-line", { hasText: /^def\sloss\(/ }).first();
    const lastLine = fnEditor.locator(".view-line", { hasText: /^\s*return\snp\.sum\(A\s@\sy\)$/ }).first();
    const fnToken = defLine.locator("span span", { hasText: /^loss$/ }).first();
    await hoverUntil(page, fnToken, hoverWidget, "read by matdiff", { ms: 15_000, force: false });
    const fnHover = await hoverWidget.innerText();
    fs.writeFileSync(path.join(tmp, "python-hover.txt"), fnHover);
    if (!fnHover.includes("∇_W loss") || !fnHover.includes("np.outer(W @ x + b, x)")) {
      fail(`the hover on loss does not show its gradient by W:\n${fnHover}`);
    }
    log("NumPy function's gradient hover read");
    const fnHoverBox = page.locator(".monaco-hover:not(.hidden)").first();
    await fnHoverBox.evaluate((e) => Promise.all(e.getAnimations({ subtree: true }).map((a) => a.finished)));
    await shot(page, fnHoverBox, "python-hover.png", [defLine, lastLine]);
    await page.keyboard.press("Escape");
    await page.mouse.move(5, 500);

    const checked = run(PYTHON, [path.join(HERE, "check.py"), path.join(tmp, "hover.txt"), file, path.join(tmp, "panel.txt"),
      path.join(tmp, "python-hover.txt")]);
    process.stdout.write(checked);
    log("PASSED");
  } catch (error) {
    const where = path.join(tmp, "failure.png");
    const pages = browser?.contexts()[0]?.pages() ?? [];
    if (pages[0]) {
      await pages[0].screenshot({ path: where }).catch(() => undefined);
    }
    console.error(`code-server log: ${path.join(tmp, "code-server.log")}; screenshot: ${where}`);
    throw error;
  } finally {
    await browser?.close().catch(() => undefined);
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
}

try {
  await main();
} catch (error) {
  const message = error instanceof Failure ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(`e2e: FAILED: ${message}`);
  process.exitCode = 1;
}
