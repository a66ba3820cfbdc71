/**
 * A local stand-in for ElevenLabs' input-streaming WebSocket
 * (`/v1/text-to-speech/{voice_id}/stream-input?model_id=…&output_format=pcm_…`) on
 * 127.0.0.1:0. It holds the client to the documented protocol — `xi-api-key` header (or
 * `xi_api_key` in the first message), a first message of a single space, text chunks that end
 * with a space, `{text: ''}` to end, no message after that — and answers like the service:
 * it buffers text and speaks it when a chunk is flushed, when the buffer passes the first
 * step of the chunk schedule (120 characters), or at the end, sending base64 PCM with
 * character alignment, then `{isFinal: true}` and a normal close. Test-only.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { pcmBytes, pieces, speechLikePcm, type FakeTtsMode } from './tts-fake-speech.js';

/** What the fake saw of one connection. */
export interface ElevenLabsFakeSession {
  voiceId: string;
  query: Record<string, string>;
  apiKeyHeader: string | undefined;
  /** Client messages in order (parsed). */
  messages: Array<Record<string, unknown>>;
  /** Texts the fake synthesised, in order (one per generation). */
  generations: string[];
  /** Why the fake closed the connection with an error, if it did. */
  failure?: string;
}

/** A running fake. */
export interface ElevenLabsTtsFake {
  /** Root to give the provider as `baseUrl`. */
  baseUrl: string;
  apiKey: string;
  mode: FakeTtsMode;
  sessions: ElevenLabsFakeSession[];
  close(): Promise<void>;
}

const PATH = /^\/v1\/text-to-speech\/([^/]+)\/stream-input$/;
const FORMATS: Record<string, number> = {
  pcm_8000: 8000,
  pcm_16000: 16000,
  pcm_22050: 22050,
  pcm_24000: 24000,
  pcm_44100: 44100,
};
const FIELDS = new Set([
  'text',
  'voice_settings',
  'generation_config',
  'xi_api_key',
  'authorization',
  'try_trigger_generation',
  'flush',
]);
/** First step of the default chunk_length_schedule: text is spoken once this much is buffered. */
const SCHEDULE_CHARS = 120;

/** Starts the fake on 127.0.0.1 at a free port. */
export async function startElevenLabsTtsFake(
  options: { apiKey?: string; mode?: FakeTtsMode } = {},
): Promise<ElevenLabsTtsFake> {
  const fake: ElevenLabsTtsFake = {
    baseUrl: '',
    apiKey: options.apiKey ?? 'xi-test-key',
    mode: options.mode ?? 'ok',
    sessions: [],
    close: async () => undefined,
  };
  const server = createServer((_req, res) => {
    res.writeHead(426);
    res.end();
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = PATH.exec(url.pathname);
    if (!match) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const header = req.headers['xi-api-key'];
    wss.handleUpgrade(req, socket, head, (ws) =>
      serve(ws, {
        voiceId: decodeURIComponent(match[1]!),
        query: Object.fromEntries(url.searchParams),
        apiKeyHeader: Array.isArray(header) ? header[0] : header,
        messages: [],
        generations: [],
      }),
    );
  });

  function serve(ws: WebSocket, session: ElevenLabsFakeSession): void {
    fake.sessions.push(session);
    let buffer = '';
    let ended = false;
    let closed = false;
    let rate = 16000;

    const refuse = (why: string, code = 1008): void => {
      session.failure = why;
      closed = true;
      ws.send(JSON.stringify({ message: why, error: 'policy_violation', code }));
      ws.close(code, why.slice(0, 100));
    };
    const generate = (): void => {
      const text = buffer.trim();
      buffer = '';
      if (!text || closed) return;
      session.generations.push(text);
      const audio = pcmBytes(speechLikePcm(text, rate));
      const chunks = pieces(audio, (rate / 5) * 2);
      const perChar = (audio.length / 2 / rate) * (1000 / Math.max(1, text.length));
      for (let n = 0; n < chunks.length; n++) {
        const alignment =
          n === 0
            ? {
                chars: [...text],
                charStartTimesMs: [...text].map((_, i) => Math.round(i * perChar)),
                charDurationsMs: [...text].map(() => Math.round(perChar)),
              }
            : null;
        ws.send(
          JSON.stringify({
            audio: chunks[n]!.toString('base64'),
            isFinal: null,
            normalizedAlignment: alignment,
            alignment,
          }),
        );
        if (fake.mode === 'abrupt-close') {
          closed = true;
          ws.terminate();
          return;
        }
      }
    };

    const format = session.query.output_format ?? 'mp3_44100_128';
    if (!session.query.model_id) return refuse('model_id is required');
    if (!FORMATS[format]) return refuse(`the fake speaks pcm only, not ${format}`);
    rate = FORMATS[format]!;

    ws.on('message', (data, isBinary) => {
      if (closed) return;
      if (isBinary) return refuse('binary messages are not accepted');
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(String(data)) as Record<string, unknown>;
        if (typeof message !== 'object' || message === null || Array.isArray(message)) {
          throw new Error();
        }
      } catch {
        return refuse('message is not a JSON object');
      }
      session.messages.push(message);
      const first = session.messages.length === 1;
      if (ended) return refuse('message after the end of input');
      for (const key of Object.keys(message)) {
        if (!FIELDS.has(key)) return refuse(`unknown field ${key}`);
      }
      if (typeof message.text !== 'string') return refuse('text is required');
      if (first) {
        const key = session.apiKeyHeader ?? message.xi_api_key;
        if (fake.mode === 'unauthorized' || key !== fake.apiKey) {
          return refuse('Invalid API key');
        }
        if (message.text !== ' ') return refuse('the first message must have text " "');
        const settings = message.voice_settings as Record<string, unknown> | undefined;
        if (settings !== undefined) {
          for (const [key, value] of Object.entries(settings)) {
            const range: [number, number] | undefined =
              key === 'speed' ? [0.7, 1.2] : key === 'use_speaker_boost' ? undefined : [0, 1];
            if (key === 'use_speaker_boost' && typeof value !== 'boolean') {
              return refuse('use_speaker_boost must be a boolean');
            }
            if (range && (typeof value !== 'number' || value < range[0] || value > range[1])) {
              return refuse(`voice_settings.${key} out of range`);
            }
          }
        }
        return;
      }
      if (fake.mode === 'stall') return;
      if (fake.mode === 'malformed') {
        closed = true;
        ws.send('{"audio": "AAAA", "isFinal": ');
        return;
      }
      if (message.text === '') {
        ended = true;
        generate();
        if (closed) return;
        ws.send(JSON.stringify({ isFinal: true }));
        closed = true;
        ws.close(1000);
        return;
      }
      if (!message.text.endsWith(' ')) return refuse('text must end with a space');
      buffer += message.text;
      if (message.flush === true || buffer.length >= SCHEDULE_CHARS) generate();
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.baseUrl = `ws://127.0.0.1:${port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
