/** `switchboard calls list|get|participants|turns`: call history and live calls (read-only). */
import { UsageError, type Command, type Group } from '../args.js';
import {
  formatBool,
  formatDuration,
  formatMap,
  formatTime,
  orNone,
  renderRecord,
  renderTable,
  type Column,
} from '../table.js';
import type { WireCall, WireList, WireParticipant, WireVoiceTurn } from '../types.js';
import { flag, int, printList, printOne, seg, str } from './common.js';

const STATES = ['ringing', 'answered', 'on-hold', 'transferring', 'ended'];

/** Most pages `--all` follows: a guard against a server whose cursor never ends. */
const MAX_PAGES = 1000;

/** How a call or participant ended: the reason and the SIP status, when known. */
function formatEnd(reason: string | undefined, status: number | undefined): string {
  if (reason === undefined && status === undefined) return '-';
  return [reason, status === undefined ? undefined : String(status)].filter(Boolean).join(' ');
}

/** Table of calls; `now` ends the duration of calls still up. */
export function renderCalls(items: WireCall[], now: Date = new Date()): string {
  const columns: Column<WireCall>[] = [
    { header: 'id', value: (c) => c.id },
    { header: 'direction', value: (c) => orNone(c.direction) },
    { header: 'state', value: (c) => orNone(c.state) },
    { header: 'from', value: (c) => orNone(c.caller) },
    { header: 'to', value: (c) => orNone(c.callee) },
    { header: 'trunk', value: (c) => orNone(c.trunkId) },
    { header: 'started', value: (c) => formatTime(c.createdAt) },
    {
      header: 'duration',
      value: (c) => formatDuration(c.answeredAt, c.endedAt, now),
      align: 'right',
    },
    { header: 'end', value: (c) => formatEnd(c.endReason, c.sipStatus) },
  ];
  return renderTable(items, columns);
}

function callRecord(c: WireCall, now: Date): string {
  const explanation = c.matchExplanation ?? [];
  return (
    renderRecord([
      ['id', c.id],
      ['direction', orNone(c.direction)],
      ['state', orNone(c.state)],
      ['from', orNone(c.caller)],
      ['to', orNone(c.callee)],
      ['trunk', orNone(c.trunkId)],
      ['rule', orNone(c.ruleId)],
      ['attributes', formatMap(c.attributes)],
      ['started', formatTime(c.createdAt)],
      ['answered', formatTime(c.answeredAt)],
      ['ended', formatTime(c.endedAt)],
      ['duration', formatDuration(c.answeredAt, c.endedAt, now)],
      ['end', formatEnd(c.endReason, c.sipStatus)],
    ]) +
    (explanation.length > 0
      ? `why this rule:\n${explanation.map((l) => `  - ${l}`).join('\n')}\n`
      : '')
  );
}

/** Table of participants. */
export function renderParticipants(items: WireParticipant[]): string {
  return renderTable(items, [
    { header: 'id', value: (p) => p.id },
    { header: 'kind', value: (p) => orNone(p.kind) },
    { header: 'identity', value: (p) => orNone(p.identity) },
    { header: 'state', value: (p) => orNone(p.state) },
    { header: 'room', value: (p) => orNone(p.room) },
    { header: 'muted', value: (p) => formatBool(p.muted) },
    { header: 'joined', value: (p) => formatTime(p.joinedAt) },
    { header: 'left', value: (p) => formatTime(p.leftAt) },
    { header: 'end', value: (p) => formatEnd(p.endReason, p.sipStatus) },
  ]);
}

/**
 * `--since`: an ISO time, or an age like `90s`, `15m`, `2h`, `7d` (counted back from `now`).
 * @throws UsageError for anything else.
 */
export function parseSince(text: string, now: Date): string {
  const age = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (age) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[age[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(age[1]) * unit * 1000).toISOString();
  }
  const t = Date.parse(text);
  if (Number.isNaN(t)) {
    throw new UsageError(
      `--since must be a time (2025-01-31T08:00) or an age (15m, 2h, 7d), not '${text}'`,
    );
  }
  return new Date(t).toISOString();
}

