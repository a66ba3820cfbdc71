/**
 * `switchboard call dial|hangup|dtmf|play|mute|hold|transfer|move`: controlling calls (singular
 * `call`, as in "call dial", beside the plural `calls` that reads history). These routes may
 * be missing on an older server; the 404 it answers is reported as such by main.
 */
import {
  UsageError,
  type Command,
  type CommandContext,
  type Group,
  type OptionSpec,
} from '../args.js';
import { DEFAULT_TIMEOUT_MS } from '../client.js';
import type { WireCall } from '../types.js';
import { defined, flag, int, pairs, required, seg, str } from './common.js';
import { confirm } from './crud.js';

/** Ring time assumed for `--wait` when none is given, to size the request timeout. */
const ASSUMED_RING_S = 60;

/** The flags that say where an answered call goes: the server takes at most one. */
const TARGET_FLAGS = ['room', 'echo', 'prompt', 'join', 'flow', 'agent'] as const;

/** The call id in a dial answer: the call itself, or `{ call: … }`. */
function dialledCall(answer: unknown): WireCall | undefined {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const a = answer as { id?: unknown; call?: unknown };
  if (typeof a.id === 'string') return a as WireCall;
  if (typeof a.call === 'object' && a.call !== null) return a.call as WireCall;
  return undefined;
}

/** Why a call ended, for people: `busy (486)`, `SIP 503`, or nothing when the server is mute. */
function endDetail(call: WireCall): string | undefined {
  const status = call.sipStatus;
  if (call.endReason !== undefined) {
    return status !== undefined ? `${call.endReason} (${status})` : call.endReason;
  }
  return status !== undefined ? `SIP ${status}` : undefined;
}

/** A participant flag shared by the commands that act on one party of a call. */
const PARTICIPANT_OPTION: Record<string, OptionSpec> = {
  participant: {
    type: 'string',
    placeholder: '<participantId>',
    description: 'Only this participant of the call',
  },
};

