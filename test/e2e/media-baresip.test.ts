/**
 * The media plane end to end against baresip, a real SIP user agent with its own RTP stack and
 * codecs: baresip plays a WAV file as its microphone and records what it hears (sndfile), and
 * the tests compare the audio. Covered: the echo test on 1000 returns the caller's own audio;
 * the prompt on 1001 arrives intact; RFC 4733 digits become DTMF events, once each; two
 * registered users are bridged through Switchboard — also across codecs (G.722 ↔ PCMU, so
 * the bridge transcodes) — and the call recording holds each party on its own channel.
 */
import { readdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppConfig, type Switchboard } from '../../src/app.js';
import { startTestSwitchboard } from '../fixtures/test-switchboard.js';
import type { Leg } from '../../src/channels/index.js';
import { configSchema } from '../../src/config/index.js';
import { encodeWav, type DtmfEvent } from '../../src/media/index.js';
import { sine } from '../fixtures/audio-signals.js';
import {
  at,
  bestCorrelation,
  loudestWindow,
  readMono,
  tonePower,
} from './helpers/audio-analysis.js';
import { Baresip } from './helpers/baresip.js';
import { describeWithBaresip, dumpBaresipOnFailure } from './helpers/baresip-suite.js';
import { withTimeout } from './helpers/with-timeout.js';

const PROMPT = fileURLToPath(new URL('../../assets/prompts/welcome.wav', import.meta.url));
const USERS = [
  { username: 'alice', password: 'alice-secret' },
  { username: 'bob', password: 'bob-secret' },
];
const STEP_MS = 15_000;

function makeConfig(dataDir: string): AppConfig {
  return configSchema.parse({
    sip: { host: '127.0.0.1', port: 0, transports: ['udp'], domain: '127.0.0.1', users: USERS },
    http: { host: '127.0.0.1', port: 0 },
    rtp: { portMin: 31_000, portMax: 31_998 },
    media: { recordCalls: true, recordingMode: 'both' },
    dataDir,
    logLevel: 'warn',
    shutdownGraceMs: 5_000,
  });
}

/** A mono PCM16 WAV of a sine tone, written into `dir`. */
async function toneFile(
  dir: string,
  name: string,
  frequencyHz: number,
  seconds: number,
  rateHz = 8000,
): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, encodeWav(sine(frequencyHz, rateHz, rateHz * seconds, 8000), rateHz, 1));
  return file;
}

/** The sndfile dump of what the instance heard (`…-dec.wav`) in its last call. */
async function heardFile(ua: Baresip): Promise<string> {
  const files = (await readdir(ua.recordDir)).filter((f) => f.endsWith('-dec.wav')).sort();
  const last = files.at(-1);
  if (last === undefined) throw new Error(`baresip ${ua.options.user} recorded nothing`);
  return path.join(ua.recordDir, last);
}

