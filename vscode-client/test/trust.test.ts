/** Workspace trust: a repository's `.vscode/settings.json` must not choose the program the
 * extension runs. The settings that name it are machine-scoped (VS Code ignores them in
 * workspace and folder settings) and restricted in untrusted workspaces. */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

interface Property {
  scope?: string;
}

interface Manifest {
  capabilities?: {
    untrustedWorkspaces?: { supported?: unknown; restrictedConfigurations?: unknown; description?: unknown };
  };
  contributes: { configuration: { properties: Record<string, Property> } };
}

// out/test/trust.test.js → the package root
const manifest = JSON.parse(
  fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"),
) as Manifest;
const properties = manifest.contributes.configuration.properties;
const RUNS_A_PROGRAM = ["matdiff.server.command", "matdiff.server.interpreter"];

describe("untrusted workspaces", () => {
  it("are supported in a limited way, with the settings that run a program restricted", () => {
    const trust = manifest.capabilities?.untrustedWorkspaces;
    assert.ok(trust);
    assert.equal(trust.supported, "limited");
    assert.equal(typeof trust.description, "string");
    assert.deepEqual([...(trust.restrictedConfigurations as string[])].sort(), RUNS_A_PROGRAM);
  });

  it("cannot get the server's command or interpreter from a workspace's settings", () => {
    for (const key of RUNS_A_PROGRAM) {
      assert.ok(key in properties, key);
      assert.equal(properties[key]?.scope, "machine", key);
    }
  });

  it("restrict every setting that names a program", () => {
    const named = Object.keys(properties).filter((key) => key.startsWith("matdiff.server."));
    assert.deepEqual(named.sort(), RUNS_A_PROGRAM);
  });
});
