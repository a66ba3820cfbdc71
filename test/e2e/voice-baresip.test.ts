/**
 * The voice agent end to end with real synthesised speech through SIP and RTP: a baresip caller
 * dials the demo agent (3000) over G.722, so the call is wideband, and its microphone is a WAV
 * file of espeak-ng speech — silence while the greeting plays, "what is the weather like
 * today", silence until the bot is answering, then "hello world, stop please stop" over the
 * answer. The server recognises the question (PocketSphinx), answers it (espeak-ng) and stops
 * when the caller barges in. Checked: the turn as the API reports it (what was heard, what was
 * said up to the interruption, the barge-in event, the latency trace), and what baresip heard:
 * speech after the question that PocketSphinx, run here over the recording, understands, and
 * that stops soon after the caller started talking over it.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig, Switchboard } from '../../src/app.js';
import type { Leg } from '../../src/channels/index.js';
import { configSchema } from '../../src/config/index.js';
import { encodeWav, type AudioFrame } from '../../src/media/index.js';
import {
  DEMO_SCRIPT,
  espeakAvailability,
  PocketsphinxStt,
  pocketsphinxAvailability,
  type SttResult,
} from '../../src/voice/index.js';
import { startTestSwitchboard } from '../fixtures/test-switchboard.js';
import { at, readMono, rmsDbfs } from './helpers/audio-analysis.js';
import { Baresip } from './helpers/baresip.js';
import { describeWithBaresip, dumpBaresipOnFailure } from './helpers/baresip-suite.js';
import { withTimeout } from './helpers/with-timeout.js';

const RATE = 16_000;
const FRAME_MS = 20;
/** Bound on each SIP or API step. */
const STEP_MS = 15_000;

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/speech/${name}.wav`, import.meta.url));

/**
 * The caller's side of the conversation, in seconds from the start of the call. The greeting
 * ("Hello, this is the Switchboard demo agent. How can I help you?") takes about 4.5 s of
 * espeak speech; the answer ("It is sunny and warm today. Is there anything else I can do for
 * you?") about 4.3 s, starting 0.5-2.5 s after the question ends (the VAD's 500 ms of
 * trailing silence, then recognition — slowest on the call's first utterance, which creates
 * the PocketSphinx decoder — and synthesis). An interruption 3 s after the question falls
 * inside the answer at either end of that range.
 */
const SCRIPT = {
  /** Silence while the greeting plays. */
  leadS: 6.5,
  /** From the end of the question to the interruption. */
  gapS: 3.0,
  /** Silence after the interruption, while the bot handles it. */
  tailS: 7.0,
  /**
   * Gain on the interruption: a caller talking over the bot is at least as loud as the bot,
   * and the session's echo guard compares the two (see {@link composeCallerAudio}).
   */
  interruptGain: 1.4,
};

/** Words of the answer PocketSphinx reliably hears in espeak speech over G.722. */
const ANSWER_WORDS = ['sunny', 'warm', 'today', 'anything', 'else'];
/** Likewise for the greeting (a fresh decoder mishears most of it, but not "switchboard"). */
const GREETING_WORDS = ['hello', 'switchboard', 'demo', 'agent', 'help'];

/** A frame counts as speech above this level; what the bot sends between phrases is silence. */
const SPEECH_DBFS = -45;

/** A voice-bot turn as GET /v1/calls/:id/turns answers it (the fields read here). */
interface TurnView {
  index: number;
  userText: string;
  assistantText: string;
  interrupted: boolean;
  latency: Record<string, number>;
  events: Array<Record<string, unknown>>;
}

interface CallView {
  id: string;
  ruleId?: string;
  attributes: Record<string, string>;
}

/** What the caller says, where: built from the speech fixtures. */
interface Composition {
  file: string;
  durationS: number;
  questionStartS: number;
  questionEndS: number;
  interruptStartS: number;
  interruptEndS: number;
}

/**
 * Writes the caller's audio: silence, the question, silence, the interruption, silence.
 *
 * The interruption is "hello world" then "stop please stop", a little louder than the bot.
 * The echo guard decides whether speech during playback is the caller or the bot's own echo
 * from the level of the one 20 ms frame at which the VAD confirms speech (about 100-250 ms
 * in), against the loudest frame the bot sent in the last 300 ms. "stop please stop" alone
 * has its "s" and the closure of its "p" there — near-silent frames, so it was taken for echo
 * and silently dropped in most runs; "hello" is voiced throughout that stretch.
 */
async function composeCallerAudio(dir: string): Promise<Composition> {
  const question = at(await readMono(fixture('weather')), RATE);
  const interrupt = concat([
    at(await readMono(fixture('hello-world')), RATE),
    at(await readMono(fixture('interrupt')), RATE),
  ]).map((v) => Math.max(-32768, Math.min(32767, Math.round(v * SCRIPT.interruptGain))));
  const parts = [
    new Int16Array(Math.round(SCRIPT.leadS * RATE)),
    question,
    new Int16Array(Math.round(SCRIPT.gapS * RATE)),
    interrupt,
    new Int16Array(Math.round(SCRIPT.tailS * RATE)),
  ];
  const all = concat(parts);
  const file = path.join(dir, 'caller.wav');
  await writeFile(file, encodeWav(all, RATE, 1));
  const questionStartS = SCRIPT.leadS;
  const questionEndS = questionStartS + question.length / RATE;
  const interruptStartS = questionEndS + SCRIPT.gapS;
  const interruptEndS = interruptStartS + interrupt.length / RATE;
  return {
    file,
    durationS: all.length / RATE,
    questionStartS,
    questionEndS,
    interruptStartS,
    interruptEndS,
  };
}

function concat(parts: Int16Array[]): Int16Array {
  const all = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

/** Per 20 ms frame of `samples`: true when it is speech (see {@link SPEECH_DBFS}). */
function speechFrames(samples: Int16Array): boolean[] {
  const per = (RATE * FRAME_MS) / 1000;
  const out: boolean[] = [];
  for (let i = 0; i + per <= samples.length; i += per) {
    out.push(rmsDbfs(samples.subarray(i, i + per)) > SPEECH_DBFS);
  }
  return out;
}

/** Share of speech frames between `fromS` and `toS`. */
function speechShare(frames: boolean[], fromS: number, toS: number): number {
  const from = Math.max(0, Math.round((fromS * 1000) / FRAME_MS));
  const to = Math.min(frames.length, Math.round((toS * 1000) / FRAME_MS));
  if (to <= from) return 0;
  let n = 0;
  for (let i = from; i < to; i++) if (frames[i]) n++;
  return n / (to - from);
}

/** Start (s) of the first speech frame at or after `fromS`, if any before `toS`. */
function firstSpeech(frames: boolean[], fromS: number, toS: number): number | undefined {
  const from = Math.max(0, Math.round((fromS * 1000) / FRAME_MS));
  const to = Math.min(frames.length, Math.round((toS * 1000) / FRAME_MS));
  for (let i = from; i < to; i++) if (frames[i]) return (i * FRAME_MS) / 1000;
  return undefined;
}

/** Start (s) of the first run of at least `minS` of silence at or after `fromS`. */
function firstSilence(frames: boolean[], fromS: number, minS: number): number | undefined {
  const need = Math.round((minS * 1000) / FRAME_MS);
  let run = 0;
  for (let i = Math.max(0, Math.round((fromS * 1000) / FRAME_MS)); i < frames.length; i++) {
    run = frames[i] ? 0 : run + 1;
    if (run >= need) return ((i - need + 1) * FRAME_MS) / 1000;
  }
  return undefined;
}

/**
 * Runs PocketSphinx over the stretch `fromS`…`toS` of a recording (one stream each: the engine
 * takes audio at most 10 s ahead of itself) and returns the words it heard, lowercased.
 */
async function transcribe(
  stt: PocketsphinxStt,
  audio: Int16Array,
  fromS: number,
  toS: number,
): Promise<string[]> {
  const stream = stt.stream({ sampleRateHz: RATE, language: 'en-US' });
  const finals: SttResult[] = [];
  const done = (async () => {
    for await (const r of stream.results) if (r.type === 'final') finals.push(r);
  })();
  const per = (RATE * FRAME_MS) / 1000;
  const from = Math.round(fromS * RATE);
  const to = Math.min(audio.length, Math.round(toS * RATE));
  for (let i = from; i + per <= to; i += per) {
    const frame: AudioFrame = {
      samples: audio.slice(i, i + per),
      sampleRateHz: RATE,
      timestampMs: ((i - from) / RATE) * 1000,
    };
    stream.write(frame);
  }
  stream.end();
  await withTimeout(done, 30_000, `PocketSphinx over ${fromS}-${toS} s of the recording`);
  return finals.flatMap((r) => r.text.toLowerCase().split(/\s+/)).filter((w) => w !== '');
}

/** Why the speech engines the demo agent needs are unusable here, if they are. */
async function speechEnginesMissing(): Promise<string | undefined> {
  const sphinx = pocketsphinxAvailability();
  if (!sphinx.ok) return `pocketsphinx: ${sphinx.reason}`;
  const espeak = await espeakAvailability();
  if (!espeak.available) return `espeak-ng: ${espeak.reason}`;
  return undefined;
}

const enginesMissing = await speechEnginesMissing();

/** `describe` for this suite: baresip and the speech engines (fail when required, as CI). */
function describeVoiceSuite(title: string, body: () => void): void {
  describeWithBaresip(title, () => {
    if (enginesMissing === undefined) {
      body();
    } else if (process.env.SWITCHBOARD_E2E === 'required') {
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
    rtp: { portMin: 38_000, portMax: 38_198 },
    // G.722 first: PocketSphinx hears 16 kHz audio only.
    media: { codecs: ['G722', 'PCMU'] },
    voice: { stt: ['pocketsphinx'], tts: ['espeak-ng'], language: 'en-US' },
    dataDir,
    logLevel: 'warn',
    shutdownGraceMs: 5_000,
  });
}

/** Lets `ms` of real audio flow: the peers stream in real time, so this is the test's subject. */
function audioFor(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

describeVoiceSuite('voice agent against baresip', () => {
  let sb: Switchboard | undefined;
  let dataDir = '';
  const peers: Baresip[] = [];

  function server(): Switchboard {
    if (sb === undefined) throw new Error('Switchboard was not started');
    return sb;
  }

  async function api<T>(url: string): Promise<T> {
    const response = await fetch(`http://127.0.0.1:${server().httpPort}${url}`, {
      headers: { authorization: `Bearer ${server().initialAdminKey ?? ''}` },
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  /**
   * Polls `read` every 100 ms until `done` holds of its value, for at most `ms`; a timeout
   * fails naming `what` and showing the last value read.
   */
  async function until<T>(
    read: () => Promise<T>,
    done: (value: T) => boolean,
    ms: number,
    what: string,
  ): Promise<T> {
    const deadline = Date.now() + ms;
    let last: T | undefined;
    for (;;) {
      last = await read();
      if (done(last)) return last;
      if (Date.now() > deadline) {
        throw new Error(`Timed out after ${ms} ms: ${what}; last seen: ${JSON.stringify(last)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-voice-e2e-'));
    sb = await startTestSwitchboard(makeConfig(dataDir), { demoTenant: true });
    if (sb.voice === undefined) {
      throw new Error(`the voice plane did not start:\n${sb.voiceReport.join('\n')}`);
    }
  });

  afterAll(async () => {
    // baresip first, so its BYE still reaches a live server.
    await Promise.all(peers.map((p) => p.stop()));
    await sb?.stop();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  dumpBaresipOnFailure(() => peers);

  it(
    'answers a spoken question over G.722 and stops when the caller talks over it',
    {
      timeout: 90_000,
    },
    async () => {
      const script = await composeCallerAudio(dataDir);
      const caller = new Baresip({
        user: 'voice-caller',
        record: true,
        codecs: ['G722'],
        audioFile: { path: script.file, sampleRateHz: RATE },
      });
      peers.push(caller);
      await caller.start();

      const sipPort = server()
        .sipEndpoints()
        .find((e) => e.protocol === 'udp')!.port;
      const legArrived = withTimeout(
        new Promise<Leg>((r) => server().calls.once('leg', r)),
        STEP_MS,
        'a leg at the server',
      );
      const since = caller.mark();
      await caller.dial(`sip:3000@127.0.0.1:${sipPort}`);
      const established = await caller.waitForEvent('CALL_ESTABLISHED', STEP_MS, {
        since,
        failOn: ['CALL_CLOSED'],
      });
      const startedAt = Date.now();
      const leg = await legArrived;
      // Wideband: G.722 was negotiated, so the session hears 16 kHz.
      expect(leg.sampleRateHz).toBe(RATE);

      const call = await until(
        async () =>
          (await api<{ items: CallView[] }>('/v1/calls?limit=100')).items.find(
            (c) => c.attributes.sipCallId === established.id,
          ),
        (c) => c !== undefined,
        STEP_MS,
        `a call record for SIP Call-ID ${established.id}`,
      );
      expect(call!.ruleId).toBe(
        server().demoTenant?.rules.find((r) => r.calledNumber === '3000')?.id,
      );

      // The interrupted answer is recorded as soon as the bot stops, well before the file ends.
      const turnsUrl = `/v1/calls/${call!.id}/turns`;
      await until(
        () => api<{ items: TurnView[] }>(turnsUrl),
        (page) => page.items.some((t) => t.interrupted),
        Math.max(STEP_MS, (script.interruptEndS + 10) * 1000 - (Date.now() - startedAt)),
        'an interrupted turn',
      );
      // Let the rest of the file play: the recording must show what followed the barge-in.
      await audioFor(script.durationS * 1000 - (Date.now() - startedAt));
      const closedSince = caller.mark();
      await caller.hangup();
      await caller.waitForEvent('CALL_CLOSED', STEP_MS, { since: closedSince });
      await withTimeout(leg.ended, STEP_MS, 'the leg to end at the server');

      const turns = (await api<{ items: TurnView[] }>(turnsUrl)).items;
      const turn = turns.find((t) => /\bweather\b/.test(t.userText));

      // What baresip heard, and what PocketSphinx makes of it.
      const files = (await readdir(caller.recordDir)).filter((f) => f.endsWith('-dec.wav')).sort();
      expect(files, 'baresip recorded what it heard').not.toHaveLength(0);
      const samples = at(await readMono(path.join(caller.recordDir, files.at(-1)!)), RATE);
      const frames = speechFrames(samples);
      const answerStart = firstSpeech(frames, script.questionEndS, script.interruptStartS);
      // The bot's silence after the barge-in lasts until the interruption has been answered.
      const cutAt = firstSilence(frames, script.interruptStartS, 0.8);
      // The greeting first: a pooled decoder hears better once it has adapted to the voice.
      const stt = new PocketsphinxStt({ maxDecoders: 1 });
      let greetingWords: string[];
      let answerWords: string[];
      try {
        greetingWords = await transcribe(stt, samples, 0, script.questionStartS);
        answerWords = await transcribe(
          stt,
          samples,
          script.questionEndS,
          (cutAt ?? script.interruptEndS) + 0.3,
        );
      } finally {
        stt.close();
      }
      const heardMs = turn?.events.find((e) => e.type === 'heard')?.heardMs;
      // One line for the CI log: the trace and the recognition, whatever the verdict.
      process.stdout.write(
        `voice e2e: ${JSON.stringify({
          turns: turns.map((t) => ({
            userText: t.userText,
            assistantText: t.assistantText,
            interrupted: t.interrupted,
            latency: t.latency,
            events: t.events,
          })),
          script: { ...script, file: undefined },
          recording: { seconds: samples.length / RATE, answerStart, cutAt },
          greetingWords,
          answerWords,
        })}\n`,
      );

      // (1) The server recognised the question.
      expect(turn, `a turn about the weather in ${JSON.stringify(turns)}`).toBeDefined();
      for (const stage of ['sttFinal', 'responderFirstToken', 'ttsFirstAudio', 'firstPacket']) {
        expect(turn!.latency[stage], `latency.${stage}`).toBeGreaterThanOrEqual(0);
      }

      // (2) The answer is speech: the greeting, then an answer soon after the question, in words
      // PocketSphinx recognises.
      expect(speechShare(frames, 0.5, 3.5), 'the greeting is speech').toBeGreaterThan(0.4);
      expect(greetingWords.filter((w) => GREETING_WORDS.includes(w))).not.toHaveLength(0);
      expect(answerStart, 'speech after the question').toBeDefined();
      expect(answerStart! - script.questionEndS).toBeLessThan(3);
      expect(speechShare(frames, answerStart!, script.interruptStartS)).toBeGreaterThan(0.4);
      expect(answerWords.filter((w) => ANSWER_WORDS.includes(w))).not.toHaveLength(0);

      // (3) The caller's interruption cut the answer: the turn says so, and says what was heard ...
      const answer = DEMO_SCRIPT.rules[0]!.reply;
      expect(turn!.interrupted).toBe(true);
      expect(turn!.events).toContainEqual(expect.objectContaining({ type: 'barge-in' }));
      expect(turn!.assistantText.length).toBeGreaterThan(0);
      expect(turn!.assistantText.length).toBeLessThan(answer.length);
      expect(answer.startsWith(turn!.assistantText)).toBe(true);
      // ... the bot was talking when the caller began, went quiet soon after, and had played
      // about as much as the server says the caller heard.
      expect(
        speechShare(frames, script.interruptStartS - 1, script.interruptStartS),
      ).toBeGreaterThan(0.25);
      expect(cutAt, 'silence after the interruption').toBeDefined();
      expect(cutAt! - script.interruptStartS).toBeGreaterThan(0);
      expect(cutAt! - script.interruptStartS).toBeLessThan(2.5);
      expect(typeof heardMs).toBe('number');
      expect(Math.abs(cutAt! - answerStart! - (heardMs as number) / 1000)).toBeLessThan(0.75);
    },
  );
});
