/**
 * Keys pressed during a voice conversation, gathered into one entry: it ends with `#` or after
 * a pause, the way callers key in a policy number, a date or "1 for yes". Kept apart from the
 * session so the session only decides what a finished entry means.
 */

/** See the module comment. */
export class KeyedEntry {
  private digits = '';
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param pauseMs silence between keys that ends the entry
   * @param onEntry told the digits of a finished entry (`''` for a lone `#`)
   */
  constructor(
    private readonly pauseMs: number,
    private readonly onEntry: (digits: string) => void,
  ) {}

  /** One key: `#` ends the entry now, any other key waits for the next or the pause. */
  press(digit: string): void {
    clearTimeout(this.timer);
    if (digit === '#') return this.finish();
    this.digits += digit;
    this.timer = setTimeout(() => this.finish(), this.pauseMs);
  }

  /** Drops what was keyed (the session ended). */
  cancel(): void {
    clearTimeout(this.timer);
    this.digits = '';
  }

  private finish(): void {
    const digits = this.digits;
    this.digits = '';
    this.onEntry(digits);
  }
}
