/**
 * The short flag syntax for dispatch rules: `--action room:demo` for what a rule does and
 * `--window "mon-fri 09:00-18:00 Asia/Shanghai"` for when it applies. Anything the syntax
 * cannot say (an enqueue with skills, say) goes in `--file`.
 */
import { UsageError } from '../args.js';
import type { WireDispatchAction } from '../types.js';

const ACTION_FORMS = [
  'echo',
  'room:<room>',
  'pin-room:<room>:<pin>',
  'prompt:<file>',
  'reject:<status>[:<reason>]',
  'flow:<flowId>',
  'agent:<agentId>',
  'enqueue:<queueId>[:<priority>]',
];

/** Help text listing the action forms. */
export const ACTION_HELP = ACTION_FORMS.join(' | ');

function bad(text: string, why: string): UsageError {
  return new UsageError(`invalid --action '${text}': ${why}`, [`forms: ${ACTION_HELP}`]);
}

/** Parses `--action`. @throws UsageError naming the accepted forms. */
export function parseAction(text: string): WireDispatchAction {
  const colon = text.indexOf(':');
  const type = colon < 0 ? text : text.slice(0, colon);
  const arg = colon < 0 ? '' : text.slice(colon + 1);
  const need = (what: string): string => {
    if (arg === '') throw bad(text, `${type} needs ${what}`);
    return arg;
  };
  switch (type) {
    case 'echo':
      if (arg !== '') throw bad(text, 'echo takes no argument');
      return { type: 'echo' };
    case 'room':
      return { type: 'room', room: need('a room name') };
    case 'prompt':
      // The rest whole: a file path may itself hold colons.
      return { type: 'prompt', file: need('a file') };
    case 'flow':
      return { type: 'flow', flowId: need('a flow id') };
    case 'agent':
      return { type: 'agent', agentId: need('an agent id') };
    case 'pin-room': {
      const last = need('a room and a PIN').lastIndexOf(':');
      if (last <= 0 || last === arg.length - 1) throw bad(text, 'pin-room needs <room>:<pin>');
      return { type: 'pin-room', room: arg.slice(0, last), pin: arg.slice(last + 1) };
    }
    case 'reject': {
      const [status, ...reason] = need('a SIP status').split(':');
      const n = Number(status);
      if (!Number.isInteger(n) || n < 400 || n > 699) {
        throw bad(text, 'the status must be a SIP failure code, 400…699');
      }
      return reason.length > 0
        ? { type: 'reject', status: n, reason: reason.join(':') }
        : { type: 'reject', status: n };
    }
    case 'enqueue': {
      const [queueId, priority, ...more] = need('a queue id').split(':');
      if (more.length > 0 || queueId === '')
        throw bad(text, 'enqueue needs <queueId>[:<priority>]');
      if (priority === undefined) return { type: 'enqueue', queueId };
      const p = Number(priority);
      if (!Number.isInteger(p)) throw bad(text, 'the priority must be a whole number');
      return { type: 'enqueue', queueId, priority: p };
    }
    default:
      throw bad(text, `unknown action '${type}'`);
  }
}

/** An action in the `--action` syntax, for tables (`mask` hides a room PIN). */
export function formatAction(action: WireDispatchAction | undefined, mask = false): string {
  if (action === undefined) return '-';
  const s = (v: unknown): string => (v === undefined ? '' : String(v));
  switch (action.type) {
    case 'echo':
      return 'echo';
    case 'room':
      return `room:${s(action.room)}`;
    case 'prompt':
      return `prompt:${s(action.file)}`;
    case 'flow':
      return `flow:${s(action.flowId)}`;
    case 'agent':
      return `agent:${s(action.agentId)}`;
    case 'pin-room':
      return `pin-room:${s(action.room)}:${mask ? '****' : s(action.pin)}`;
    case 'reject':
      return `reject:${s(action.status)}${action.reason === undefined ? '' : `:${s(action.reason)}`}`;
    case 'enqueue':
      return `enqueue:${s(action.queueId)}${action.priority === undefined ? '' : `:${s(action.priority)}`}`;
    default:
      return JSON.stringify(action);
  }
}

/** A time window as the API takes it. */
export interface WireTimeWindow {
  days: number[];
  start: string;
  end: string;
  timeZone?: string;
}

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const FULL_DAY_NAMES = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
];

/** `mon`, `Monday`, `tues` or `1` → 1. */
function dayNumber(word: string, whole: string): number {
  const lower = word.toLowerCase();
  const byName = FULL_DAY_NAMES.findIndex((n) => lower.length >= 3 && n.startsWith(lower));
  if (byName >= 0) return byName;
  if (/^[0-6]$/.test(word)) return Number(word);
  throw badWindow(whole, `'${word}' is not a day (0–6, 0 = Sunday, or sun…sat)`);
}

function badWindow(text: string, why: string): UsageError {
  return new UsageError(`invalid --window '${text}': ${why}`, [
    'form: "<days> <HH:MM>-<HH:MM> [<time zone>]", e.g. "mon-fri 09:00-18:00 Asia/Shanghai"',
  ]);
}

/**
 * Parses `--window "<days> <HH:MM>-<HH:MM> [<zone>]"`. Days: `mon-fri`, `sat,sun`, `1-5`,
 * `daily`. A range wraps past Saturday (`fri-mon`).
 */
export function parseWindow(text: string): WireTimeWindow {
  const parts = text.trim().split(/\s+/);
  if (parts.length < 2 || parts.length > 3) throw badWindow(text, 'expected days, times, zone');
  const [daysText, timesText, zone] = parts as [string, string, string | undefined];
  const days = new Set<number>();
  if (['daily', '*', 'all'].includes(daysText.toLowerCase())) {
    for (let d = 0; d < 7; d++) days.add(d);
  } else {
    for (const item of daysText.split(',')) {
      const [a, b, ...more] = item.split('-');
      if (more.length > 0 || a === undefined || a === '')
        throw badWindow(text, `bad days '${item}'`);
      const from = dayNumber(a, text);
      const to = b === undefined ? from : dayNumber(b, text);
      for (let d = from; ; d = (d + 1) % 7) {
        days.add(d);
        if (d === to) break;
      }
    }
  }
  const times = /^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$/.exec(timesText);
  if (!times) throw badWindow(text, `bad times '${timesText}' (HH:MM-HH:MM)`);
  const hhmm = (t: string): string => {
    const [h, m] = t.split(':').map(Number) as [number, number];
    if (h > 24 || m > 59 || (h === 24 && m !== 0)) throw badWindow(text, `bad time '${t}'`);
    return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
  };
  return {
    days: [...days].sort((x, y) => x - y),
    start: hhmm(times[1]!),
    end: hhmm(times[2]!),
    ...(zone !== undefined ? { timeZone: zone } : {}),
  };
}

/** A window back in the `--window` syntax. */
export function formatWindow(w: unknown): string {
  const win = w as Partial<WireTimeWindow>;
  if (!Array.isArray(win.days)) return JSON.stringify(w);
  const days =
    win.days.length === 7 ? 'daily' : win.days.map((d) => DAY_NAMES[d] ?? String(d)).join(',');
  return `${days} ${win.start ?? '?'}-${win.end ?? '?'}${win.timeZone ? ` ${win.timeZone}` : ''}`;
}
