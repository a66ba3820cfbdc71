/**
 * `switchboard call dial|hangup|dtmf|play|mute|transfer|move`: controlling calls (singular
 * `call`, as in "call dial", beside the plural `calls` that reads history). These routes may
 * be missing on an older server; the 404 it answers is reported as such by main.
 */
import { UsageError, type Command, type CommandContext, type Group } from '../args.js';
import { DEFAULT_TIMEOUT_MS } from '../client.js';
import type { WireCall } from '../types.js';
import { defined, flag, int, required, seg, str } from './common.js';
import { confirm } from './crud.js';

/** Ring time assumed for `--wait` when none is given, to size the request timeout. */
const ASSUMED_RING_S = 60;

/** The call id in a dial answer: the call itself, or `{ call: … }`. */
function dialledCall(answer: unknown): WireCall | undefined {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const a = answer as { id?: unknown; call?: unknown };
  if (typeof a.id === 'string') return a as WireCall;
  if (typeof a.call === 'object' && a.call !== null) return a.call as WireCall;
  return undefined;
}

const dial: Command = {
  kind: 'command',
  name: 'dial',
  summary: 'Place an outbound call',
  description:
    'Calls --to through an outbound trunk and connects the callee to a room, a flow or an\n' +
    'agent. With --wait the command returns once the callee answers (or fails to).',
  options: {
    to: { type: 'string', placeholder: '<number>', description: 'Number or SIP URI to call' },
    trunk: { type: 'string', placeholder: '<trunkId>', description: 'Outbound trunk' },
    from: { type: 'string', placeholder: '<number>', description: 'Caller ID to present' },
    room: { type: 'string', placeholder: '<room>', description: 'Put the callee in this room' },
    flow: { type: 'string', placeholder: '<flowId>', description: 'Run this flow on answer' },
    agent: { type: 'string', placeholder: '<agentId>', description: 'Connect this AI agent' },
    wait: { type: 'boolean', description: 'Return only once answered (or failed)' },
    'ring-timeout': { type: 'string', placeholder: '<s>', description: 'Give up ringing after' },
    'max-duration': { type: 'string', placeholder: '<s>', description: 'Hang up after' },
    dtmf: { type: 'string', placeholder: '<digits>', description: 'Send these digits on answer' },
  },
  examples: [
    'switchboard call dial --trunk t1 --to +8613800000000 --room demo',
    'switchboard call dial --to +8613800000000 --agent support --wait --ring-timeout 30',
  ],
  async run(ctx) {
    const where = 'switchboard call dial';
    const ringTimeoutS = int(ctx.values, 'ring-timeout', { min: 1 });
    const wait = flag(ctx.values, 'wait');
    const body = defined({
      to: required(ctx.values, 'to', where),
      trunk: str(ctx.values, 'trunk'),
      from: str(ctx.values, 'from'),
      room: str(ctx.values, 'room'),
      flow: str(ctx.values, 'flow'),
      agent: str(ctx.values, 'agent'),
      waitUntilAnswered: wait ? true : undefined,
      ringTimeoutS,
      maxDurationS: int(ctx.values, 'max-duration', { min: 1 }),
      dtmf: str(ctx.values, 'dtmf'),
    });
    const api = await ctx.api();
    // Waiting for an answer takes as long as the phone rings: do not time out before it does.
    const timeoutMs = wait
      ? (ringTimeoutS ?? ASSUMED_RING_S) * 1000 + DEFAULT_TIMEOUT_MS
      : DEFAULT_TIMEOUT_MS;
    const answer = await api.request<unknown>('POST', '/v1/calls', { body, timeoutMs });
    const call = dialledCall(answer);
    confirm(
      ctx,
      answer,
      call === undefined
        ? `dialled ${body.to as string}`
        : `dialled ${body.to as string}: call ${call.id}${call.state ? ` (${call.state})` : ''}`,
    );
  },
};

/** A call-control command: POST `/v1/calls/:id/<action>` and a one-line confirmation. */
async function control(
  ctx: CommandContext,
  path: string,
  body: Record<string, unknown> | undefined,
  line: string,
): Promise<void> {
  const api = await ctx.api();
  const answer = await api.request<unknown>('POST', path, body === undefined ? {} : { body });
  confirm(ctx, answer, line);
}

