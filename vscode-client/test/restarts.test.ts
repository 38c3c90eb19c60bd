/** Crash restarts are bounded: at most `limit` within the window. */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { crashMessage, RestartPolicy } from "../src/restarts";

describe("RestartPolicy", () => {
  it("allows `limit` restarts in the window, then refuses", () => {
    const policy = new RestartPolicy(3, 60_000);
    assert.deepEqual([0, 1000, 2000, 3000].map((t) => policy.crashed(t)), [true, true, true, false]);
    assert.match(crashMessage(false, policy), /stopped 4 times in 1 minutes and will not be restarted/);
  });

  it("forgets crashes older than the window", () => {
    const policy = new RestartPolicy(2, 60_000);
    assert.equal(policy.crashed(0), true);
    assert.equal(policy.crashed(10_000), true);
    assert.equal(policy.crashed(65_000), true); // the crash at 0 has left the window
    assert.equal(policy.crashed(65_001), false);
  });

  it("starts again after a restart the user asked for", () => {
    const policy = new RestartPolicy(1, 60_000);
    policy.crashed(0);
    assert.equal(policy.crashed(1), false);
    policy.reset();
    assert.equal(policy.crashed(2), true);
    assert.match(crashMessage(true, policy), /restarting it \(1 of 1\)/);
  });
});
