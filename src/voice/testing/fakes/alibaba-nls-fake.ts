/**
 * Test support: a fake Alibaba Cloud NLS gateway (`/ws/v1?token=…`) running the
 * `SpeechTranscriber` protocol on 127.0.0.1 port 0. It holds the adapter to the documented
 * order — `StartTranscription` (header with namespace, name, appkey, 32-hex message and task
 * ids; payload `format: pcm`, an 8 or 16 kHz `sample_rate`), no audio before
 * `TranscriptionStarted`, binary PCM16 in chunks of at most 100 ms, `StopTranscription` with
 * the same task id — and answers `TranscriptionStarted`, `SentenceBegin`,
 * `TranscriptionResultChanged`, `SentenceEnd` (with confidence and words in ms) and
 * `TranscriptionCompleted`. A bad token gets `TaskFailed` (status 40000001) as the gateway
 * does; protocol violations are recorded and close the socket with 1008.
 */
import type { WebSocket } from 'ws';
import {
  isHex32,
  isRecord,
  startWsFake,
  toBuffer,
  tryJson,
  violate,
  type FakeFailure,
} from './fake-server.js';
import { ScriptedRecognizer, type ScriptEvent, type ScriptedWord } from './scripted-recognizer.js';

/** Options of {@link startAlibabaNlsFake}. */
export interface AlibabaNlsFakeOptions {
  /** The token it admits (default `test-nls-token`). */
  token?: string;
  /** The project appkey it knows (default `test-appkey`). */
  appKey?: string;
  transcript?: string | string[];
  failure?: FakeFailure;
}

/** One connection as the fake saw it. */
export interface AlibabaNlsFakeSession {
  token: string | null;
  /** Command names in order, with `audio` once per run of binary messages. */
  sequence: string[];
  start: Record<string, unknown> | undefined;
  audioBytes: number;
  /** Largest audio message, in bytes. */
  largestChunk: number;
}

/** The running fake. */
export interface AlibabaNlsFake {
  /** Gateway URL for the adapter's `url` setting. */
  url: string;
  token: string;
  appKey: string;
  sessions: AlibabaNlsFakeSession[];
  violations: string[];
  close(): Promise<void>;
}

const NAMESPACE = 'SpeechTranscriber';

/** Starts a fake NLS gateway. */
export async function startAlibabaNlsFake(
  options: AlibabaNlsFakeOptions = {},
): Promise<AlibabaNlsFake> {
  const token = options.token ?? 'test-nls-token';
  const appKey = options.appKey ?? 'test-appkey';
  const sessions: AlibabaNlsFake['sessions'] = [];
  const violations: string[] = [];
  const running = await startWsFake({
    admit(_req, url) {
      if (url.pathname !== '/ws/v1') {
        violations.push(`path ${url.pathname} is not /ws/v1`);
        return { status: 404, body: 'not found', contentType: 'text/plain' };
      }
      return undefined;
    },
    connected(ws, _req, url) {
      const session: AlibabaNlsFakeSession = {
        token: url.searchParams.get('token'),
        sequence: [],
        start: undefined,
        audioBytes: 0,
        largestChunk: 0,
      };
      sessions.push(session);
      serve(ws, session, violations, { ...options, token, appKey });
    },
  });
  return {
    url: `ws://${running.host}/ws/v1`,
    token,
    appKey,
    sessions,
    violations,
    close: running.close,
  };
}