const hangup: Command = {
  kind: 'command',
  name: 'hangup',
  summary: 'End a call (every participant)',
  positionals: [{ name: 'callId' }],
  async run(ctx) {
    const [id] = ctx.positionals as [string];
    await control(ctx, `/v1/calls/${seg(id)}/hangup`, undefined, `hung up call ${id}`);
  },
};

const dtmf: Command = {
  kind: 'command',
  name: 'dtmf',
  summary: 'Send DTMF digits into a call',
  positionals: [{ name: 'callId' }, { name: 'digits' }],
  examples: ["switchboard call dtmf ca_123 '1234#'"],
  async run(ctx) {
    const [id, digits] = ctx.positionals as [string, string];
    await control(ctx, `/v1/calls/${seg(id)}/dtmf`, { digits }, `sent ${digits} to call ${id}`);
  },
};

const play: Command = {
  kind: 'command',
  name: 'play',
  summary: 'Play an audio file into a call',
  positionals: [{ name: 'callId' }, { name: 'file' }],
  examples: ['switchboard call play ca_123 prompts/welcome.wav'],
  async run(ctx) {
    const [id, file] = ctx.positionals as [string, string];
    await control(ctx, `/v1/calls/${seg(id)}/play`, { file }, `playing ${file} on call ${id}`);
  },
};

const mute: Command = {
  kind: 'command',
  name: 'mute',
  summary: 'Mute (or with --off unmute) a participant',
  positionals: [{ name: 'callId' }, { name: 'participantId' }],
  options: { off: { type: 'boolean', description: 'Unmute instead' } },
  examples: ['switchboard call mute ca_123 pa_456', 'switchboard call mute ca_123 pa_456 --off'],
  async run(ctx) {
    const [id, pid] = ctx.positionals as [string, string];
    const muted = !flag(ctx.values, 'off');
    await control(
      ctx,
      `/v1/calls/${seg(id)}/participants/${seg(pid)}/mute`,
      { muted },
      `${muted ? 'muted' : 'unmuted'} participant ${pid} of call ${id}`,
    );
  },
};

const transfer: Command = {
  kind: 'command',
  name: 'transfer',
  summary: 'Transfer a call to a number or SIP URI',
  positionals: [{ name: 'callId' }, { name: 'to' }],
  examples: ['switchboard call transfer ca_123 +8613900000000'],
  async run(ctx) {
    const [id, to] = ctx.positionals as [string, string];
    await control(ctx, `/v1/calls/${seg(id)}/transfer`, { to }, `transferring call ${id} to ${to}`);
  },
};

const move: Command = {
  kind: 'command',
  name: 'move',
  summary: 'Move a participant to a room or into another call',
  positionals: [{ name: 'callId' }, { name: 'participantId' }],
  options: {
    room: { type: 'string', placeholder: '<room>', description: 'Destination room' },
    call: { type: 'string', placeholder: '<callId>', description: 'Destination call' },
  },
  examples: [
    'switchboard call move ca_123 pa_456 --room support',
    'switchboard call move ca_123 pa_456 --call ca_789',
  ],
  async run(ctx) {
    const [id, pid] = ctx.positionals as [string, string];
    const room = str(ctx.values, 'room');
    const callId = str(ctx.values, 'call');
    if ((room === undefined) === (callId === undefined)) {
      throw new UsageError("'switchboard call move' needs exactly one of --room and --call");
    }
    await control(
      ctx,
      `/v1/calls/${seg(id)}/participants/${seg(pid)}/move`,
      room !== undefined ? { room } : { callId },
      `moved participant ${pid} to ${room !== undefined ? `room ${room}` : `call ${callId}`}`,
    );
  },
};

/** The `call` group (control). */
export const callGroup: Group = {
  kind: 'group',
  name: 'call',
  summary: 'Call control: dial, hang up, DTMF, play, mute, transfer, move',
  children: [dial, hangup, dtmf, play, mute, transfer, move],
  examples: ['switchboard call dial --trunk t1 --to +8613800000000 --room demo'],
};
