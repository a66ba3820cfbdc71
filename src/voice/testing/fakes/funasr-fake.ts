/**
 * Test support: a fake FunASR runtime server (`funasr-wss-server-2pass`) on 127.0.0.1 port
 * 0. It checks the first message the way the runtime reads it (JSON with `mode` 2pass /
 * online / offline, a three-number `chunk_size` with a non-zero middle, `wav_name`,
 * `is_speaking: true`, `wav_format: pcm`, an 8 or 16 kHz `audio_fs`, `hotwords` as a JSON
 * *string*), then binary PCM16, then `{"is_speaking": false}`. It answers as the runtime
 * does: `2pass-online` pieces (only the new words) every chunk of speech, a `2pass-offline`
 * sentence at the end of speech, and the result answering `is_speaking: false` with
 * `is_final: true` — and it does not close the connection. Violations are recorded and
 * close the socket with 1008.
 */
import type { WebSocket } from 'ws';
import {
  isRecord,
  startWsFake,
  toBuffer,
  tryJson,
  violate,
  type FakeFailure,
} from './fake-server.js';
import { ScriptedRecognizer, type ScriptEvent } from './scripted-recognizer.js';

/** Options of {@link startFunAsrFake}. */
export interface FunAsrFakeOptions {
  transcript?: string | string[];
  /** `auth` stands for a refused connection (503): FunASR itself has no authentication. */
  failure?: FakeFailure;
}

/** One connection as the fake saw it. */
export interface FunAsrFakeSession {
  first: Record<string, unknown> | undefined;
  audioBytes: number;
  speakingEnded: boolean;
}

/** The running fake. */
export interface FunAsrFake {
  url: string;
  sessions: FunAsrFakeSession[];
  violations: string[];
  close(): Promise<void>;
}

const MODES = ['2pass', 'online', 'offline'];

/** Starts a fake FunASR server. */
export async function startFunAsrFake(options: FunAsrFakeOptions = {}): Promise<FunAsrFake> {
  const sessions: FunAsrFakeSession[] = [];
  const violations: string[] = [];
  const running = await startWsFake({
    admit() {
      if (options.failure === 'auth') {
        return { status: 503, body: 'Service Unavailable', contentType: 'text/plain' };
      }
      return undefined;
    },
    connected(ws) {
      const session: FunAsrFakeSession = { first: undefined, audioBytes: 0, speakingEnded: false };
      sessions.push(session);
      serve(ws, session, violations, options);
    },
  });
  return { url: `ws://${running.host}`, sessions, violations, close: running.close };
}

function serve(
  ws: WebSocket,
  session: FunAsrFakeSession,
  violations: string[],
  options: FunAsrFakeOptions,
): void {
  let recognizer: ScriptedRecognizer | undefined;
  let mode = '2pass';
  let wavName = '';
  let said = 0;
  const fail = (message: string): void => violate(ws, violations, message);
  const result = (resultMode: string, text: string, isFinal: boolean): void => {
    ws.send(JSON.stringify({ mode: resultMode, wav_name: wavName, text, is_final: isFinal }));
  };
  const answer = (events: ScriptEvent[], isFinal: boolean): void => {
    const online = mode === 'offline' ? undefined : mode === 'online' ? 'online' : '2pass-online';
    const offline =
      mode === 'online' ? undefined : mode === 'offline' ? 'offline' : '2pass-offline';
    let last: [string, string] | undefined;
    for (const e of events) {
      if (e.type === 'speech-start') said = 0;
      if (e.type === 'partial' && online && e.words.length > said) {
        // Online results carry only the words new since the last one.
        last = [
          online,
          `${e.words
            .slice(said)
            .map((w) => w.word)
            .join(' ')} `,
        ];
        said = e.words.length;
        result(...last, false);
      }
      if (e.type === 'final') {
        if (offline) last = [offline, e.words.map((w) => w.word).join(' ')];
        else
          last = [
            online!,
            e.words
              .slice(said)
              .map((w) => w.word)
              .join(' '),
          ];
        said = 0;
        if (!isFinal) result(...last, false);
      }
    }
    // The answer to is_speaking: false is always sent, empty when nothing was left.
    if (isFinal) {
      ws.send(
        JSON.stringify(
          last
            ? { mode: last[0], wav_name: wavName, text: last[1], is_final: true }
            : { text: '', wav_name: wavName, is_final: true },
        ),
      );
    }
  };

  ws.on('message', (data, isBinary) => {
    if (options.failure === 'stall') return;
    const bytes = toBuffer(data);
    if (isBinary) {
      if (!recognizer) return fail('audio before the first (JSON) message');
      if (session.speakingEnded) return fail('audio after is_speaking: false');
      if (bytes.length % 2 !== 0) return fail(`audio of ${bytes.length} bytes is not PCM16`);
      session.audioBytes += bytes.length;
      if (options.failure === 'malformed') {
        ws.send('{"mode": "2pass-online", "text": ');
        return;
      }
      if (options.failure === 'abrupt' && session.audioBytes > 16000) {
        ws.terminate();
        return;
      }
      answer(recognizer.feed(bytes), false);
      return;
    }
    const message = tryJson(bytes.toString('utf8'));
    if (!isRecord(message)) return fail('text message is not a JSON object');
    if (!recognizer) {
      const problem = checkFirst(message);
      if (problem) return fail(problem);
      session.first = message;
      mode = String(message['mode']);
      wavName = String(message['wav_name']);
      recognizer = new ScriptedRecognizer({
        transcript: options.transcript,
        sampleRateHz: Number(message['audio_fs']),
      });
      return;
    }
    if (message['is_speaking'] !== false) {
      return fail(`unexpected text message ${JSON.stringify(message).slice(0, 60)}`);
    }
    if (session.speakingEnded) return fail('is_speaking: false twice');
    session.speakingEnded = true;
    if (options.failure) return;
    answer(recognizer.flush(), true);
  });
}

function checkFirst(m: Record<string, unknown>): string | undefined {
  const chunk = m['chunk_size'];
  if (!MODES.includes(String(m['mode']))) return `mode ${String(m['mode'])} is unknown`;
  if (
    !Array.isArray(chunk) ||
    chunk.length !== 3 ||
    !chunk.every((n) => Number.isInteger(n)) ||
    chunk[1] === 0
  ) {
    return 'Wrong chunk_size!';
  }
  if (typeof m['wav_name'] !== 'string' || m['wav_name'] === '') return 'wav_name is missing';
  if (m['is_speaking'] !== true) return 'the first message must say is_speaking: true';
  if (m['wav_format'] !== 'pcm') return `wav_format ${String(m['wav_format'])} is not pcm`;
  if (m['audio_fs'] !== 16000 && m['audio_fs'] !== 8000) {
    return `audio_fs ${String(m['audio_fs'])} is not 8000 or 16000`;
  }
  if (m['hotwords'] !== undefined) {
    if (typeof m['hotwords'] !== 'string') return 'hotwords must be a JSON string';
    const parsed = tryJson(m['hotwords']);
    if (!isRecord(parsed) || !Object.values(parsed).every((v) => Number.isInteger(v))) {
      return 'hotwords must encode a phrase → weight object';
    }
  }
  if (m['itn'] !== undefined && typeof m['itn'] !== 'boolean') return 'itn must be a boolean';
  return undefined;
}
