/**
 * The demo IVR and the offline claims agent end to end, with a real SIP user agent on a
 * wideband (G.722) leg: baresip calls 2000, hears the bilingual IVR, presses 1, and the claims
 * agent takes the claim — the name and the location as espeak-ng speech recognised on the
 * server by PocketSphinx, the policy number and the incident date keyed in (RFC 4733). The
 * caller hangs up while the claim is read back, calls 2000 again within the callback window,
 * presses 1 and the agent resumes the same conversation: it says so, reads the claim back,
 * and a 1 confirms it. Checked in PostgreSQL (PGlite) and on the event bus: the claim's
 * values, the state machine's path, the messages persisted turn by turn, the resume count and
 * the claim.completed event.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig, Switchboard } from '../../src/app.js';
import { configSchema } from '../../src/config/index.js';
import { encodeWav } from '../../src/media/index.js';
import type { ConversationRecord, DomainEvent } from '../../src/store/index.js';
import { espeakAvailability, pocketsphinxAvailability } from '../../src/voice/index.js';
import { startTestSwitchboard } from '../fixtures/test-switchboard.js';
import { at, readMono } from './helpers/audio-analysis.js';
import { Baresip } from './helpers/baresip.js';
import { describeWithBaresip, dumpBaresipOnFailure } from './helpers/baresip-suite.js';

const RATE = 16_000;
const STEP_MS = 20_000;
const CALLER = 'claimant';
/** Silence after each utterance (s): a file source that runs out ends baresip's call. */
const TAIL_S = 180;

/** Why the speech engines are unusable here, if they are. */
async function speechEnginesMissing(): Promise<string | undefined> {
  const sphinx = pocketsphinxAvailability();
  if (!sphinx.ok) return `pocketsphinx: ${sphinx.reason}`;
  const espeak = await espeakAvailability();
  if (!espeak.available) return `espeak-ng: ${espeak.reason}`;
  return undefined;
}
const enginesMissing = await speechEnginesMissing();

function describeDialogSuite(title: string, body: () => void): void {
  describeWithBaresip(title, () => {
    if (enginesMissing === undefined) body();
    else if (process.env.SWITCHBOARD_E2E === 'required') {
      it('has the speech engines installed', () => {
        throw new Error(`${enginesMissing} (SWITCHBOARD_E2E=required)`);
      });
    } else {
      describe.skip(`[skipped: ${enginesMissing}; SWITCHBOARD_E2E=required makes this fail]`, body);
    }
  });
}

function makeConfig(dataDir: string): AppConfig {
  return configSchema.parse({
    sip: { host: '127.0.0.1', port: 0, transports: ['udp'], domain: '127.0.0.1' },
    http: { host: '127.0.0.1', port: 0 },
    // A range no other suite uses.
    rtp: { portMin: 38_400, portMax: 38_598 },
    media: { codecs: ['G722', 'PCMU'] },
    voice: { stt: ['pocketsphinx'], tts: ['espeak-ng'], language: 'en-US' },
    dataDir,
    logLevel: process.env.DIALOG_E2E_LOG ?? 'warn',
    shutdownGraceMs: 5_000,
  });
}

/**
 * Writes `text` spoken by espeak-ng as a 16 kHz mono WAV: a second of silence, the speech, then
 * three minutes of silence — baresip's file source hangs up the call when its file ends.
 */
