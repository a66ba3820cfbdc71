/**
 * A local stand-in for Alibaba Cloud NLS's streaming-text synthesizer (the
 * `FlowingSpeechSynthesizer` WebSocket protocol at `/ws/v1?token=…`) on 127.0.0.1:0. It
 * holds the client to the protocol — token, AppKey, 32-hex message and task ids, namespace,
 * StartSynthesis → RunSynthesis… → StopSynthesis in that order, payload ranges — and answers
 * like the gateway: SynthesisStarted, then per sentence SentenceBegin, binary PCM,
 * SentenceSynthesis and SentenceEnd, then SynthesisCompleted; a violation is a TaskFailed.
 * Test-only.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { pcmBytes, pieces, speechLikePcm, type FakeTtsMode } from './tts-fake-speech.js';

/** What the fake saw of one connection. */
export interface AlibabaNlsFakeTask {
  token: string | null;
  /** Client messages in order (parsed). */
  messages: Array<{ header: Record<string, unknown>; payload: Record<string, unknown> }>;
  /** Texts of the RunSynthesis messages, in order. */
  texts: string[];
  /** The TaskFailed reason, when the fake refused something. */
  failure?: string;
}

/** A running fake. */
export interface AlibabaNlsTtsFake {
  /** Gateway URL to give the provider as `url` (without the token). */
  url: string;
  token: string;
  appKey: string;
  mode: FakeTtsMode;
  tasks: AlibabaNlsFakeTask[];
  close(): Promise<void>;
}

const NAMESPACE = 'FlowingSpeechSynthesizer';
const RATES = [8000, 16000, 22050, 24000, 44100, 48000];
const HEX32 = /^[0-9a-f]{32}$/;
const SENTENCE_END = /[。！？!?；;]|\.(?=\s|$)/;