/** Lets `ms` of real audio flow: the peers stream in real time, so this is the test's subject. */
function audioFor(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function sipPort(sb: Switchboard): number {
  return sb.sipEndpoints().find((e) => e.protocol === 'udp')!.port;
}

function nextLeg(sb: Switchboard): Promise<Leg> {
  return withTimeout(
    new Promise<Leg>((r) => sb.calls.once('leg', r)),
    STEP_MS,
    'a leg at the server',
  );
}

describeWithBaresip('media against baresip', () => {
  let sb: Switchboard | undefined;
  let dataDir = '';
  const peers: Baresip[] = [];

  async function peer(options: ConstructorParameters<typeof Baresip>[0]): Promise<Baresip> {
    const ua = new Baresip({ record: true, ...options });
    peers.push(ua);
    await ua.start();
    return ua;
  }

  async function hangupAndClose(ua: Baresip): Promise<void> {
    await ua.hangup();
    await ua.waitForEvent('CALL_CLOSED', STEP_MS);
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-media-e2e-'));
    sb = await startTestSwitchboard(makeConfig(dataDir));
  });

  afterAll(async () => {
    await Promise.all(peers.map((p) => p.stop()));
    await sb?.stop();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  dumpBaresipOnFailure(() => peers);

  it('echo test on 1000: the caller hears its own audio back', async () => {
    const caller = await peer({
      user: 'echo-caller',
      audioFile: { path: PROMPT, sampleRateHz: 16_000 },
    });
    const legArrived = nextLeg(sb!);
    await caller.dial(`sip:1000@127.0.0.1:${sipPort(sb!)}`);
    await caller.waitForEvent('CALL_ESTABLISHED', STEP_MS);
    await legArrived;
    await audioFor(5_000);
    await hangupAndClose(caller);

    const heard = await readMono(await heardFile(caller));
    const sent = await readMono(PROMPT);
    const rate = 8000;
    const probe = loudestWindow(at(sent, rate), rate); // the loudest second of the speech
    const match = bestCorrelation(at(heard, rate), probe, heard.samples.length);
    // PCMU both ways and two resamplings keep the waveform's shape: well above chance (~0.1).
    expect(match.correlation).toBeGreaterThan(0.6);
  });

  it('prompt on 1001 arrives intact and the call ends after it', async () => {
    const caller = await peer({ user: 'prompt-caller' });
    await caller.dial(`sip:1001@127.0.0.1:${sipPort(sb!)}`);
    await caller.waitForEvent('CALL_ESTABLISHED', STEP_MS);
    // Switchboard hangs up once the 4.4 s prompt has played.
    await caller.waitForEvent('CALL_CLOSED', STEP_MS);

    const heard = at(await readMono(await heardFile(caller)), 8000);
    const prompt = at(await readMono(PROMPT), 8000);
    // Every second of the prompt is found in what was heard, in order.
    let lastLag = -1;
    for (let start = 0; start + 8000 <= prompt.length; start += 8000) {
      const probe = prompt.subarray(start, start + 8000);
      const match = bestCorrelation(heard, probe, heard.length);
      expect(match.correlation, `second ${start / 8000} of the prompt`).toBeGreaterThan(0.7);
      expect(match.lagSamples).toBeGreaterThan(lastLag);
      lastLag = match.lagSamples;
    }
  });

  it('RFC 4733 digits become DTMF events, exactly one per key press', async () => {
    const caller = await peer({ user: 'dtmf-caller' });
    const legArrived = nextLeg(sb!);
    await caller.dial(`sip:1000@127.0.0.1:${sipPort(sb!)}`);
    await caller.waitForEvent('CALL_ESTABLISHED', STEP_MS);
    const leg = await legArrived;
    const events: DtmfEvent[] = [];
    leg.on('dtmf', (e) => events.push(e));
    for (const digit of ['1', '#', '5', '5']) {
      const before = events.length;
      await caller.sendDigit(digit);
      await withTimeout(
        new Promise<void>((r) => {
          const check = (): void => (events.length > before ? r() : void setTimeout(check, 20));
          check();
        }),
        STEP_MS,
        `DTMF ${digit} at the server`,
      );
      await audioFor(300); // a gap between presses, as a person leaves
    }
    await hangupAndClose(caller);
    expect(events.map((e) => e.digit).join('')).toBe('1#55');
    expect(events.every((e) => e.source === 'rfc4733')).toBe(true);
  });

  describe('bridging two registered users', () => {
    it.each([
      ['PCMU', 'PCMU'],
      ['G722', 'PCMU'],
    ])(
      '%s caller to %s callee: each hears the other, the recording holds both sides',
      async (callerCodec, calleeCodec) => {
        const port = sipPort(sb!);
        const alice = await peer({
          user: 'alice',
          password: USERS[0]!.password,
          serverPort: port,
          regint: 600,
          codecs: [callerCodec],
          audioFile: {
            path: await toneFile(dataDir, `alice-${callerCodec}.wav`, 500, 8),
            sampleRateHz: 8000,
          },
        });
        const bob = await peer({
          user: 'bob',
          password: USERS[1]!.password,
          serverPort: port,
          regint: 600,
          codecs: [calleeCodec],
          audioFile: {
            path: await toneFile(dataDir, `bob-${calleeCodec}.wav`, 1300, 8),
            sampleRateHz: 8000,
          },
        });
        await Promise.all([alice.waitRegistered(), bob.waitRegistered()]);
        const recorded = withTimeout(
          new Promise<{ path: string }>((r) =>
            sb!.calls.once('recorded', (_leg, result) => r(result)),
          ),
          STEP_MS * 2,
          'the recording of the bridged call',
        );
        await alice.dial(`sip:bob@127.0.0.1:${port}`);
        await bob.waitForEvent('CALL_ESTABLISHED', STEP_MS);
        await alice.waitForEvent('CALL_ESTABLISHED', STEP_MS);
        await audioFor(3_000);
        await hangupAndClose(alice);
        await bob.waitForEvent('CALL_CLOSED', STEP_MS);

        const aliceHeard = await readMono(await heardFile(alice));
        const bobHeard = await readMono(await heardFile(bob));
        expect(dominant(aliceHeard.samples, aliceHeard.sampleRateHz)).toBe(1300);
        expect(dominant(bobHeard.samples, bobHeard.sampleRateHz)).toBe(500);

        // Both recordings are finalised together; the first one reported is either leg.
        const { path: file } = await recorded;
        const left = await readMono(file, 0);
        const right = await readMono(file, 1);
        const sides = [
          dominant(left.samples, left.sampleRateHz),
          dominant(right.samples, right.sampleRateHz),
        ];
        expect(sides.sort()).toEqual([1300, 500].sort());
        await Promise.all([alice.stop(), bob.stop()]);
      },
    );
  });
});

/** Which of the test frequencies (440 = baresip's sine, 500, 1300) is strongest. */
function dominant(samples: Int16Array, rateHz: number): number {
  const candidates = [440, 500, 1300];
  const powers = candidates.map((f) => tonePower(samples, rateHz, f));
  return candidates[powers.indexOf(Math.max(...powers))]!;
}