function serve(
  ws: WebSocket,
  session: AlibabaNlsFakeSession,
  violations: string[],
  options: AlibabaNlsFakeOptions & { token: string; appKey: string },
): void {
  let taskId: string | undefined;
  let rateHz = 16000;
  let recognizer: ScriptedRecognizer | undefined;
  let started = false;
  let stopped = false;
  let index = 0;
  const fail = (message: string): void => violate(ws, violations, message);
  const event = (name: string, payload?: Record<string, unknown>, status = 20000000): void => {
    const header: Record<string, unknown> = {
      message_id: randomHex(),
      task_id: taskId ?? '',
      namespace: NAMESPACE,
      name,
      status,
      status_message: status === 20000000 ? 'GATEWAY|SUCCESS|Success.' : 'GATEWAY|FAILED',
    };
    if (status !== 20000000) header['status_text'] = payload?.['status_text'];
    ws.send(JSON.stringify(payload && status === 20000000 ? { header, payload } : { header }));
  };
  const words = (list: ScriptedWord[]): Record<string, unknown>[] =>
    list.map((w) => ({ text: w.word, startTime: w.startMs, endTime: w.endMs }));
  const answer = (events: ScriptEvent[]): void => {
    for (const e of events) {
      if (e.type === 'speech-start') event('SentenceBegin', { index: ++index, time: e.atMs });
      if (e.type === 'partial') {
        event('TranscriptionResultChanged', {
          index,
          time: e.atMs,
          result: e.words.map((w) => w.word).join(' '),
          words: words(e.words),
        });
      }
      if (e.type === 'final') {
        event('SentenceEnd', {
          index,
          time: e.endMs,
          begin_time: e.startMs,
          result: e.words.map((w) => w.word).join(' '),
          confidence: 0.91,
          words: words(e.words),
        });
      }
    }
  };

  ws.on('message', (data, isBinary) => {
    if (options.failure === 'stall') return;
    const bytes = toBuffer(data);
    if (isBinary) {
      if (!started) return fail('audio before TranscriptionStarted');
      if (stopped) return fail('audio after StopTranscription');
      if (bytes.length % 2 !== 0) return fail(`audio chunk of ${bytes.length} bytes is not PCM16`);
      const maxBytes = (rateHz / 10) * 2;
      if (bytes.length > maxBytes) return fail(`audio chunk of ${bytes.length} bytes > 100 ms`);
      if (session.sequence.at(-1) !== 'audio') session.sequence.push('audio');
      session.audioBytes += bytes.length;
      session.largestChunk = Math.max(session.largestChunk, bytes.length);
      if (options.failure === 'malformed') {
        ws.send('{"header": {"name": "TranscriptionResultChanged"');
        return;
      }
      if (options.failure === 'abrupt' && session.audioBytes > rateHz) {
        ws.terminate();
        return;
      }
      answer(recognizer!.feed(bytes));
      return;
    }
    const message = tryJson(bytes.toString('utf8'));
    const header = isRecord(message) ? message['header'] : undefined;
    if (!isRecord(message) || !isRecord(header)) return fail('command without a header');
    const name = header['name'];
    if (typeof name !== 'string') return fail('command without header.name');
    session.sequence.push(name);
    const problem = [
      header['namespace'] !== NAMESPACE && `namespace ${String(header['namespace'])}`,
      header['appkey'] !== options.appKey && name !== 'StartTranscription' && 'wrong appkey',
      !isHex32(header['message_id']) && 'message_id is not 32 hex',
      !isHex32(header['task_id']) && 'task_id is not 32 hex',
      taskId !== undefined && header['task_id'] !== taskId && 'task_id changed',
    ].find((p) => p);
    if (problem) return fail(`${name}: ${problem}`);
    if (name === 'StartTranscription') {
      if (taskId !== undefined) return fail('StartTranscription twice');
      taskId = String(header['task_id']);
      if (options.failure === 'auth' || session.token !== options.token) {
        event(
          'TaskFailed',
          {
            status_text: `Gateway:ACCESS_DENIED:The token '${session.token}' is invalid!`,
          },
          40000001,
        );
        ws.close(1000);
        return;
      }
      if (header['appkey'] !== options.appKey) {
        event(
          'TaskFailed',
          { status_text: 'Gateway:APPKEY_NOT_EXIST:Appkey not exist!' },
          40020105,
        );
        ws.close(1000);
        return;
      }
      const payload = isRecord(message['payload']) ? message['payload'] : {};
      if (payload['format'] !== 'pcm')
        return fail(`format ${String(payload['format'])} is not pcm`);
      if (payload['sample_rate'] !== 16000 && payload['sample_rate'] !== 8000) {
        return fail(`sample_rate ${String(payload['sample_rate'])} is not 8000 or 16000`);
      }
      session.start = payload;
      rateHz = payload['sample_rate'];
      recognizer = new ScriptedRecognizer({ transcript: options.transcript, sampleRateHz: rateHz });
      started = true;
      event('TranscriptionStarted', { session_id: randomHex() });
      return;
    }
    if (name === 'StopTranscription') {
      if (!started) return fail('StopTranscription before TranscriptionStarted');
      if (stopped) return fail('StopTranscription twice');
      stopped = true;
      if (options.failure) return;
      answer(recognizer!.flush());
      event('TranscriptionCompleted');
      ws.close(1000);
      return;
    }
    fail(`unknown command ${name}`);
  });
}

function randomHex(): string {
  let out = '';
  for (let i = 0; i < 32; i++) out += Math.floor(Math.random() * 16).toString(16);
  return out;
}
