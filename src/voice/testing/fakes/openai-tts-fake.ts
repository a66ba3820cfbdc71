/**
 * A local stand-in for OpenAI's speech endpoint (`POST /v1/audio/speech`) on 127.0.0.1:0.
 * It checks requests as strictly as the real one (bearer key, JSON body, known fields, value
 * ranges) and answers with streamed speech-like PCM (24 kHz, or a WAV stream), or fails the
 * way a vendor does. Test-only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  pcmBytes,
  pieces,
  speechLikePcm,
  streamingWavHeader,
  type FakeTtsMode,
} from './tts-fake-speech.js';

/** A request the fake accepted or refused. */
export interface OpenAiTtsFakeRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | undefined;
  /** The status the fake answered. */
  status: number;
}

/** A running fake. */
export interface OpenAiTtsFake {
  /** Root URL to give the provider as `baseUrl`. */
  baseUrl: string;
  apiKey: string;
  /** Behaviour of the next requests (may be changed between tests). */
  mode: FakeTtsMode;
  /** Rate of the `pcm` answer (OpenAI: 24000). */
  pcmSampleRateHz: number;
  requests: OpenAiTtsFakeRequest[];
  close(): Promise<void>;
}

const FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'];
const FIELDS = new Set([
  'model',
  'input',
  'voice',
  'response_format',
  'speed',
  'instructions',
  'stream_format',
]);

function sendError(res: ServerResponse, status: number, message: string, code?: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      error: { message, type: 'invalid_request_error', param: null, code: code ?? null },
    }),
  );
}

/** Why a speech request body is invalid, or undefined when it is fine. */
function invalid(body: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(body)) {
    if (!FIELDS.has(key)) return `Unrecognized request argument supplied: ${key}`;
  }
  if (typeof body.model !== 'string' || !body.model) return "'model' is required";
  if (typeof body.input !== 'string' || !body.input.trim()) return "'input' is required";
  if (body.input.length > 4096) return "'input' is longer than 4096 characters";
  if (typeof body.voice !== 'string' || !body.voice) return "'voice' is required";
  const format = body.response_format ?? 'mp3';
  if (typeof format !== 'string' || !FORMATS.includes(format)) {
    return `'response_format' must be one of ${FORMATS.join(', ')}`;
  }
  if (format !== 'pcm' && format !== 'wav')
    return `the fake speaks pcm and wav only, not ${format}`;
  if (body.speed !== undefined) {
    if (typeof body.speed !== 'number' || body.speed < 0.25 || body.speed > 4) {
      return "'speed' must be between 0.25 and 4.0";
    }
  }
  return undefined;
}

/** Writes `chunks` one at a time, yielding to the event loop, until done or the client left. */
async function stream(res: ServerResponse, chunks: Buffer[]): Promise<void> {
  for (const chunk of chunks) {
    if (res.destroyed || res.writableEnded) return;
    if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
    await new Promise((r) => setImmediate(r));
  }
  if (!res.destroyed) res.end();
}

/** Starts the fake on 127.0.0.1 at a free port. */
export async function startOpenAiTtsFake(
  options: { apiKey?: string; mode?: FakeTtsMode } = {},
): Promise<OpenAiTtsFake> {
  const fake: OpenAiTtsFake = {
    baseUrl: '',
    apiKey: options.apiKey ?? 'sk-test-openai-fake',
    mode: options.mode ?? 'ok',
    pcmSampleRateHz: 24000,
    requests: [],
    close: async () => undefined,
  };

  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      const record: OpenAiTtsFakeRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: undefined,
        status: 0,
      };
      fake.requests.push(record);
      const answer = (status: number, message: string, code?: string): void => {
        record.status = status;
        sendError(res, status, message, code);
      };
      if (req.url !== '/v1/audio/speech') return answer(404, `no route ${req.url}`);
      if (req.method !== 'POST') return answer(405, 'method not allowed');
      if (fake.mode === 'unauthorized' || req.headers.authorization !== `Bearer ${fake.apiKey}`) {
        return answer(401, 'Incorrect API key provided.', 'invalid_api_key');
      }
      if (!/^application\/json/.test(req.headers['content-type'] ?? '')) {
        return answer(400, 'Content-Type must be application/json');
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error();
      } catch {
        return answer(400, 'We could not parse the JSON body of your request.');
      }
      record.body = body;
      const problem = invalid(body);
      if (problem) return answer(400, problem);

      record.status = 200;
      if (fake.mode === 'malformed') {
        // A proxy's error page with a 200: not audio at all.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"object":"speech","data":');
        return;
      }
      const wav = body.response_format === 'wav';
      const rate = fake.pcmSampleRateHz;
      const audio = pcmBytes(speechLikePcm(body.input as string, rate));
      const chunks = pieces(audio, Math.round(rate / 10) * 2);
      if (wav) chunks.unshift(streamingWavHeader(rate));
      res.writeHead(200, {
        'content-type': wav ? 'audio/wav' : 'audio/pcm',
        'transfer-encoding': 'chunked',
      });
      if (fake.mode === 'abrupt-close') {
        res.write(chunks[0]);
        setImmediate(() => res.socket?.destroy());
        return;
      }
      if (fake.mode === 'stall') {
        res.write(chunks[0]);
        return; // never another byte
      }
      void stream(res, chunks);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.baseUrl = `http://127.0.0.1:${port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