const list: Command = {
  kind: 'command',
  name: 'list',
  summary: 'List calls, newest first',
  options: {
    state: {
      type: 'string',
      placeholder: STATES.join('|'),
      description: 'Only calls in this state',
    },
    since: {
      type: 'string',
      placeholder: '<time|age>',
      description: 'Only calls started since a time or within an age (15m, 2h, 7d)',
    },
    limit: {
      type: 'string',
      placeholder: '<n>',
      description: 'Page size, 1…1000 (server default 50)',
    },
    cursor: { type: 'string', placeholder: '<cursor>', description: 'Page after a previous one' },
    all: { type: 'boolean', description: 'Follow every page' },
  },
  examples: [
    'switchboard calls list --state answered',
    'switchboard calls list --since 2h --limit 200',
    'switchboard calls list --since 2025-01-31 --all --json',
  ],
  async run(ctx) {
    const state = str(ctx.values, 'state');
    if (state !== undefined && !STATES.includes(state)) {
      throw new UsageError(`--state must be one of ${STATES.join(', ')}, not '${state}'`);
    }
    const since = str(ctx.values, 'since');
    const query = {
      state,
      since: since === undefined ? undefined : parseSince(since, ctx.out.now()),
      limit: int(ctx.values, 'limit', { min: 1, max: 1000 }),
      cursor: str(ctx.values, 'cursor'),
    };
    const api = await ctx.api();
    let page = await api.get<WireList<WireCall>>('/v1/calls', query);
    if (flag(ctx.values, 'all')) {
      const items = [...(page?.items ?? [])];
      for (let n = 1; page?.nextCursor !== undefined && n < MAX_PAGES; n++) {
        page = await api.get<WireList<WireCall>>('/v1/calls', {
          ...query,
          cursor: page.nextCursor,
        });
        items.push(...(page?.items ?? []));
      }
      page = { items, ...(page?.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}) };
    }
    printList(ctx, page, (items) => renderCalls(items, ctx.out.now()), 'no calls');
    if (!ctx.json && page?.nextCursor !== undefined) {
      ctx.out.print(`more: switchboard calls list --cursor ${page.nextCursor} (or --all)`);
    }
  },
};

const get: Command = {
  kind: 'command',
  name: 'get',
  summary: 'Show one call, and why its dispatch rule matched',
  positionals: [{ name: 'callId' }],
  async run(ctx) {
    const api = await ctx.api();
    const call = await api.get<WireCall>(`/v1/calls/${seg(ctx.positionals[0]!)}`);
    printOne(ctx, call, (c) => callRecord(c, ctx.out.now()));
  },
};

const participants: Command = {
  kind: 'command',
  name: 'participants',
  summary: "List a call's participants (legs)",
  positionals: [{ name: 'callId' }],
  async run(ctx) {
    const api = await ctx.api();
    const answer = await api.get<WireList<WireParticipant>>(
      `/v1/calls/${seg(ctx.positionals[0]!)}/participants`,
    );
    printList(ctx, answer, renderParticipants, 'no participants');
  },
};

/** Table of voice-bot turns: what was said, whether it was cut, and how fast the bot answered. */
export function renderTurns(items: WireVoiceTurn[]): string {
  return renderTable(items, [
    { header: '#', value: (t) => String(t.index) },
    { header: 'caller', value: (t) => orNone(t.userText) },
    { header: 'bot (as heard)', value: (t) => orNone(t.assistantText) },
    { header: 'cut', value: (t) => formatBool(t.interrupted) },
    {
      header: 'first audio',
      value: (t) => (t.latency.firstPacket === undefined ? '-' : `${t.latency.firstPacket} ms`),
    },
    {
      header: 'events',
      value: (t) => orNone(t.events.map((e) => String(e.type)).join(', ') || undefined),
    },
  ]);
}

const turns: Command = {
  kind: 'command',
  name: 'turns',
  summary: "List a voice-bot call's turns with latencies and events",
  positionals: [{ name: 'callId' }],
  async run(ctx) {
    const api = await ctx.api();
    const answer = await api.get<WireList<WireVoiceTurn>>(
      `/v1/calls/${seg(ctx.positionals[0]!)}/turns`,
    );
    printList(ctx, answer, renderTurns, 'no voice turns');
  },
};

/** The `calls` group (reading); call control is `call` (singular). */
export const callsGroup: Group = {
  kind: 'group',
  name: 'calls',
  summary: 'Call history and live calls (control them with `switchboard call …`)',
  children: [list, get, participants, turns],
};
