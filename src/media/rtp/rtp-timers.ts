/** Timer functions an RTP session uses, injectable so that tests drive time. */
export interface RtpTimers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers, unreferenced: media timers must not keep a process alive on their own. */
export const defaultRtpTimers: RtpTimers = {
  setTimeout: (callback, delayMs) => {
    const t = setTimeout(callback, delayMs);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
