"""The demo notebook in a real JupyterLab, in Chromium: its math is typeset, and a
screenshot of it goes to ``docs/notebook.png`` (the README shows it).

Opt-in (``-m slow``): it needs JupyterLab (``pip install jupyterlab``), Debian's ``chromium``
and the VS Code extension's ``playwright-core`` (``npm ci`` in ``vscode-client``).  The
notebook is executed by nbclient first; JupyterLab shows the saved outputs, rendering
``text/latex`` with the MathJax it bundles.  Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_jupyter import ROOT, execute_notebook

pytestmark = pytest.mark.slow
PLAYWRIGHT = ROOT / "vscode-client" / "node_modules" / "playwright-core"
CHROMIUM = "/usr/bin/chromium"
IMAGE = ROOT / "docs" / "notebook.png"

SCRIPT = r"""
const { chromium } = require(process.argv[1]);
const [url, image, executable] = process.argv.slice(2);
(async () => {
  const browser = await chromium.launch({ executablePath: executable, headless: true,
                                          args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 1500 } });
    await context.route("**/*", (route) => {
      const { hostname, protocol } = new URL(route.request().url());
      return hostname === "127.0.0.1" || protocol === "data:" || protocol === "blob:"
        ? route.continue() : route.abort();
    });
    const page = await context.newPage();
    await page.goto(url);
    const math = page.locator(".jp-RenderedLatex mjx-container");
    await math.nth(3).waitFor({ timeout: 60000 });
    await page.waitForTimeout(1000);  // MathJax typesets the rest, fonts settle
    const latex = await page.locator(".jp-RenderedLatex").allInnerTexts();
    const stderr = await page
      .locator('.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]')
      .allInnerTexts();
    const cells = page.locator(".jp-Notebook .jp-Cell");
    const box = await cells.nth(2).boundingBox();
    const end = await cells.nth(6).boundingBox();  // the steps, both layouts, an error
    await page.screenshot({ path: image, clip: { x: 0, y: Math.max(box.y - 8, 0), width: 1200,
                                                 height: Math.min(end.y - box.y + 8, 1400) } });
    process.stdout.write(JSON.stringify({ math: await math.count(), latex, stderr }));
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_jupyterlab_typesets_the_demo_notebook(tmp_path: Path) -> None:
    pytest.importorskip("jupyterlab")
    nbformat = pytest.importorskip("nbformat")
    node = shutil.which("node")
    if node is None or not PLAYWRIGHT.is_dir() or not Path(CHROMIUM).exists():
        pytest.skip("needs node, vscode-client/node_modules/playwright-core and chromium")
    nb = execute_notebook(tmp_path / "kernel")
    work = tmp_path / "work"
    work.mkdir()
    nbformat.write(nb, work / "demo.ipynb")
    port = _free_port()
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "PYTHONPATH": str(ROOT / "server"),
    }
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    log = (tmp_path / "lab.log").open("w")
    lab = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
         f"--ServerApp.root_dir={work}", "--ServerApp.allow_root=True"],
        env=env, stdout=log, stderr=log,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or lab.poll() is not None:
                    pytest.fail(f"JupyterLab did not start: {(tmp_path / 'lab.log').read_text()}")
                time.sleep(0.5)
        IMAGE.parent.mkdir(exist_ok=True)
        url = f"http://127.0.0.1:{port}/doc/tree/demo.ipynb"
        done = subprocess.run(
            [node, "-e", SCRIPT, str(PLAYWRIGHT), url, str(IMAGE), CHROMIUM],
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        shown = json.loads(done.stdout)
    finally:
        lab.terminate()
        lab.wait(timeout=30)
        log.close()
    assert shown["math"] >= 4  # the steps, the gradient, both layouts by x, the error cell's
    assert not [t for t in shown["latex"] if "\\nabla" in t or "$$" in t]  # typeset, not source
    assert any(t.startswith("line 3: cannot multiply A (m×n) by B (m×n)") for t in shown["stderr"])
    assert IMAGE.stat().st_size > 10_000
