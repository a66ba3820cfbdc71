/**
 * Vitest glue for suites that need an installed program (espeak-ng, pocketsphinx, flite):
 * skip with the reason in the suite title when it is missing, or fail loudly when
 * `SWITCHBOARD_E2E=required` says it must be there (CI), so a missing package can never turn a
 * run silently green. The same pattern as `test/e2e/helpers/baresip-suite.ts`.
 *
 * Test-only: nothing outside `*.test.ts` files imports this module.
 */
import { describe, it } from 'vitest';

/**
 * `describe` that runs only when `tool` is usable. `unavailableReason` is undefined when it is
 * (callers find out with the tool's own availability check, awaited at the top of the file).
 */
export function describeWithTool(
  tool: string,
  unavailableReason: string | undefined,
  title: string,
  body: () => void,
): void {
  if (unavailableReason === undefined) {
    describe(title, body);
    return;
  }
  if (process.env.SWITCHBOARD_E2E === 'required') {
    describe(title, () => {
      it(`has ${tool} installed`, () => {
        throw new Error(`${tool} unavailable: ${unavailableReason} (SWITCHBOARD_E2E=required)`);
      });
    });
    return;
  }
  describe.skip(
    `${title} [skipped: ${unavailableReason}; SWITCHBOARD_E2E=required makes this fail]`,
    body,
  );
}
