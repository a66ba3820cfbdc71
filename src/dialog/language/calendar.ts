/**
 * Calendar days and wall-clock times in a time zone: day arithmetic on UTC midnights (so no
 * zone or DST change can shift a day), "today" in the caller's zone, and ISO 8601 with the
 * zone's offset. Uses only `Intl`, no time-zone database of its own.
 */
/** A calendar day. */
export interface CalendarDate {
  year: number;
  /** 1–12. */
  month: number;
  /** 1–31. */
  day: number;
}

/** Where "today" is. */
export interface DateContext {
  now: Date;
  /** IANA zone; "today" and wall-clock times are read there. */
  timeZone: string;
}

const DAY_MS = 86_400_000;

/** Milliseconds of the day's UTC midnight. */
export function toUtcMs(date: CalendarDate): number {
  return Date.UTC(date.year, date.month - 1, date.day);
}

/** The UTC day of a time in milliseconds. */
export function fromUtcMs(ms: number): CalendarDate {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The day `days` later (earlier when negative). */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  return fromUtcMs(toUtcMs(date) + days * DAY_MS);
}

/** The same day `months` later, clamped to the month's last day (31 Jan + 1 → 28/29 Feb). */
export function addMonths(date: CalendarDate, months: number): CalendarDate {
  const first = new Date(Date.UTC(date.year, date.month - 1 + months, 1));
  const lastDay = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0));
  return {
    year: first.getUTCFullYear(),
    month: first.getUTCMonth() + 1,
    day: Math.min(date.day, lastDay.getUTCDate()),
  };
}

/** Day of the week, Sunday = 0. */
export function weekday(date: CalendarDate): number {
  return new Date(toUtcMs(date)).getUTCDay();
}

/** Whether year/month/day name a real day (no 31 April, 29 February only in leap years). */
export function isRealDate(year: number, month: number, day: number): boolean {
  if (![year, month, day].every(Number.isInteger) || year < 1000 || year > 9999) return false;
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** `YYYY-MM-DD`. */
export function formatDate(date: CalendarDate): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

// ---- time zones --------------------------------------------------------------------------

/** A calendar date with the time of day, as a clock in some zone shows it. */
export interface WallClock extends CalendarDate {
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock in `timeZone` at `instant` (formatters cached per zone). */
export function wallClockAt(instant: Date, timeZone: string): WallClock {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, fmt);
  }
  const parts: Record<string, number> = {};
  for (const p of fmt.formatToParts(instant)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour! % 24,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** Offset of `timeZone` from UTC at `instant`, in minutes (east positive). */
function offsetMinutesAt(instant: Date, timeZone: string): number {
  const wall = wallClockAt(instant, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** Today's date in the context's zone. */
export function todayIn(context: DateContext): CalendarDate {
  const wall = wallClockAt(context.now, context.timeZone);
  return { year: wall.year, month: wall.month, day: wall.day };
}

/**
 * The wall-clock time `date` `hour:minute` in `timeZone` as ISO 8601 with that zone's offset,
 * e.g. `2026-03-05T15:30:00+08:00`. In a DST gap the next valid instant is used.
 */
export function formatZonedDateTime(
  date: CalendarDate,
  hour: number,
  minute: number,
  timeZone: string,
): string {
  const wallMs = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  // Two passes: the offset at the guessed instant may differ from the one at the true instant.
  let instant = wallMs - offsetMinutesAt(new Date(wallMs), timeZone) * 60_000;
  instant = wallMs - offsetMinutesAt(new Date(instant), timeZone) * 60_000;
  return formatInstant(new Date(instant), timeZone);
}

/** An instant as ISO 8601 in `timeZone`'s wall clock with its offset. */
export function formatInstant(instant: Date, timeZone: string): string {
  const wall = wallClockAt(instant, timeZone);
  const offset = offsetMinutesAt(instant, timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const zone = offset === 0 ? 'Z' : `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${formatDate(wall)}T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}${zone}`;
}

/** An ISO 8601 timestamp; without an offset it is a wall-clock time in `timeZone`. */
export function parseIsoInstant(text: string, timeZone: string): Date | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(
      text.trim(),
    );
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
  if (!isRealDate(year!, month!, day!) || hour! > 23 || minute! > 59) return undefined;
  if (m[8] !== undefined) {
    const ms = Date.parse(text.trim().replace(' ', 'T'));
    return Number.isNaN(ms) ? undefined : new Date(ms);
  }
  const iso = formatZonedDateTime(
    { year: year!, month: month!, day: day! },
    hour!,
    minute!,
    timeZone,
  );
  const second = Number(m[6] ?? 0);
  return new Date(Date.parse(iso) + second * 1000);
}
