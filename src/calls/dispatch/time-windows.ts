/**
 * Time-of-day windows in IANA time zones, evaluated with `Intl.DateTimeFormat` (no time-zone
 * library: Node ships full ICU data, and these are the only conversions needed).
 */
import type { TimeWindow } from '../../store/index.js';

/** Day abbreviations, index 0 = Sunday as in {@link TimeWindow.days}. */
const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/** The default zone of a window that names none. */
export const DEFAULT_TIME_ZONE = 'UTC';

// `HH:MM`, 00:00–23:59; the end of a window may also be 24:00 (the end of the day).
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes since midnight of `HH:MM`, 24:00 allowed when `isEnd`; `undefined` when invalid. */
export function parseClock(text: string, isEnd = false): number | undefined {
  if (isEnd && text === '24:00') return 24 * 60;
  const m = HHMM.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

// Building a DateTimeFormat is costly (ICU setup); rules evaluate on every call, so keep one
// per zone. Invalid zones are not cached (the constructor throws).
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      // h23, not hour12: false — the latter renders midnight as "24" in some ICU versions.
      hourCycle: 'h23',
    });
    if (formatters.size >= 500) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone name `Intl` knows. */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '') return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The local weekday (0 = Sunday) and minutes since midnight of `at` in `timeZone`.
 *
 * @throws RangeError for an unknown time zone.
 */
export function localTime(at: Date, timeZone: string): { day: number; minutes: number } {
  let day = -1;
  let hour = 0;
  let minute = 0;
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type === 'weekday') day = DAY_NAMES.indexOf(part.value as (typeof DAY_NAMES)[number]);
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  if (day < 0) throw new RangeError(`cannot determine the weekday in ${timeZone}`);
  return { day, minutes: hour * 60 + minute };
}

/**
 * Whether `at` falls inside the window, in the window's zone (default UTC).
 *
 * - `start` is inclusive, `end` exclusive: 09:00–18:00 includes 09:00 and 17:59, not 18:00.
 *   `end` may be `24:00`.
 * - `days` name the day a window *starts* on; empty means every day. A window whose start is
 *   after its end crosses midnight: Fri 22:00–06:00 runs from Friday 22:00 to Saturday 06:00,
 *   so Saturday 03:00 is inside it and Friday 03:00 is not (unless Thursday is listed too).
 * - `start` equal to `end` is a full 24 hours from `start` (00:00–00:00 is the whole day).
 * - Local times come from `Intl`, so daylight-saving shifts are honoured: 09:00 in
 *   Europe/Berlin is 08:00Z in winter and 07:00Z in summer.
 *
 * @throws RangeError for an unknown zone or a malformed `HH:MM`; validate windows when rules are
 *   saved ({@link timeWindowProblems}).
 */
export function isInsideWindow(window: TimeWindow, at: Date): boolean {
  const start = parseClock(window.start);
  const end = parseClock(window.end, true);
  if (start === undefined || end === undefined) {
    throw new RangeError('time window start/end must be HH:MM');
  }
  const { day, minutes } = localTime(at, window.timeZone ?? DEFAULT_TIME_ZONE);
  const onDay = (d: number): boolean => window.days.length === 0 || window.days.includes(d);
  if (start < end) return onDay(day) && minutes >= start && minutes < end;
  // Crosses midnight (or lasts 24 hours): the evening part belongs to today's window, the
  // early-morning part to yesterday's.
  return (onDay(day) && minutes >= start) || (onDay((day + 6) % 7) && minutes < end);
}

/** A short human description: `Mon–Fri 09:00–18:00 Asia/Shanghai`. */
export function describeWindow(window: TimeWindow): string {
  return `${describeDays(window.days)} ${window.start}–${window.end} ${window.timeZone ?? DEFAULT_TIME_ZONE}`;
}

/** `Mon–Fri`, `Sat, Sun`, `Mon, Wed–Fri`, `every day` (all seven, or none listed). */
export function describeDays(days: readonly number[]): string {
  const sorted = [...new Set(days)].filter((d) => d >= 0 && d <= 6).sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.length === 7) return 'every day';
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    const from = DAY_NAMES[sorted[i]!]!;
    const to = DAY_NAMES[sorted[j]!]!;
    // Runs of three or more read as a range; two adjacent days read better listed.
    if (j - i >= 2) parts.push(`${from}–${to}`);
    else parts.push(...sorted.slice(i, j + 1).map((d) => DAY_NAMES[d]!));
    i = j + 1;
  }
  return parts.join(', ');
}

/**
 * Problems with one time window, as `{ field, message }` with fields relative to the window
 * (`days`, `start`, `end`, `timeZone`). Accepts untrusted input (a parsed request body).
 */
export function timeWindowProblems(window: unknown): Array<{ field: string; message: string }> {
  if (typeof window !== 'object' || window === null || Array.isArray(window)) {
    return [{ field: '', message: 'must be an object with days, start, end and timeZone' }];
  }
  const w = window as Record<string, unknown>;
  const problems: Array<{ field: string; message: string }> = [];
  if (!Array.isArray(w.days)) {
    problems.push({ field: 'days', message: 'must be an array of weekdays 0 (Sunday)–6' });
  } else if (
    !w.days.every((d) => Number.isInteger(d) && (d as number) >= 0 && (d as number) <= 6)
  ) {
    problems.push({ field: 'days', message: 'weekdays must be integers 0 (Sunday)–6 (Saturday)' });
  }
  if (typeof w.start !== 'string' || parseClock(w.start) === undefined) {
    problems.push({ field: 'start', message: 'must be a time HH:MM (00:00–23:59)' });
  }
  if (typeof w.end !== 'string' || parseClock(w.end, true) === undefined) {
    problems.push({ field: 'end', message: 'must be a time HH:MM (00:00–24:00)' });
  }
  if (w.timeZone !== undefined) {
    if (typeof w.timeZone !== 'string' || !isValidTimeZone(w.timeZone)) {
      problems.push({
        field: 'timeZone',
        message: 'must be an IANA time zone such as Europe/Paris or Asia/Shanghai',
      });
    }
  }
  return problems;
}
