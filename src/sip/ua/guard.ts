/**
 * Timers and fire-and-forget promises run application listeners (a call's `ended` handlers,
 * say) outside any caller that could catch what they throw. These wrappers turn such an
 * exception into a process warning instead of a crash: one bad listener must not take every
 * other call down with it. The application logs warnings (see src/main.ts).
 */

function report(err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  process.emitWarning(error, { code: 'SWITCHBOARD_SIP_CALLBACK' });
}

/** Runs `fn`, reporting instead of throwing. */
export function guarded(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    report(err);
  }
}

/** Lets a promise run on its own, reporting a rejection instead of leaving it unhandled. */
export function background(promise: Promise<unknown>): void {
  promise.catch(report);
}
