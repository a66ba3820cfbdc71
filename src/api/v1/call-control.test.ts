/**
 * The call-control routes against a real store and the real API server, over a recording
 * {@link CallControl}: the control is the seam here, so these tests check validation, the
 * mapping from bodies to control calls, status codes and error shapes (the real control is
 * tested with the call service).
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CallControlRefusal,
  type CallControl,
  type CallSnapshot,
  type DialRequest,
  type MoveTarget,
} from '../../calls/index.js';
import {
  ConflictError,
  NotFoundError,
  type CallRecord,
  type ParticipantRecord,
} from '../../store/index.js';
import { registerCallControlRoutes } from './call-control.js';
import { issueFields, useTestApi } from './test-api.js';

/** One call the routes made on the control. */
interface ControlCall {
  method: keyof CallControl;
  args: unknown[];
}

/** A CallControl that records each call and answers from real store records. */
class RecordingControl implements CallControl {
  readonly calls: ControlCall[] = [];
  /** The next action fails with this, once. */
  failNext: Error | undefined;
  call!: CallRecord;
  participant!: ParticipantRecord;

  private record(method: keyof CallControl, ...args: unknown[]): void {
    this.calls.push({ method, args });
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
  }

  async dial(request: DialRequest): Promise<CallSnapshot> {
    this.record('dial', request);
    return { call: this.call, participants: [this.participant] };
  }
  async hangup(callId: string, reason?: string): Promise<void> {
    this.record('hangup', callId, reason);
  }
  async sendDtmf(callId: string, digits: string, participantId?: string): Promise<void> {
    this.record('sendDtmf', callId, digits, participantId);
  }
  async play(callId: string, file: string, participantId?: string): Promise<void> {
    this.record('play', callId, file, participantId);
  }
  async transfer(
    callId: string,
    to: string,
    opts?: { participantId?: string; trunkId?: string },
  ): Promise<{ method: 'refer' | 'bridge' }> {
    this.record('transfer', callId, to, opts);
    return { method: 'bridge' };
  }
  async mute(callId: string, participantId: string, muted: boolean): Promise<ParticipantRecord> {
    this.record('mute', callId, participantId, muted);
    return { ...this.participant, muted };
  }
  async hold(callId: string, participantId: string, held: boolean): Promise<ParticipantRecord> {
    this.record('hold', callId, participantId, held);
    return { ...this.participant, state: held ? 'on-hold' : 'answered' };
  }
  async move(callId: string, participantId: string, to: MoveTarget): Promise<ParticipantRecord> {
    this.record('move', callId, participantId, to);
    return { ...this.participant, ...('room' in to ? { room: to.room } : {}) };
  }

  /** The last call, failing when there is none. */
  last(): ControlCall {
    const last = this.calls.at(-1);
    if (!last) throw new Error('the control was not called');
    return last;
  }
}

const control = new RecordingControl();
const api = useTestApi({ routes: [(router) => registerCallControlRoutes(router, control)] });
let operator: string;

beforeAll(async () => {
  operator = await api.keyWith('operator');
  control.call = await api.store.calls.createCall({
    direction: 'outbound',
    state: 'answered',
    caller: '+861088886666',
    callee: '+8613800000000',
    createdAt: new Date('2025-03-01T08:00:00Z'),
    answeredAt: new Date('2025-03-01T08:00:05Z'),
  });
  control.participant = await api.store.calls.addParticipant({
    callId: control.call.id,
    kind: 'sip',
    identity: '+8613800000000',
    state: 'answered',
    joinedAt: new Date('2025-03-01T08:00:00Z'),
  });
});
beforeEach(() => {
  control.calls.length = 0;
  control.failNext = undefined;
});

const post = (url: string, payload?: unknown, key?: string) =>
  api.inject('POST', url, payload, key ?? operator);