const dial: Command = {
  kind: 'command',
  name: 'dial',
  summary: 'Place an outbound call',
  description:
    'Calls --to (a number through --trunk, a registered user or a SIP URI) and, once answered,\n' +
    'connects it to a room (--room), the echo test (--echo), a prompt (--prompt) or another\n' +
    'live call (--join); at most one of them. With --wait the command returns once the callee\n' +
    'answers or the call ends; a call that ends unanswered exits 1 with the reason.',
  options: {
    to: { type: 'string', placeholder: '<number>', description: 'Number or SIP URI to call' },
    trunk: { type: 'string', placeholder: '<trunkId>', description: 'Outbound trunk' },
    from: { type: 'string', placeholder: '<number>', description: 'Caller ID to present' },
    room: { type: 'string', placeholder: '<room>', description: 'Put the callee in this room' },
    echo: { type: 'boolean', description: 'Connect the callee to the echo test' },
    prompt: { type: 'string', placeholder: '<file>', description: 'Play this file, then hang up' },
    join: { type: 'string', placeholder: '<callId>', description: 'Join this live call' },
    flow: {
      type: 'string',
      placeholder: '<flowId>',
      description: 'Run this flow on answer (needs a server with flows)',
    },
    agent: {
      type: 'string',
      placeholder: '<agentId>',
      description: 'Connect this AI agent (needs a server with AI agents)',
    },
    wait: { type: 'boolean', description: 'Return only once answered (or ended)' },
    'ring-timeout': { type: 'string', placeholder: '<s>', description: 'Give up ringing after' },
    'max-duration': { type: 'string', placeholder: '<s>', description: 'Hang up after' },
    dtmf: { type: 'string', placeholder: '<digits>', description: 'Send these digits on answer' },
    header: {
      type: 'string',
      multiple: true,
      placeholder: '<Name=Value>',
      description: 'Extra SIP header on the INVITE',
    },
  },
  examples: [
    'switchboard call dial --trunk t1 --to +8613800000000 --room demo',
    'switchboard call dial --trunk t1 --to +8613800000000 --echo --wait --ring-timeout 30',
    'switchboard call dial --to alice --join ca_123 --header X-Ticket=4711',
  ],
  async run(ctx) {
    const where = 'switchboard call dial';
    const targets = TARGET_FLAGS.filter((name) => ctx.values[name] !== undefined);
    if (targets.length > 1) {
      throw new UsageError(
        `'${where}' takes at most one of ${TARGET_FLAGS.map((n) => `--${n}`).join(', ')}`,
        [`--${targets[0]!} and --${targets[1]!} were both given`],
      );
    }
    const ringTimeoutS = int(ctx.values, 'ring-timeout', { min: 1 });
    const wait = flag(ctx.values, 'wait');
    const body = defined({
      to: required(ctx.values, 'to', where),
      trunkId: str(ctx.values, 'trunk'),
      from: str(ctx.values, 'from'),
      room: str(ctx.values, 'room'),
      echo: flag(ctx.values, 'echo') ? true : undefined,
      prompt: str(ctx.values, 'prompt'),
      callId: str(ctx.values, 'join'),
      flow: str(ctx.values, 'flow'),
      agent: str(ctx.values, 'agent'),
      waitUntilAnswered: wait ? true : undefined,
      ringTimeoutS,
      maxDurationS: int(ctx.values, 'max-duration', { min: 1 }),
      dtmf: str(ctx.values, 'dtmf'),
      headers: pairs(ctx.values, 'header'),
    });
    const to = body.to as string;
    const api = await ctx.api();
    // Waiting for an answer takes as long as the phone rings: do not time out before it does.
    const timeoutMs = wait
      ? (ringTimeoutS ?? ASSUMED_RING_S) * 1000 + DEFAULT_TIMEOUT_MS
      : DEFAULT_TIMEOUT_MS;
    const answer = await api.request<unknown>('POST', '/v1/calls', { body, timeoutMs });
    const call = dialledCall(answer);
    if (call?.state === 'ended' && call.answeredAt === undefined) {
      // Busy, declined, no answer: the request worked but the call did not, and a script
      // must be able to tell (main prints the message and exits 1).
      if (ctx.json) ctx.out.json(answer);
      const detail = endDetail(call);
      throw new Error(`call ${call.id} to ${to} ended unanswered${detail ? `: ${detail}` : ''}`);
    }
    confirm(
      ctx,
      answer,
      call === undefined
        ? `dialled ${to}`
        : `dialled ${to}: call ${call.id}${call.state ? ` (${call.state})` : ''}`,
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
  description: "Sends to --participant, or by default to the call's first live participant.",
  positionals: [{ name: 'callId' }, { name: 'digits' }],
  options: PARTICIPANT_OPTION,
  examples: [
    "switchboard call dtmf ca_123 '1234#'",
    'switchboard call dtmf ca_123 1 --participant pa_2',
  ],
  async run(ctx) {
    const [id, digits] = ctx.positionals as [string, string];
    await control(
      ctx,
      `/v1/calls/${seg(id)}/dtmf`,
      defined({ digits, participantId: str(ctx.values, 'participant') }),
      `sent ${digits} to call ${id}`,
    );
  },
};

const play: Command = {
  kind: 'command',
  name: 'play',
  summary: 'Play an audio file into a call',
  description: 'Plays to --participant, or by default to every live participant of the call.',
  positionals: [{ name: 'callId' }, { name: 'file' }],
  options: PARTICIPANT_OPTION,
  examples: ['switchboard call play ca_123 prompts/welcome.wav'],
  async run(ctx) {
    const [id, file] = ctx.positionals as [string, string];
    await control(
      ctx,
      `/v1/calls/${seg(id)}/play`,
      defined({ file, participantId: str(ctx.values, 'participant') }),
      `playing ${file} on call ${id}`,
    );
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

const hold: Command = {
  kind: 'command',
  name: 'hold',
  summary: 'Put a participant on hold (or with --off resume it)',
  positionals: [{ name: 'callId' }, { name: 'participantId' }],
  options: { off: { type: 'boolean', description: 'Resume instead' } },
  examples: ['switchboard call hold ca_123 pa_456', 'switchboard call hold ca_123 pa_456 --off'],
  async run(ctx) {
    const [id, pid] = ctx.positionals as [string, string];
    const held = !flag(ctx.values, 'off');
    await control(
      ctx,
      `/v1/calls/${seg(id)}/participants/${seg(pid)}/hold`,
      { held },
      `${held ? 'held' : 'resumed'} participant ${pid} of call ${id}`,
    );
  },
};

const transfer: Command = {
  kind: 'command',
  name: 'transfer',
  summary: 'Transfer a call to a number or SIP URI',
  description:
    "Transfers --participant, or by default the call's first participant: by REFER when its\n" +
    'far end accepts one, otherwise by dialling --to (through --trunk) and bridging it in.',
  positionals: [{ name: 'callId' }, { name: 'to' }],
  options: {
    ...PARTICIPANT_OPTION,
    trunk: { type: 'string', placeholder: '<trunkId>', description: 'Outbound trunk to dial' },
  },
  examples: [
    'switchboard call transfer ca_123 +8613900000000',
    'switchboard call transfer ca_123 +8613900000000 --participant pa_2 --trunk t1',
  ],
  async run(ctx) {
    const [id, to] = ctx.positionals as [string, string];
    await control(
      ctx,
      `/v1/calls/${seg(id)}/transfer`,
      defined({
        to,
        participantId: str(ctx.values, 'participant'),
        trunkId: str(ctx.values, 'trunk'),
      }),
      `transferring call ${id} to ${to}`,
    );
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
  summary: 'Call control: dial, hang up, DTMF, play, mute, hold, transfer, move',
  children: [dial, hangup, dtmf, play, mute, hold, transfer, move],
  examples: ['switchboard call dial --trunk t1 --to +8613800000000 --room demo'],
};
