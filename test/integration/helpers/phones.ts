/**
 * Phones with audio for tests of a whole server: UA stacks (ua-stack.ts) whose answered calls
 * are wrapped as SipLegs on a test RTP port pool, so a test can play tones into a call and
 * listen to what comes back over real UDP; plus the API, event and record look-ups those tests
 * share (call-routing.test.ts, call-control.test.ts, call-transfer.test.ts), and the server with
 * its phone and far-end stacks that the call-control suites each start ({@link ControlServer}).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { SipLeg } from '../../../src/channels/index.js';
import type { Switchboard } from '../../../src/app.js';
import { configSchema } from '../../../src/config/index.js';
import {
  MediaClock,
  RtpPortPool,
  toneFrames,
  type AudioFrame,
  type DtmfEvent,
  type RtpPort,
} from '../../../src/media/index.js';
import type { SipCall } from '../../../src/sip/index.js';
import { frameToneShare, rms } from '../../fixtures/audio-signals.js';
import { startTestSwitchboard } from '../../fixtures/test-switchboard.js';
import { startStack, within, type UaStack } from './ua-stack.js';

/** A phone's answered call and its audio. */
export interface Phone {
  call: SipCall;
  leg: SipLeg;
}

/** Dials, answers and tidies up phone calls for one test file. */
export class Phones {
  private readonly calls: SipCall[] = [];
  private readonly portOf = new Map<SipCall, RtpPort>();
  private readonly adopted = new Set<SipCall>();

  constructor(
    private readonly ports: RtpPortPool,
    private readonly clock: MediaClock,
  ) {}

  /** Calls `uri` from `stack` and resolves with the answered call as a phone. */
  async dial(stack: UaStack, uri: string): Promise<Phone> {
    const call = await this.attempt(stack, uri, { wait: false });
    await within(call.answered, `the answer from ${uri}`);
    return this.adopt(call);
  }

  /**
   * Calls `uri` from `stack` and resolves with the call once it is answered or has ended (a
   * refusal), for tests about how the server answers; with `wait: false`, at once.
   */
  async attempt(stack: UaStack, uri: string, opts: { wait?: boolean } = {}): Promise<SipCall> {
    const port = await this.ports.allocate();
    let call: SipCall;
    try {
      call = await stack.ua.call(uri, { media: { address: '127.0.0.1', port: port.port } });
    } catch (err) {
      port.release();
      throw err;
    }
    this.calls.push(call);
    this.portOf.set(call, port);
    // A refused call never gets a SipLeg, which would have released its port.
    void call.ended.then(() => {
      if (!this.adopted.has(call)) port.release();
    });
    if (opts.wait ?? true) {
      await within(
        Promise.race([call.answered, call.ended]).catch(() => undefined),
        `an answer or a refusal from ${uri}`,
      );
    }
    return call;
  }

  /** Answers an inbound call on a phone with media and wraps it as a phone. */
  async answer(call: SipCall): Promise<Phone> {
    const port = await this.ports.allocate();
    this.calls.push(call);
    if (!call.answer({ media: { address: '127.0.0.1', port: port.port } }) || !call.media) {
      port.release();
      throw new Error('the phone could not answer');
    }
    this.portOf.set(call, port);
    return this.adopt(call);
  }

  /** Wraps an answered call of these phones as a phone with audio. */
  private adopt(call: SipCall): Phone {
    const port = this.portOf.get(call);
    if (!port) throw new Error('not a call of these phones');
    this.adopted.add(call);
    return { call, leg: new SipLeg(call, port, { clock: this.clock, inactivityTimeoutMs: 0 }) };
  }

  /** Hangs up every call these phones made or answered. */
  async hangUpAll(): Promise<void> {
    await Promise.all(this.calls.splice(0).map((c) => c.hangup().catch(() => undefined)));
  }
}

/** Plays a steady tone into the call from `leg` (by default long enough for any test). */
export function playTone(
  leg: SipLeg,
  frequencyHz: number,
  opts: { durationMs?: number; levelDbfs?: number } = {},
): void {
  const { durationMs = 30_000, levelDbfs } = opts;
  leg.output.play(
    toneFrames(
      { frequenciesHz: [frequencyHz], cadenceMs: [], durationMs, levelDbfs },
      { sampleRateHz: leg.sampleRateHz },
    ),
  );
}

/** Resolves once `count` frames in a row pass `test`; names `what` on a timeout. */
export function framesInARow(
  leg: SipLeg,
  what: string,
  test: (frame: AudioFrame) => boolean,
  count = 10,
  ms = 5_000,
): Promise<void> {
  let off: (() => void) | undefined;
  return within(
    new Promise<void>((resolve) => {
      let run = 0;
      off = leg.input.onFrame((frame) => {
        run = test(frame) ? run + 1 : 0;
        if (run >= count) resolve();
      });
    }),
    what,
    ms,
  ).finally(() => off?.());
}

