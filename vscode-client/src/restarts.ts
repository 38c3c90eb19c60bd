/**
 * Bounded restarts after crashes: at most `limit` restarts within a sliding `windowMs`; past
 * that the server stays down until the user restarts it.
 */
export class RestartPolicy {
  private crashes: number[] = [];

  constructor(
    readonly limit = 3,
    readonly windowMs = 3 * 60_000,
  ) {}

  /** Record a crash at `now`; true if the server may be restarted. */
  crashed(now: number): boolean {
    this.crashes = this.crashes.filter((t) => now - t < this.windowMs);
    this.crashes.push(now);
    return this.crashes.length <= this.limit;
  }

  /** Crashes counted in the current window. */
  get recent(): number {
    return this.crashes.length;
  }

  /** After a restart the user asked for, count from zero. */
  reset(): void {
    this.crashes = [];
  }
}

/** What to tell the user after a crash. */
export function crashMessage(restarting: boolean, policy: RestartPolicy): string {
  if (restarting) {
    return `matdiff: the language server stopped unexpectedly; restarting it (${policy.recent} of ${policy.limit}).`;
  }
  const minutes = Math.round(policy.windowMs / 60_000);
  return (
    `matdiff: the language server stopped ${policy.recent} times in ${minutes} minutes and ` +
    "will not be restarted. See its output, then run \"matdiff: Restart server\"."
  );
}
