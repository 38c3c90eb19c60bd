/** Settings mapping: what the server is sent, and what the client reads to start it. */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULTS, launchSettings, needsRestart, serverSettings, type Section } from "../src/settings";

function section(values: Record<string, unknown>): Section {
  return { get: (key: string) => values[key] };
}

describe("serverSettings", () => {
  it("passes the three keys the server reads, and nothing else", () => {
    const got = serverSettings(
      section({
        layout: "gradient",
        stepsOnHover: false,
        numericCheck: false,
        "server.command": ["/x/matdiff", "lsp"],
        "server.interpreter": "/usr/bin/python3",
      }),
    );
    assert.deepEqual(got, { layout: "gradient", stepsOnHover: false, numericCheck: false });
  });

  it("uses the server's defaults for missing or ill-typed values", () => {
    assert.deepEqual(serverSettings(section({})), DEFAULTS);
    assert.deepEqual(DEFAULTS, { layout: "both", stepsOnHover: true, numericCheck: true });
    assert.deepEqual(
      serverSettings(section({ layout: "hessian", stepsOnHover: "no", numericCheck: 0 })),
      DEFAULTS,
    );
  });

  it("accepts each layout", () => {
    for (const layout of ["gradient", "numerator", "both"]) {
      assert.equal(serverSettings(section({ layout })).layout, layout);
    }
  });
});

describe("launchSettings", () => {
  it("reads the command as a list, dropping empty and non-string entries", () => {
    const got = launchSettings(section({ "server.command": ["/venv/bin/matdiff", "", 3, "lsp"] }));
    assert.deepEqual(got, { command: ["/venv/bin/matdiff", "lsp"], interpreter: "" });
  });

  it("takes a single string as one program, and trims the interpreter", () => {
    assert.deepEqual(
      launchSettings(section({ "server.command": " /opt/matdiff ", "server.interpreter": " /py " })),
      { command: ["/opt/matdiff"], interpreter: "/py" },
    );
    assert.deepEqual(launchSettings(section({})), { command: [], interpreter: "" });
  });

  it("restarts the server only when the launch settings change", () => {
    assert.equal(needsRestart((key) => key === "matdiff.server"), true);
    assert.equal(needsRestart((key) => key === "matdiff"), false);
  });
});