/** Resolves once `leg` hears `frequencyHz` (10 frames in a row where it dominates). */
export function hears(leg: SipLeg, frequencyHz: number, what = `${frequencyHz} Hz`): Promise<void> {
  return framesInARow(leg, `hearing ${what}`, (f) => frameToneShare(f, frequencyHz) > 0.5);
}

/** Resolves once `leg` hears silence (10 frames in a row with no sample above ±50). */
export function hearsSilence(leg: SipLeg, what = 'silence', count = 10): Promise<void> {
  return framesInARow(leg, `hearing ${what}`, isSilent, count);
}

/** Resolves once `leg` has heard `count` frames of sound (speech, music), not necessarily in a row. */
export function hearsSound(leg: SipLeg, what: string, count = 10, ms = 5_000): Promise<void> {
  let off: (() => void) | undefined;
  return within(
    new Promise<void>((resolve) => {
      let loud = 0;
      off = leg.input.onFrame((frame) => {
        if (rms(frame.samples) > 300 && ++loud >= count) resolve();
      });
    }),
    `hearing ${what}`,
    ms,
  ).finally(() => off?.());
}

/**
 * Resolves once `leg` has heard a prompt (at least `loud` frames of sound) followed by
 * `quiet` silent frames in a row: the server has finished speaking and waits for the caller.
 * Pauses inside the bundled prompts last at most 8 frames, and 18 frames separate two queued
 * prompts, so 30 silent frames only follow the last prompt.
 */
export function hearsPromptEnd(leg: SipLeg, what: string, loud = 25, quiet = 30): Promise<void> {
  let off: (() => void) | undefined;
  return within(
    new Promise<void>((resolve) => {
      let heard = 0;
      let silent = 0;
      off = leg.input.onFrame((frame) => {
        if (rms(frame.samples) > 300) heard++;
        silent = isSilent(frame) ? silent + 1 : 0;
        if (heard >= loud && silent >= quiet) resolve();
      });
    }),
    `the end of ${what}`,
    15_000,
  ).finally(() => off?.());
}

function isSilent(frame: AudioFrame): boolean {
  return frame.samples.every((x) => Math.abs(x) < 50);
}

/** The digits a leg receives, as they come. */
export function collectDigits(leg: SipLeg): DtmfEvent[] {
  const digits: DtmfEvent[] = [];
  leg.on('dtmf', (e) => digits.push(e));
  return digits;
}

/** Polls `predicate` every 10 ms until it holds (a state reached by asynchronous work). */
export async function until(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  ms = 5_000,
): Promise<void> {
  await within(
    (async () => {
      while (!(await predicate())) await new Promise((r) => setTimeout(r, 10));
    })(),
    what,
    ms,
  );
}

/** An answer of the API: its status and JSON body. */
export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, as res.json() gives it: tests read the fields they check
  body: Record<string, any>;
}