async function speech(dir: string, name: string, text: string): Promise<string> {
  const raw = path.join(dir, `${name}-22k.wav`);
  await promisify(execFile)('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', raw, text]);
  const samples = at(await readMono(raw), RATE);
  const pad = new Int16Array(RATE);
  const all = new Int16Array(pad.length + samples.length + TAIL_S * RATE);
  all.set(samples, pad.length);
  const file = path.join(dir, `${name}.wav`);
  await writeFile(file, encodeWav(all, RATE, 1));
  return file;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describeDialogSuite('demo IVR and claims agent against baresip', () => {
  let sb: Switchboard | undefined;
  let dataDir = '';
  const peers: Baresip[] = [];
  const events: DomainEvent[] = [];

  const server = (): Switchboard => {
    if (!sb) throw new Error('Switchboard was not started');
    return sb;
  };

  /** Polls `read` every 200 ms until `done` holds, for at most `ms`. */
  async function until<T>(
    read: () => Promise<T> | T,
    done: (v: T) => boolean,
    ms: number,
    what: string,
  ): Promise<T> {
    const deadline = Date.now() + ms;
    let last: T;
    for (;;) {
      last = await read();
      if (done(last)) return last;
      if (Date.now() > deadline)
        throw new Error(`timed out: ${what}; last: ${JSON.stringify(last)}`);
      await sleep(200);
    }
  }

  /** The caller's open (or any) conversation with the claims agent. */
  async function conversation(): Promise<ConversationRecord | undefined> {
    const open = await server().store.conversations.findResumable(CALLER, 'claims', new Date(0));
    if (open) return open;
    const byCall = await Promise.all(
      (await server().store.calls.listCalls({ limit: 20 })).items.map((c) =>
        server().store.conversations.listByCall(c.id),
      ),
    );
    return byCall.flat().find((c) => c.key === CALLER);
  }

  /** Waits until the bot has stopped talking on the caller's leg (its prompt or reply is over). */
  async function botQuiet(what: string): Promise<void> {
    await sleep(600);
    await until(
      () =>
        server()
          .calls.legs()
          .every((leg) => !leg.output.playing),
      (quiet) => quiet,
      STEP_MS,
      `the bot to finish speaking (${what})`,
    );
  }

  async function keys(caller: Baresip, digits: string): Promise<void> {
    for (const digit of digits) {
      await caller.sendDigit(digit);
      await sleep(250);
    }
  }

  /** Presses 1 at the IVR menu until the claims agent has the call (keys during the greeting are not listened to). */
  async function chooseClaims(caller: Baresip, resumeCount: number): Promise<ConversationRecord> {
    const deadline = Date.now() + 60_000;
    const taken = (c: ConversationRecord | undefined): boolean => c?.resumeCount === resumeCount;
    for (;;) {
      await botQuiet('the IVR');
      await keys(caller, '1');
      // The agent's first start trains its NLU: give it time before pressing again.
      const c = await until(conversation, taken, 8_000, 'the agent').catch(() => undefined);
      if (c) return c;
      if (Date.now() > deadline) throw new Error('the claims agent never took the call');
    }
  }

  /** Plays a WAV as the caller's microphone, until the claim has `field` (one retry). */
  async function say(caller: Baresip, file: string, field: string): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      await botQuiet(`before saying ${field}`);
      await caller.command('ausrc', `aufile,${file}`);
      try {
        await until(
          conversation,
          (c) => typeof c?.claim[field] === 'string',
          12_000,
          `${field} by speech`,
        );
        return;
      } catch (err) {
        if (attempt === 1) throw err;
      }
    }
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-dialog-e2e-'));
    sb = await startTestSwitchboard(makeConfig(dataDir), { demoTenant: true });
    if (!sb.voice) throw new Error(`the voice plane did not start:\n${sb.voiceReport.join('\n')}`);
    await sb.cacheAndBus.bus.subscribe('*', (_topic, message) => {
      events.push(message as DomainEvent);
    });
  });

  afterAll(async () => {
    await Promise.all(peers.map((p) => p.stop()));
    await sb?.stop();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  dumpBaresipOnFailure(() => peers);

  it(
    'walks the IVR by keys, files a claim by speech and keys, drops, calls back and resumes',
    { timeout: 240_000 },
    async () => {
      const silence = path.join(dataDir, 'silence.wav');
      await writeFile(silence, encodeWav(new Int16Array(RATE * TAIL_S), RATE, 1));
      const name = await speech(dataDir, 'name', 'my name is john smith');
      const place = await speech(dataDir, 'place', 'london');
      const caller = new Baresip({
        user: CALLER,
        codecs: ['G722'],
        audioFile: { path: silence, sampleRateHz: RATE },
      });
      peers.push(caller);
      await caller.start();
      const sipPort = server()
        .sipEndpoints()
        .find((e) => e.protocol === 'udp')!.port;

      // First call: the IVR, then the agent collects three fields and the caller drops.
      let since = caller.mark();
      await caller.dial(`sip:2000@127.0.0.1:${sipPort}`);
      await caller.waitForEvent('CALL_ESTABLISHED', STEP_MS, { since, failOn: ['CALL_CLOSED'] });
      const legs = server().calls.legs();
      expect(legs.at(-1)?.sampleRateHz, 'a wideband leg').toBe(RATE);
      const first = await chooseClaims(caller, 0);
      expect(first.state).toBe('initiate');

      await say(caller, name, 'fullName');
      await botQuiet('policy question');
      await keys(caller, '123456#');
      await until(
        conversation,
        (c) => c?.claim.policyNumber === 'POL123456',
        STEP_MS,
        'policy by keys',
      );
      const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      await botQuiet('date question');
      await keys(caller, `${day.replaceAll('-', '')}#`);
      await until(conversation, (c) => c?.claim.incidentDate === day, STEP_MS, 'date by keys');
      await say(caller, place, 'location');
      const gathered = await until(
        conversation,
        (c) => c?.state === 'confirming',
        STEP_MS,
        'read-back',
      );
      expect(gathered!.claim).toMatchObject({ policyNumber: 'POL123456', incidentDate: day });

      // The line drops during the read-back.
      since = caller.mark();
      await caller.hangup();
      await caller.waitForEvent('CALL_CLOSED', STEP_MS, { since });
      await until(
        () =>
          events.some(
            (e) => e.type === 'conversation.closed' && e.data.conversationId === first.id,
          ),
        (v) => v,
        STEP_MS,
        'the dropped conversation closed for now',
      );
      const dropped = await server().store.conversations.get(first.id);
      expect(dropped?.state).toBe('confirming');
      expect(dropped?.closedAt).toBeUndefined();

      // Second call within the window: the same conversation continues and is confirmed by keys.
      await caller.command('ausrc', `aufile,${silence}`).catch(() => undefined);
      since = caller.mark();
      await caller.dial(`sip:2000@127.0.0.1:${sipPort}`);
      await caller.waitForEvent('CALL_ESTABLISHED', STEP_MS, { since, failOn: ['CALL_CLOSED'] });
      const resumed = await chooseClaims(caller, 1);
      expect(resumed.id).toBe(first.id);
      await botQuiet('welcome back and read-back');
      await keys(caller, '1');
      const closed = await until(
        () => server().store.conversations.get(first.id),
        (c) => c?.state === 'closed',
        STEP_MS,
        'the claim confirmed',
      );
      expect(closed!.claim).toMatchObject({
        fullName: expect.stringMatching(/\S/),
        policyNumber: 'POL123456',
        incidentDate: day,
        location: expect.stringMatching(/\S/),
      });
      expect(closed!.resumeCount).toBe(1);
      const completed = await until(
        () =>
          events.find((e) => e.type === 'claim.completed' && e.data.conversationId === first.id),
        (e) => e !== undefined,
        STEP_MS,
        'claim.completed',
      );
      expect(completed!.callId).toBe(resumed.callId);
      expect(
        events.some((e) => e.type === 'conversation.resumed' && e.data.conversationId === first.id),
      ).toBe(true);

      // Every turn was persisted: what the agent said (the resume greeting among it) and the caller's answers.
      const messages = await server().store.conversations.messages(first.id);
      const said = messages
        .filter((m) => m.persona === 'assistant')
        .map((m) => m.content)
        .join(' | ');
      expect(said).toMatch(/Welcome back/);
      expect(messages.filter((m) => m.persona === 'human').map((m) => m.content)).toEqual(
        expect.arrayContaining(['[keys] 123456', `[keys] ${day.replaceAll('-', '')}`, '[keys] 1']),
      );
      process.stdout.write(
        `dialog e2e: ${JSON.stringify({ claim: closed!.claim, messages: messages.map((m) => `${m.persona}: ${m.content}`) })}\n`,
      );
      since = caller.mark();
      await caller.hangup().catch(() => undefined);
    },
  );
});
