/**
 * Evaluates `if` conditions: variable and caller comparisons, time windows and business hours
 * in IANA time zones. Pure: the clock is passed in.
 */
import type {
  BusinessHoursCondition,
  CallerCondition,
  Condition,
  TimeCondition,
  VariableCondition,
} from '../flow-schema.js';
import type { FlowRunContext } from './flow-io.js';
import { getPath } from './variables.js';
import { formatDate, wallClockAt } from '../../language/index.js';

type Scalar = string | number | boolean;
type Day = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
const DAYS: readonly Day[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** A wall-clock reading in one time zone. */
export interface LocalTime {
  /** YYYY-MM-DD. */
  date: string;
  day: Day;
  /** Minutes since local midnight. */
  minutes: number;
}

/** The wall clock at `now` in `timeZone` (default UTC). */
export function localTime(now: Date, timeZone = 'UTC'): LocalTime {
  const clock = wallClockAt(now, timeZone);
  const date = formatDate(clock);
  // The weekday of a calendar date does not depend on the zone: compute it in UTC.
  const day = DAYS[new Date(`${date}T00:00:00Z`).getUTCDay()]!;
  return { date, day, minutes: clock.hour * 60 + clock.minute };
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

function previousDate(date: string): { date: string; day: Day } {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return { date: d.toISOString().slice(0, 10), day: DAYS[d.getUTCDay()]! };
}

/**
 * Whether `local` falls in the window `start`–`end` (end exclusive) on one of `days`. A window
 * whose end is not after its start crosses midnight: its early-morning part belongs to the day
 * it started on, so "fri 22:00–02:00" is open at 01:00 on Saturday and closed at 01:00 on
 * Friday. `closedDates` (holidays) are checked against that same starting day.
 */
export function inWindow(
  local: LocalTime,
  window: { start: string; end: string; days?: readonly Day[]; closedDates?: readonly string[] },
): boolean {
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const open = (day: Day, date: string) =>
    (window.days === undefined || window.days.includes(day)) &&
    !(window.closedDates ?? []).includes(date);
  if (start < end) {
    return local.minutes >= start && local.minutes < end && open(local.day, local.date);
  }
  if (local.minutes >= start) return open(local.day, local.date);
  if (local.minutes < end) {
    const before = previousDate(local.date);
    return open(before.day, before.date);
  }
  return false;
}

function same(a: unknown, b: Scalar): boolean {
  if (a === undefined || a === null) return false;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  // Variables from DTMF or webhooks are often text: "1" equals 1, "true" equals true.
  return String(a) === String(b);
}

function compare(value: unknown, c: VariableCondition | CallerCondition): boolean {
  if (c.eq !== undefined && !same(value, c.eq)) return false;
  if (c.ne !== undefined && same(value, c.ne)) return false;
  if (c.in !== undefined && !c.in.some((v) => same(value, v))) return false;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (c.gt !== undefined && !(value !== '' && n > c.gt)) return false;
  if (c.lt !== undefined && !(value !== '' && n < c.lt)) return false;
  return true;
}

/** A caller attribute: the context's attributes first, then what the context itself knows. */
export function callerAttribute(
  context: Pick<FlowRunContext, 'attributes' | 'caller' | 'called'>,
  name: CallerCondition['caller'],
): string | undefined {
  const given = context.attributes[name];
  if (given !== undefined) return given;
  if (name === 'number') return context.caller;
  if (name === 'called') return context.called;
  if (name === 'anonymous') {
    const c = context.caller;
    return String(c === undefined || c === '' || /anonymous|restricted|unknown/i.test(c));
  }
  return undefined;
}

/** Whether `condition` holds for this run at `now`. */
export function evaluateCondition(
  condition: Condition,
  context: Pick<FlowRunContext, 'attributes' | 'caller' | 'called' | 'variables'>,
  now: Date,
): boolean {
  if ('variable' in condition) {
    return compare(getPath(context.variables, condition.variable), condition);
  }
  if ('caller' in condition) {
    return compare(callerAttribute(context, condition.caller), condition);
  }
  if ('time' in condition) return timeHolds(condition, now);
  return businessHoursHold(condition, now);
}

function timeHolds(c: TimeCondition, now: Date): boolean {
  const { start, end, days, timeZone } = c.time;
  return inWindow(localTime(now, timeZone), { start, end, ...(days ? { days } : {}) });
}

function businessHoursHold(c: BusinessHoursCondition, now: Date): boolean {
  const { start, end, days, timeZone, holidays } = c.businessHours;
  const local = localTime(now, timeZone);
  return inWindow(local, { start, end, days, closedDates: holidays ?? [] });
}
