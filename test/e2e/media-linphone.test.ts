/**
 * The media plane against linphone (linphonec), a second real SIP user agent with its own RTP
 * stack: it sends DTMF as SIP INFO (which baresip 1.0 cannot) and as RFC 4733, and its call
 * to the echo test comes back to it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type Switchboard } from '../../src/app.js';
import { startTestSwitchboard } from '../fixtures/test-switchboard.js';
import type { Leg } from '../../src/channels/index.js';
import { configSchema } from '../../src/config/index.js';
import { encodeWav, type DtmfEvent } from '../../src/media/index.js';
import { tonePower } from './helpers/audio-analysis.js';
import { describeWithLinphone, dumpLinphoneOnFailure, Linphone } from './helpers/linphone.js';
import { withTimeout } from './helpers/with-timeout.js';

const STEP_MS = 15_000;

describeWithLinphone('media against linphone', () => {
  let sb: Switchboard | undefined;
  let dataDir = '';
  let phone: Linphone | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-linphone-e2e-'));
    sb = await startTestSwitchboard(
      configSchema.parse({
        sip: { host: '127.0.0.1', port: 0, transports: ['udp'], domain: '127.0.0.1' },
        http: { host: '127.0.0.1', port: 0 },
        rtp: { portMin: 33_000, portMax: 33_198 },
        dataDir,
        logLevel: 'warn',
        shutdownGraceMs: 5_000,
      }),
    );
  });

  afterEach(async () => {
    await phone?.stop();
    phone = undefined;
  });

  afterAll(async () => {
    await sb?.stop();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  // Registered after the afterEach that stops the phone: vitest runs them in reverse.
  dumpLinphoneOnFailure(() => [phone]);

  function echoUri(): string {
    const port = sb!.sipEndpoints().find((e) => e.protocol === 'udp')!.port;
    return `sip:1000@127.0.0.1:${port}`;
  }

  async function callEcho(linphone: Linphone): Promise<Leg> {
    const leg = withTimeout(
      new Promise<Leg>((r) => sb!.calls.once('leg', r)),
      STEP_MS,
      'the leg at the server',
    );
    await linphone.call(echoUri(), STEP_MS);
    return leg;
  }

  it.each(['info', 'rfc4733'] as const)(
    'DTMF sent as %s is detected, one event per key press',
    async (mode) => {
      phone = new Linphone({ user: `dtmf-${mode}`, dtmf: mode });
      await phone.start();
      const leg = await callEcho(phone);
      const events: DtmfEvent[] = [];
      leg.on('dtmf', (e) => events.push(e));
      await phone.sendDtmf('5#90');
      await withTimeout(
        new Promise<void>((resolve) => {
          const check = (): void => (events.length >= 4 ? resolve() : void setTimeout(check, 20));
          check();
        }),
        STEP_MS,
        'four DTMF events at the server',
      );
      await phone.hangup();
      expect(events.map((e) => e.digit).join('')).toBe('5#90');
      expect(new Set(events.map((e) => e.source))).toEqual(new Set([mode]));
    },
  );

  it('hears its own audio back from the echo test', async () => {
    const rate = 8000;
    const tone = new Int16Array(rate * 2);
    for (let i = 0; i < tone.length; i++)
      tone[i] = Math.round(8000 * Math.sin((2 * Math.PI * 700 * i) / rate));
    const file = path.join(dataDir, 'tone-700.wav');
    await writeFile(file, encodeWav(tone, rate, 1));
    phone = new Linphone({ user: 'echo', playFile: file, record: true });
    await phone.start();
    await callEcho(phone);
    await new Promise((r) => setTimeout(r, 3_000)); // real-time audio flowing both ways
    await phone.hangup();
    const heard = await phone.readRecording();
    const samples = heard.samples;
    const at700 = tonePower(samples, heard.sampleRate, 700);
    const at1300 = tonePower(samples, heard.sampleRate, 1300);
    expect(at700).toBeGreaterThan(100 * at1300);
    expect(at700).toBeGreaterThan(1e4);
  });
});