/** Calls the server's HTTP API with its admin key. */
export async function api(
  sb: Switchboard,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const res = await fetch(`http://127.0.0.1:${sb.httpPort}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${sb.initialAdminKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as ApiAnswer['body']) };
}

/** A SIP URI of `user` at the server. */
export function serverUri(sb: Switchboard, user: string): string {
  return `sip:${user}@127.0.0.1:${sb.sipEndpoints()[0]!.port}`;
}

/** Where a phone's call is at the server: the live call and the participant it is. */
export interface ServerSide {
  callId: string;
  participantId: string;
}

/**
 * The live call and participant at the server that a phone's call is (matched by SIP
 * Call-ID), once the server has recorded it.
 */
export async function serverSideOf(sb: Switchboard, call: SipCall): Promise<ServerSide> {
  let found: ServerSide | undefined;
  await until('the server to record the call', () => {
    for (const live of sb.liveCalls.list()) {
      for (const p of live.participants.values()) {
        if (p.sip?.callId === call.callId) found = { callId: live.id, participantId: p.id };
      }
    }
    return found !== undefined;
  });
  return found!;
}

/** A published event as the bus carries it. */
export interface SeenEvent {
  type: string;
  callId?: string;
  participantId?: string;
  data: Record<string, unknown>;
}

/** Records every event the server publishes from now on; `stop` unsubscribes. */
export async function recordEvents(
  sb: Switchboard,
): Promise<{ events: SeenEvent[]; stop: () => Promise<void> }> {
  const events: SeenEvent[] = [];
  const stop = await sb.cacheAndBus.bus.subscribe('*', (_topic, message) => {
    events.push(message as SeenEvent);
  });
  return { events, stop };
}

/** A range of RTP ports (inclusive), which no other test file may use. */
export interface PortRange {
  portMin: number;
  portMax: number;
}

/** Options of {@link ControlServer.start}. */
export interface ControlServerOptions {
  /** Names the data folder (`switchboard-<name>-…`), for a reader of the temp folder. */
  name: string;
  /** The server's RTP ports. */
  serverPorts: PortRange;
  /** The phones' RTP ports. */
  phonePorts: PortRange;
  /**
   * Dispatch rules to create, each a called number and the room it leads to. One room per test,
   * so a call still finishing from one test is never heard in the next.
   */
  rooms: ReadonlyArray<readonly [number: string, room: string]>;
}

/** The stacks that take calls from a {@link ControlServer}. */
export type FarEnd = 'carrier' | 'carol';

/** A phone's answered call to the server and where it is there. */
export type CalledIn = Phone & ServerSide;

const refuse = (call: SipCall): void => call.reject(603, 'Not expected');

/**
 * A whole server driven through its HTTP API, with the SIP stacks around it: `phone` calls the
 * server, `carrier` stands in for the far end of outbound trunks ({@link createTrunk}) and
 * `carol` is a SIP URI to dial or transfer to. The far ends refuse every INVITE unless a test
 * says otherwise in {@link onInvite} (reset after each test by {@link reset}).
 */
export class ControlServer {
  /** What each far end does with the next INVITE it gets. */
  readonly onInvite: Record<FarEnd, (call: SipCall) => void> = { carrier: refuse, carol: refuse };

  private constructor(
    readonly sb: Switchboard,
    /** The phones that call the server. */
    readonly phone: UaStack,
    /** The far end of outbound trunks. */
    readonly carrier: UaStack,
    /** A SIP URI to dial into calls and transfer to. */
    readonly carol: UaStack,
    /** Dials and answers with audio, and hangs up after each test. */
    readonly phones: Phones,
    private readonly clock: MediaClock,
    private readonly dataDir: string,
  ) {
    carrier.ua.on('call', (call) => this.onInvite.carrier(call));
    carol.ua.on('call', (call) => this.onInvite.carol(call));
  }

  /** Starts the server with its rules, and the stacks. */
  static async start(options: ControlServerOptions): Promise<ControlServer> {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), `switchboard-${options.name}-`));
    const sb = await startTestSwitchboard(
      configSchema.parse({
        sip: { host: '127.0.0.1', port: 0, transports: ['udp'], domain: '127.0.0.1' },
        http: { host: '127.0.0.1', port: 0 },
        rtp: options.serverPorts,
        dataDir,
        logLevel: 'silent',
        shutdownGraceMs: 2_000,
      }),
    );
    for (const [number, room] of options.rooms) {
      await sb.store.dispatchRules.create({
        name: `Room ${room}`,
        calledNumber: number,
        action: { type: 'room', room },
      });
    }
    const [phone, carrier, carol] = await Promise.all([startStack(), startStack(), startStack()]);
    const clock = new MediaClock();
    const phones = new Phones(new RtpPortPool({ host: '127.0.0.1', ...options.phonePorts }), clock);
    return new ControlServer(sb, phone, carrier, carol, phones, clock, dataDir);
  }

  /** A SIP URI of `user` at the server. */
  uri(user: string): string {
    return serverUri(this.sb, user);
  }

  /** Calls `user` at the server from the phone stack; resolves once answered and recorded. */
  async callIn(user: string): Promise<CalledIn> {
    const p = await this.phones.dial(this.phone, this.uri(user));
    return { ...p, ...(await serverSideOf(this.sb, p.call)) };
  }

  /** The next INVITE at `farEnd`, answered with audio. */
  answerNext(farEnd: FarEnd): Promise<Phone> {
    return within(
      new Promise<Phone>((resolve, reject) => {
        this.onInvite[farEnd] = (call) => void this.phones.answer(call).then(resolve, reject);
      }),
      `an INVITE from the server at ${farEnd}`,
    );
  }

  /** Creates an outbound trunk to the carrier (+1555… only, caller ID +15550001); its id. */
  async createTrunk(): Promise<string> {
    const res = await api(this.sb, 'POST', '/v1/trunks/outbound', {
      name: 'Carrier',
      address: `127.0.0.1:${this.carrier.port('udp')}`,
      numbers: ['+15550001'],
      allowedDestinationPrefixes: ['+1555'],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }

  /** After each test: hangs up the phones' calls, and the far ends refuse again. */
  async reset(): Promise<void> {
    await this.phones.hangUpAll();
    this.onInvite.carrier = refuse;
    this.onInvite.carol = refuse;
  }

  /** Stops the stacks, the server and the clock, and removes the data folder. */
  async stop(): Promise<void> {
    await Promise.all([this.phone.stop(), this.carrier.stop(), this.carol.stop()]);
    await this.sb.stop();
    this.clock.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
