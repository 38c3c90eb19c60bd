/** Server discovery: setting → interpreter setting → PATH → the Python extension → a message. */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findServer, installCommand, which, type DiscoveryEnv } from "../src/discovery";

function env(over: Partial<DiscoveryEnv> & { files?: string[]; withMatdiff?: string[] } = {}): DiscoveryEnv {
  const files = new Set(over.files ?? []);
  const withMatdiff = new Set(over.withMatdiff ?? []);
  return {
    path: "/usr/local/bin:/usr/bin",
    platform: "linux",
    isExecutable: (file) => files.has(file),
    pythonExtensionInterpreter: () => Promise.resolve(undefined),
    hasMatdiff: (python) => Promise.resolve(withMatdiff.has(python)),
    ...over,
  };
}

const NONE = { command: [], interpreter: "" };

describe("findServer", () => {
  it("uses the command setting first, as given", async () => {
    const got = await findServer(
      { command: ["/venv/bin/matdiff", "lsp", "--stdio"], interpreter: "/py" },
      env({ files: ["/usr/bin/matdiff"] }),
    );
    assert.deepEqual(got, { command: "/venv/bin/matdiff", args: ["lsp", "--stdio"], source: "setting" });
  });

  it("then the interpreter setting, running -m matdiff lsp", async () => {
    const got = await findServer({ command: [], interpreter: "/venv/bin/python" }, env({ files: ["/usr/bin/matdiff"] }));
    assert.deepEqual(got, { command: "/venv/bin/python", args: ["-m", "matdiff", "lsp"], source: "interpreter setting" });
  });

  it("then the first matdiff on PATH", async () => {
    const got = await findServer(NONE, env({ files: ["/usr/bin/matdiff", "/usr/local/bin/matdiff"] }));
    assert.deepEqual(got, { command: "/usr/local/bin/matdiff", args: ["lsp"], source: "PATH" });
  });

  it("then the Python extension's interpreter, if matdiff imports there", async () => {
    const python = "/home/me/.venv/bin/python";
    const found = await findServer(
      NONE,
      env({ pythonExtensionInterpreter: () => Promise.resolve(python), withMatdiff: [python] }),
    );
    assert.deepEqual(found, { command: python, args: ["-m", "matdiff", "lsp"], source: "Python extension" });
  });

  it("else says what to install into the selected Python", async () => {
    const python = "/home/me/.venv/bin/python";
    const got = await findServer(NONE, env({ pythonExtensionInterpreter: () => Promise.resolve(python) }));
    assert.ok("message" in got);
    assert.equal(got.install, "/home/me/.venv/bin/python -m pip install /path/to/matdiff");
    assert.match(got.message, /not installed in the selected Python \(\/home\/me\/\.venv\/bin\/python\)/);
    assert.ok(got.message.includes("`/home/me/.venv/bin/python -m pip install /path/to/matdiff`"));
    assert.match(got.message, /matdiff\.server\.command/);
  });

  it("else, with no Python at all, says python3", async () => {
    const got = await findServer(NONE, env({ path: undefined }));
    assert.ok("message" in got);
    assert.equal(got.install, "python3 -m pip install /path/to/matdiff");
    assert.match(got.message, /no Python interpreter is selected/);
  });

  it("does not ask the Python extension when matdiff is on PATH", async () => {
    let asked = false;
    await findServer(
      NONE,
      env({
        files: ["/usr/bin/matdiff"],
        pythonExtensionInterpreter: () => {
          asked = true;
          return Promise.resolve(undefined);
        },
      }),
    );
    assert.equal(asked, false);
  });
});

describe("which", () => {
  it("skips empty PATH entries and finds Windows suffixes", () => {
    const found = which("matdiff", ";/c/tools", "win32", (f) => f === "/c/tools/matdiff.exe");
    assert.equal(found, "/c/tools/matdiff.exe");
    assert.equal(which("matdiff", "", "linux", () => true), undefined);
  });
});

describe("installCommand", () => {
  it("quotes an interpreter path with spaces", () => {
    assert.equal(installCommand("/Users/A B/py"), '"/Users/A B/py" -m pip install /path/to/matdiff');
  });
});
