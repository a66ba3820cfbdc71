/**
 * Test support: a fake Deepgram live streaming server (`/v1/listen`) on 127.0.0.1 port 0.
 * It checks the handshake the way Deepgram does (`Authorization: Token <key>`, 401 otherwise;
 * linear16 mono at a supported rate with interim results, 400 otherwise), accepts only
 * binary PCM16 and the `KeepAlive` / `CloseStream` control messages, and answers with
 * `Results` messages from a {@link ScriptedRecognizer}: interim results while speech flows,
 * a final one (`is_final`, `speech_final`) when it ends, then `Metadata` and a normal close
 * after `CloseStream`. Anything else is a protocol violation: recorded, and the connection
 * closed with 1008 so the adapter's test fails.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { WebSocket } from 'ws';
import {
  isRecord,
  startWsFake,
  toBuffer,
  tryJson,
  violate,
  type FakeFailure,
} from './fake-server.js';
import { ScriptedRecognizer, type ScriptEvent, type ScriptedWord } from './scripted-recognizer.js';

/** Options of {@link startDeepgramFake}. */
export interface DeepgramFakeOptions {
  /** The key it admits (default `test-deepgram-key`). */
  apiKey?: string;
  /** Utterances it "recognises", one per stretch of speech (default `hello world`). */
  transcript?: string | string[];
  /** How it fails, for the contract's failing subject; omitted, it works. */
  failure?: FakeFailure;
}

/** One connection as the fake saw it. */
export interface DeepgramFakeSession {
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
  audioBytes: number;
  keepAlives: number;
  closeStream: boolean;
}

/** The running fake. */
export interface DeepgramFake {
  /** Base URL for the adapter's `baseUrl` setting. */
  url: string;
  apiKey: string;
  sessions: DeepgramFakeSession[];
  /** Protocol violations the adapter committed (empty when it spoke Deepgram correctly). */
  violations: string[];
  close(): Promise<void>;
}

const RATES = ['8000', '16000', '48000'];

/** Starts a fake Deepgram. */
export async function startDeepgramFake(options: DeepgramFakeOptions = {}): Promise<DeepgramFake> {
  const apiKey = options.apiKey ?? 'test-deepgram-key';
  const sessions: DeepgramFakeSession[] = [];
  const violations: string[] = [];
  const running = await startWsFake({
    admit(req, url) {
      if (options.failure === 'auth' || req.headers.authorization !== `Token ${apiKey}`) {
        return {
          status: 401,
          body: JSON.stringify({
            err_code: 'INVALID_AUTH',
            err_msg: 'Invalid credentials.',
            request_id: 'fake',
          }),
        };
      }
      const q = url.searchParams;
      const checks: [boolean, string][] = [
        [url.pathname === '/v1/listen', `path ${url.pathname} is not /v1/listen`],
        [q.get('encoding') === 'linear16', 'encoding must be linear16'],
        [RATES.includes(q.get('sample_rate') ?? ''), `sample_rate ${q.get('sample_rate')}`],
        [q.get('channels') === '1', 'channels must be 1'],
        [q.get('interim_results') === 'true', 'interim_results must be true'],
        [q.get('punctuate') === 'true', 'punctuate must be true'],
        [Boolean(q.get('model')), 'model is missing'],
        [Boolean(q.get('language')), 'language is missing'],
      ];
      const problem = checks.find(([ok]) => !ok)?.[1];
      if (problem) {
        violations.push(problem);
        return {
          status: 400,
          body: JSON.stringify({ err_code: 'Bad Request', err_msg: problem, request_id: 'fake' }),
        };
      }
      return undefined;
    },
    connected(ws, req, url) {
      const session: DeepgramFakeSession = {
        headers: req.headers,
        query: url.searchParams,
        audioBytes: 0,
        keepAlives: 0,
        closeStream: false,
      };
      sessions.push(session);
      serve(ws, session, violations, options);
    },
  });
  return { url: `ws://${running.host}`, apiKey, sessions, violations, close: running.close };
}

function serve(
  ws: WebSocket,
  session: DeepgramFakeSession,
  violations: string[],
  options: DeepgramFakeOptions,
): void {
  const rateHz = Number(session.query.get('sample_rate'));
  const recognizer = new ScriptedRecognizer({
    transcript: options.transcript,
    sampleRateHz: rateHz,
  });
  const send = (events: ScriptEvent[]): void => {
    for (const e of events) {
      if (e.type === 'partial') ws.send(JSON.stringify(results(e.words, false, session)));
      if (e.type === 'final') ws.send(JSON.stringify(results(e.words, true, session)));
    }
  };
  ws.on('message', (data, isBinary) => {
    if (options.failure === 'stall') return;
    const bytes = toBuffer(data);
    if (isBinary) {
      if (session.closeStream) return violate(ws, violations, 'audio after CloseStream');
      if (bytes.length % 2 !== 0) {
        return violate(ws, violations, `audio message of ${bytes.length} bytes is not PCM16`);
      }
      session.audioBytes += bytes.length;
      if (options.failure === 'malformed') {
        ws.send('{"type":"Results","channel":');
        return;
      }
      if (options.failure === 'abrupt' && session.audioBytes > rateHz) {
        ws.terminate();
        return;
      }
      send(recognizer.feed(bytes));
      return;
    }
    const message = tryJson(bytes.toString('utf8'));
    const type = isRecord(message) ? message['type'] : undefined;
    if (type === 'KeepAlive') {
      session.keepAlives++;
      return;
    }
    if (type === 'CloseStream') {
      if (session.closeStream) return violate(ws, violations, 'CloseStream sent twice');
      session.closeStream = true;
      if (options.failure) return; // abrupt / malformed never get this far cleanly
      send(recognizer.flush());
      ws.send(
        JSON.stringify({
          type: 'Metadata',
          request_id: 'fake',
          duration: recognizer.audioMs / 1000,
          channels: 1,
        }),
      );
      ws.close(1000);
      return;
    }
    violate(ws, violations, `unexpected text message: ${bytes.toString('utf8').slice(0, 60)}`);
  });
}

function results(
  words: ScriptedWord[],
  isFinal: boolean,
  session: DeepgramFakeSession,
): Record<string, unknown> {
  const first = words[0];
  const last = words[words.length - 1];
  const startS = (first?.startMs ?? 0) / 1000;
  return {
    type: 'Results',
    channel_index: [0, 1],
    duration: ((last?.endMs ?? 0) - (first?.startMs ?? 0)) / 1000,
    start: startS,
    is_final: isFinal,
    speech_final: isFinal,
    channel: {
      alternatives: [
        {
          transcript: words.map((w) => w.word).join(' '),
          confidence: isFinal ? 0.98 : 0.8,
          words: words.map((w) => ({
            word: w.word,
            start: w.startMs / 1000,
            end: w.endMs / 1000,
            confidence: 0.97,
            punctuated_word: w.word,
          })),
        },
      ],
    },
    metadata: { request_id: 'fake', model_info: { name: session.query.get('model') } },
    from_finalize: false,
  };
}
