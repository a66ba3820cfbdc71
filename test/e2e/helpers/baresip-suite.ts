/**
 * Vitest glue for suites that need baresip: skip (with the reason in the suite title) when it
 * is not installed, or fail loudly when `SWITCHBOARD_E2E=required` says it must be there (CI),
 * so a missing package can never turn the e2e run silently green.
 */
import { afterEach, describe, it } from 'vitest';
import { Baresip } from './baresip.js';

/** `describe` that runs only when baresip is usable; see the module comment. */
export function describeWithBaresip(title: string, body: () => void): void {
  const missing = Baresip.unavailableReason();
  if (missing === undefined) {
    describe(title, body);
    return;
  }
  if (process.env.SWITCHBOARD_E2E === 'required') {
    describe(title, () => {
      it('has baresip installed', () => {
        throw new Error(`baresip not installed: ${missing} (SWITCHBOARD_E2E=required)`);
      });
    });
    return;
  }
  describe.skip(`${title} [skipped: ${missing}; SWITCHBOARD_E2E=required makes this fail]`, body);
}

/**
 * Registers an `afterEach` that prints the output and events of the given instances when the
 * test failed: the SIP trace is usually the only way to see what went wrong on the wire.
 */
export function dumpBaresipOnFailure(instances: () => Array<Baresip | undefined>): void {
  afterEach((ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    for (const instance of instances())
      instance?.dumpOutput(`after failed test "${ctx.task.name}"`);
  });
}