/** Starts the fake on 127.0.0.1 at a free port. */
export async function startAlibabaNlsTtsFake(
  options: { token?: string; appKey?: string; mode?: FakeTtsMode } = {},
): Promise<AlibabaNlsTtsFake> {
  const fake: AlibabaNlsTtsFake = {
    url: '',
    token: options.token ?? 'nls-test-token',
    appKey: options.appKey ?? 'nls-test-appkey',
    mode: options.mode ?? 'ok',
    tasks: [],
    close: async () => undefined,
  };
  const server = createServer((_req, res) => {
    res.writeHead(426);
    res.end();
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws/v1') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws, url.searchParams.get('token')));
  });

  function serve(ws: WebSocket, token: string | null): void {
    const task: AlibabaNlsFakeTask = { token, messages: [], texts: [] };
    fake.tasks.push(task);
    let state: 'new' | 'started' | 'stopped' | 'failed' = 'new';
    let taskId = '';
    let rate = 16000;
    let pending = '';
    let sentenceIndex = 0;

    const event = (
      name: string,
      payload: Record<string, unknown> = {},
      status = 20000000,
    ): void => {
      ws.send(
        JSON.stringify({
          header: {
            message_id: randomUUID().replace(/-/g, ''),
            task_id: taskId,
            namespace: NAMESPACE,
            name,
            status,
            status_message: status === 20000000 ? 'GATEWAY|SUCCESS|Success.' : 'failed',
            status_text: status === 20000000 ? 'Gateway:SUCCESS:Success.' : 'failed',
          },
          payload,
        }),
      );
    };
    const refuse = (status: number, why: string): void => {
      task.failure = why;
      state = 'failed';
      ws.send(
        JSON.stringify({
          header: {
            message_id: randomUUID().replace(/-/g, ''),
            task_id: taskId,
            namespace: 'Default',
            name: 'TaskFailed',
            status,
            status_text: why,
          },
          payload: {},
        }),
      );
      ws.close(1000);
    };
    const speak = (sentence: string): void => {
      const text = sentence.trim();
      if (!text) return;
      sentenceIndex++;
      event('SentenceBegin', { index: sentenceIndex });
      const chunks = pieces(pcmBytes(speechLikePcm(text, rate)), (rate / 10) * 2);
      if (fake.mode === 'abrupt-close') {
        ws.send(chunks[0]!);
        ws.terminate();
        state = 'failed';
        return;
      }
      for (const chunk of chunks) ws.send(chunk);
      event('SentenceSynthesis', {
        subtitles: [{ text, sentence: true, begin_index: 0, end_index: text.length }],
      });
      event('SentenceEnd', { index: sentenceIndex });
    };
    // A function, not an inline comparison: speak() may fail the task inside the loops below.
    const failed = (): boolean => state === 'failed';
    const drainSentences = (final: boolean): void => {
      for (;;) {
        if (failed()) return;
        const m = SENTENCE_END.exec(pending);
        if (!m) break;
        const end = m.index + m[0].length;
        speak(pending.slice(0, end));
        pending = pending.slice(end);
      }
      if (final && !failed()) {
        speak(pending);
        pending = '';
      }
    };

    ws.on('message', (data, isBinary) => {
      if (state === 'failed' || state === 'stopped') return;
      if (isBinary) return refuse(40000000, 'Gateway:CLIENT_ERROR:binary frame from client');
      let message: { header?: Record<string, unknown>; payload?: Record<string, unknown> };
      try {
        message = JSON.parse(String(data)) as typeof message;
      } catch {
        return refuse(40000000, 'Gateway:CLIENT_ERROR:message is not JSON');
      }
      const header = message.header;
      const payload = message.payload ?? {};
      if (!header || typeof header !== 'object') {
        return refuse(40000000, 'Gateway:CLIENT_ERROR:no header');
      }
      task.messages.push({ header, payload });
      if (state === 'new') taskId = String(header.task_id ?? '');
      if (token !== fake.token || fake.mode === 'unauthorized') {
        return refuse(40000001, `Gateway:ACCESS_DENIED:The token '${token}' is invalid!`);
      }
      if (header.appkey !== fake.appKey) {
        return refuse(40020105, 'Meta:APPKEY_NOT_EXIST:Appkey not exist!');
      }
      if (header.namespace !== NAMESPACE) {
        return refuse(40000000, `Gateway:NAMESPACE_NOT_SUPPORTED:${String(header.namespace)}`);
      }
      if (typeof header.message_id !== 'string' || !HEX32.test(header.message_id)) {
        return refuse(40000000, 'Gateway:CLIENT_ERROR:message_id must be 32 hex digits');
      }
      if (typeof header.task_id !== 'string' || !HEX32.test(header.task_id)) {
        return refuse(40000000, 'Gateway:CLIENT_ERROR:task_id must be 32 hex digits');
      }
      if (header.task_id !== taskId) {
        return refuse(40000000, 'Gateway:CLIENT_ERROR:task_id changed within the task');
      }
      if (fake.mode === 'stall' && state !== 'new') return;
      switch (header.name) {
        case 'StartSynthesis': {
          if (state !== 'new') return refuse(40000000, 'Gateway:CLIENT_ERROR:StartSynthesis twice');
          if (payload.format !== undefined && payload.format !== 'pcm') {
            return refuse(40000000, `the fake speaks pcm only, not ${String(payload.format)}`);
          }
          const sampleRate = payload.sample_rate ?? 16000;
          if (typeof sampleRate !== 'number' || !RATES.includes(sampleRate)) {
            return refuse(41010101, `Meta:UNSUPPORTED_SAMPLE_RATE:${String(sampleRate)}`);
          }
          for (const key of ['speech_rate', 'pitch_rate'] as const) {
            const v = payload[key];
            if (
              v !== undefined &&
              !(Number.isInteger(v) && (v as number) >= -500 && (v as number) <= 500)
            ) {
              return refuse(40000000, `Meta:PARAM_OUT_OF_RANGE:${key}`);
            }
          }
          const volume = payload.volume;
          if (
            volume !== undefined &&
            !(Number.isInteger(volume) && (volume as number) >= 0 && (volume as number) <= 100)
          ) {
            return refuse(40000000, 'Meta:PARAM_OUT_OF_RANGE:volume');
          }
          if (payload.voice !== undefined && typeof payload.voice !== 'string') {
            return refuse(40000000, 'Meta:PARAM_INVALID:voice');
          }
          rate = sampleRate;
          state = 'started';
          event('SynthesisStarted', { session_id: randomUUID().replace(/-/g, ''), index: 1 });
          return;
        }
        case 'RunSynthesis': {
          if (state !== 'started') {
            return refuse(40000000, 'Gateway:CLIENT_ERROR:RunSynthesis before SynthesisStarted');
          }
          if (typeof payload.text !== 'string' || !payload.text) {
            return refuse(40000000, 'Meta:PARAM_INVALID:text');
          }
          task.texts.push(payload.text);
          if (fake.mode === 'malformed') {
            ws.send('{"header": {"name": "SentenceBegin"');
            return;
          }
          pending += payload.text;
          drainSentences(false);
          return;
        }
        case 'StopSynthesis': {
          if (state !== 'started') {
            return refuse(40000000, 'Gateway:CLIENT_ERROR:StopSynthesis before SynthesisStarted');
          }
          drainSentences(true);
          if (failed()) return;
          state = 'stopped';
          event('SynthesisCompleted', {});
          return;
        }
        default:
          return refuse(40000000, `Gateway:CLIENT_ERROR:unknown command ${String(header.name)}`);
      }
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `ws://127.0.0.1:${port}/ws/v1`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