describe('POST /v1/calls', () => {
  it('maps the body to a dial request and answers 201 with the call and its participants', async () => {
    const res = await post('/v1/calls', {
      to: '+8613800000000',
      trunkId: 'tr_1',
      from: '+861088886666',
      room: 'support.queue-1',
      waitUntilAnswered: true,
      ringTimeoutS: 30,
      maxDurationS: 3600,
      dtmf: 'ww12#',
      headers: { 'X-Campaign': 'spring', 'P-Asserted-Identity': '<sip:+861088886666@pbx>' },
    });
    expect(res.statusCode).toBe(201);
    expect(control.last()).toEqual({
      method: 'dial',
      args: [
        {
          to: '+8613800000000',
          trunkId: 'tr_1',
          from: '+861088886666',
          target: { type: 'room', room: 'support.queue-1' },
          waitUntilAnswered: true,
          ringTimeoutS: 30,
          maxDurationS: 3600,
          dtmf: 'ww12#',
          headers: { 'X-Campaign': 'spring', 'P-Asserted-Identity': '<sip:+861088886666@pbx>' },
        },
      ],
    });
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['call', 'participants']);
    expect(body.call).toMatchObject({
      id: control.call.id,
      direction: 'outbound',
      state: 'answered',
      createdAt: '2025-03-01T08:00:00.000Z',
      answeredAt: '2025-03-01T08:00:05.000Z',
    });
    expect(body.participants).toEqual([
      expect.objectContaining({
        id: control.participant.id,
        callId: control.call.id,
        muted: false,
      }),
    ]);
  });

  it.each([
    [{ echo: true }, { type: 'echo' }],
    [{ prompt: 'prompts/welcome.wav' }, { type: 'prompt', file: 'prompts/welcome.wav' }],
    [{ callId: 'ca_9' }, { type: 'call', callId: 'ca_9' }],
  ])('maps the target %j', async (target, expected) => {
    const res = await post('/v1/calls', { to: 'alice', ...target });
    expect(res.statusCode).toBe(201);
    expect(control.last().args[0]).toEqual({ to: 'alice', target: expected });
  });

  it('sends only what was given: no target, no undefined fields', async () => {
    expect((await post('/v1/calls', { to: 'sip:bob@192.0.2.10:5060' })).statusCode).toBe(201);
    expect(control.last().args[0]).toStrictEqual({ to: 'sip:bob@192.0.2.10:5060' });
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['missing to', {}, ['to']],
    ['empty to', { to: ' ' }, ['to']],
    ['to too long', { to: '1'.repeat(257) }, ['to']],
    ['dtmf with letters', { to: '+1', dtmf: '12x' }, ['dtmf']],
    ['dtmf too long', { to: '+1', dtmf: '1'.repeat(65) }, ['dtmf']],
    ['room and echo', { to: '+1', room: 'demo', echo: true }, ['echo']],
    ['prompt and callId', { to: '+1', prompt: 'a.wav', callId: 'ca_1' }, ['callId']],
    ['echo false', { to: '+1', echo: false }, ['echo']],
    ['bad room name', { to: '+1', room: 'demo room' }, ['room']],
    ['flow', { to: '+1', flow: 'fl_1' }, ['flow']],
    ['agent', { to: '+1', agent: 'support' }, ['agent']],
    ['forbidden Via', { to: '+1', headers: { Via: 'SIP/2.0/UDP evil' } }, ['headers.Via']],
    ['forbidden call-id', { to: '+1', headers: { 'call-id': 'x' } }, ['headers.call-id']],
    ['forbidden CSEQ', { to: '+1', headers: { CSEQ: '1 INVITE' } }, ['headers.CSEQ']],
    ['non-token header', { to: '+1', headers: { 'X Foo': 'a' } }, ['headers.X Foo']],
    ['header value with CRLF', { to: '+1', headers: { 'X-A': 'a\r\nVia: x' } }, ['headers.X-A']],
    [
      'too many headers',
      {
        to: '+1',
        headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-${i}`, 'v'])),
      },
      ['headers'],
    ],
    ['ringTimeoutS 0', { to: '+1', ringTimeoutS: 0 }, ['ringTimeoutS']],
    ['ringTimeoutS 601', { to: '+1', ringTimeoutS: 601 }, ['ringTimeoutS']],
    ['ringTimeoutS fraction', { to: '+1', ringTimeoutS: 1.5 }, ['ringTimeoutS']],
    ['ringTimeoutS as text', { to: '+1', ringTimeoutS: '30' }, ['ringTimeoutS']],
    ['maxDurationS too long', { to: '+1', maxDurationS: 86_401 }, ['maxDurationS']],
    ['trunk (the old name)', { to: '+1', trunk: 't1' }, ['trunk']],
  ])('answers 400 naming the field: %s', async (_, payload, fields) => {
    const res = await post('/v1/calls', payload);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error).toBe('bad_request');
    expect(issueFields(body)).toEqual(fields);
    expect(control.calls).toEqual([]);
  });

  it('says that flows and AI agents arrive with a later release', async () => {
    const res = await post('/v1/calls', { to: '+1', flow: 'fl_1', agent: 'support' });
    expect(res.json().issues).toEqual([
      {
        field: 'flow',
        message: 'flows are not available in this version yet (they arrive with a later release)',
      },
      {
        field: 'agent',
        message:
          'AI agents are not available in this version yet (they arrive with a later release)',
      },
    ]);
  });

  it('names both targets in the message of the second', async () => {
    const res = await post('/v1/calls', { to: '+1', callId: 'ca_1', room: 'demo' });
    expect(res.json().issues).toEqual([
      {
        field: 'callId',
        message: 'cannot be given with room: a call goes to one of room, echo, prompt, callId',
      },
    ]);
  });

  it('answers a refusal with its status and field', async () => {
    control.failNext = new CallControlRefusal(
      'to',
      'destination +1900 is outside the prefixes trunk tr_1 allows',
    );
    const res = await post('/v1/calls', { to: '+1900', trunkId: 'tr_1' });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({
      error: 'refused',
      field: 'to',
      message: 'destination +1900 is outside the prefixes trunk tr_1 allows',
    });
    control.failNext = new CallControlRefusal('trunkId', 'trunk tr_1 is at its limit', 429);
    const busy = await post('/v1/calls', { to: '+1', trunkId: 'tr_1' });
    expect(busy.statusCode).toBe(429);
    expect(busy.json()).toEqual({
      error: 'refused',
      field: 'trunkId',
      message: 'trunk tr_1 is at its limit',
    });
  });

  it('answers 404 for an unknown trunk and 409 with the field for a conflict', async () => {
    control.failNext = new NotFoundError('outbound trunk', 'tr_x');
    const missing = await post('/v1/calls', { to: '+1', trunkId: 'tr_x' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      error: 'not_found',
      message: 'outbound trunk tr_x not found',
    });
    control.failNext = new ConflictError('callId', 'call ca_9 has ended');
    const ended = await post('/v1/calls', { to: '+1', callId: 'ca_9' });
    expect(ended.statusCode).toBe(409);
    expect(ended.json()).toEqual({
      error: 'conflict',
      field: 'callId',
      message: 'call ca_9 has ended',
    });
  });
});

describe('actions on a live call', () => {
  it('hangs up, with or without a body and a reason', async () => {
    const plain = await api.app.inject({
      method: 'POST',
      url: '/v1/calls/ca_1/hangup',
      headers: api.auth(operator),
    });
    expect(plain.statusCode).toBe(200);
    expect(plain.json()).toEqual({ ok: true });
    expect(control.last()).toEqual({ method: 'hangup', args: ['ca_1', undefined] });
    expect((await post('/v1/calls/ca_1/hangup', { reason: 'done' })).statusCode).toBe(200);
    expect(control.last().args).toEqual(['ca_1', 'done']);
  });

  it('sends DTMF, to a participant when one is named', async () => {
    const res = await post('/v1/calls/ca_1/dtmf', { digits: '1234*#AD' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    expect(control.last()).toEqual({ method: 'sendDtmf', args: ['ca_1', '1234*#AD', undefined] });
    await post('/v1/calls/ca_1/dtmf', { digits: '9', participantId: 'pa_2' });
    expect(control.last().args).toEqual(['ca_1', '9', 'pa_2']);
  });

  it('plays a file with 202', async () => {
    const res = await post('/v1/calls/ca_1/play', {
      file: 'prompts/hold.wav',
      participantId: 'pa_2',
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ ok: true });
    expect(control.last()).toEqual({ method: 'play', args: ['ca_1', 'prompts/hold.wav', 'pa_2'] });
  });

  it('transfers with 202 and says how', async () => {
    const res = await post('/v1/calls/ca_1/transfer', {
      to: '+8613900000000',
      participantId: 'pa_2',
      trunkId: 'tr_1',
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ ok: true, method: 'bridge' });
    expect(control.last()).toEqual({
      method: 'transfer',
      args: ['ca_1', '+8613900000000', { participantId: 'pa_2', trunkId: 'tr_1' }],
    });
    await post('/v1/calls/ca_1/transfer', { to: 'sip:desk@pbx' });
    expect(control.last().args).toStrictEqual(['ca_1', 'sip:desk@pbx', {}]);
  });

  it.each<[string, unknown, string[]]>([
    ['/v1/calls/ca_1/dtmf', { digits: '12w' }, ['digits']],
    ['/v1/calls/ca_1/dtmf', {}, ['digits']],
    ['/v1/calls/ca_1/dtmf', { digits: '1', participantId: 'pa 2' }, ['participantId']],
    ['/v1/calls/ca_1/play', { file: '' }, ['file']],
    ['/v1/calls/ca_1/play', { file: 'a'.repeat(513) }, ['file']],
    ['/v1/calls/ca_1/transfer', {}, ['to']],
    ['/v1/calls/ca_1/hangup', { reson: 'x' }, ['reson']],
    ['/v1/calls/ca%201/hangup', {}, ['params.id']],
    ['/v1/calls/ca_1/participants/pa%202/mute', {}, ['params.pid']],
    ['/v1/calls/ca_1/participants/pa_2/mute', { muted: 'yes' }, ['muted']],
  ])('POST %s %j answers 400 naming the field', async (url, payload, fields) => {
    const res = await post(url, payload);
    expect(res.statusCode).toBe(400);
    expect(issueFields(res.json())).toEqual(fields);
    expect(control.calls).toEqual([]);
  });

  it('answers 404 for an unknown call and 409 naming the field for a conflict', async () => {
    control.failNext = new NotFoundError('call', 'ca_gone');
    const gone = await post('/v1/calls/ca_gone/hangup');
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toEqual({ error: 'not_found', message: 'call ca_gone not found' });
    control.failNext = new ConflictError('participantId', 'participant pa_2 has not answered');
    const early = await post('/v1/calls/ca_1/dtmf', { digits: '1', participantId: 'pa_2' });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toEqual({
      error: 'conflict',
      field: 'participantId',
      message: 'participant pa_2 has not answered',
    });
  });

  it('answers a transfer refusal with its status', async () => {
    control.failNext = new CallControlRefusal('to', 'no trunk may call +1900', 400);
    const res = await post('/v1/calls/ca_1/transfer', { to: '+1900' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'refused',
      field: 'to',
      message: 'no trunk may call +1900',
    });
  });
});

describe('actions on a participant', () => {
  const url = (action: string) => `/v1/calls/ca_1/participants/pa_2/${action}`;

  it('mutes by default, unmutes with muted: false, and answers the participant', async () => {
    const res = await post(url('mute'));
    expect(res.statusCode).toBe(200);
    expect(control.last()).toEqual({ method: 'mute', args: ['ca_1', 'pa_2', true] });
    expect(res.json()).toMatchObject({ id: control.participant.id, muted: true });
    expect(res.json().joinedAt).toBe('2025-03-01T08:00:00.000Z');
    const off = await post(url('mute'), { muted: false });
    expect(control.last().args).toEqual(['ca_1', 'pa_2', false]);
    expect(off.json()).toMatchObject({ muted: false });
  });

  it('holds by default and resumes with held: false', async () => {
    const held = await post(url('hold'), {});
    expect(held.statusCode).toBe(200);
    expect(control.last()).toEqual({ method: 'hold', args: ['ca_1', 'pa_2', true] });
    expect(held.json()).toMatchObject({ id: control.participant.id, state: 'on-hold' });
    const resumed = await post(url('hold'), { held: false });
    expect(control.last().args).toEqual(['ca_1', 'pa_2', false]);
    expect(resumed.json()).toMatchObject({ state: 'answered' });
  });

  it('moves to a room or into a call', async () => {
    const res = await post(url('move'), { room: 'support' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ room: 'support' });
    expect(control.last()).toEqual({ method: 'move', args: ['ca_1', 'pa_2', { room: 'support' }] });
    await post(url('move'), { callId: 'ca_9' });
    expect(control.last().args).toEqual(['ca_1', 'pa_2', { callId: 'ca_9' }]);
  });

  it('refuses a move to neither or both places, naming the field', async () => {
    const neither = await post(url('move'), {});
    expect(neither.statusCode).toBe(400);
    expect(issueFields(neither.json())).toEqual(['room']);
    const both = await post(url('move'), { room: 'support', callId: 'ca_9' });
    expect(both.statusCode).toBe(400);
    expect(issueFields(both.json())).toEqual(['callId']);
    expect(control.calls).toEqual([]);
  });

  it('answers 404 for an unknown participant', async () => {
    control.failNext = new NotFoundError('participant', 'pa_2');
    expect((await post(url('hold'))).statusCode).toBe(404);
  });
});

describe('scope', () => {
  it('needs an operator key: read-only and agent keys get 403, no key 401', async () => {
    const readOnly = await api.keyWith('read-only');
    const agent = await api.keyWith('agent');
    for (const key of [readOnly, agent]) {
      const dial = await post('/v1/calls', { to: '+1' }, key);
      expect(dial.statusCode).toBe(403);
      expect((await post('/v1/calls/ca_1/participants/pa_2/mute', {}, key)).statusCode).toBe(403);
    }
    const none = await api.app.inject({ method: 'POST', url: '/v1/calls/ca_1/hangup' });
    expect(none.statusCode).toBe(401);
    expect(control.calls).toEqual([]);
    // An admin key is above operator on the ladder.
    expect((await post('/v1/calls/ca_1/hangup', undefined, api.adminKey)).statusCode).toBe(200);
  });
});

describe('odd input', () => {
  it('never answers 500, whatever the body or the ids', async () => {
    const bodies: unknown[] = [
      null,
      [],
      'text',
      42,
      { to: {}, headers: [], digits: 1e308, muted: null, held: 'no', room: ['a'] },
      { to: '\ud800', file: '\u0000', headers: { '\ud800': 'x' } },
      { to: 'x'.repeat(10_000), ringTimeoutS: 1e308, maxDurationS: -1e308, dtmf: '\u0000' },
      { to: '+1', headers: { constructor: 'x', toString: 'y' }, callId: '../../etc' },
    ];
    const paths = ['hangup', 'dtmf', 'play', 'transfer', 'participants/x/mute'];
    const urls = [
      '/v1/calls',
      ...['x', '%00', 'a'.repeat(300), '%E2%80%8B'].flatMap((id) =>
        paths.map((path) => `/v1/calls/${id}/${path}`),
      ),
      '/v1/calls/ca_1/participants/%00/hold',
      '/v1/calls/ca_1/participants/pa_2/move',
    ];
    for (const url of urls) {
      for (const body of bodies) {
        const res = await api.app.inject({
          method: 'POST',
          url,
          headers: { ...api.auth(operator), 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
        expect(res.statusCode, `${url} ${JSON.stringify(body)?.slice(0, 60)}`).toBeLessThan(500);
      }
    }
  });
});

describe('OpenAPI document', () => {
  it('lists every call-control route with its summary and the operator scope', async () => {
    const doc = (await api.app.inject({ url: '/docs/openapi.json' })).json();
    const routes: Array<[string, string]> = [
      ['/v1/calls', '201'],
      ['/v1/calls/{id}/hangup', '200'],
      ['/v1/calls/{id}/dtmf', '200'],
      ['/v1/calls/{id}/play', '202'],
      ['/v1/calls/{id}/transfer', '202'],
      ['/v1/calls/{id}/participants/{pid}/mute', '200'],
      ['/v1/calls/{id}/participants/{pid}/hold', '200'],
      ['/v1/calls/{id}/participants/{pid}/move', '200'],
    ];
    for (const [path, status] of routes) {
      const op = doc.paths[path]?.post;
      expect(op, path).toBeDefined();
      expect(op.summary.length, path).toBeGreaterThan(20);
      expect(op.tags).toEqual(['calls']);
      expect(op['x-required-scope']).toBe('operator');
      expect(Object.keys(op.responses)).toContain(status);
    }
    // The read routes on the same paths stay.
    expect(doc.paths['/v1/calls'].get).toBeDefined();
  });
});
