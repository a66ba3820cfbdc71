/**
 * Test support: a fake Azure AI Speech recognition endpoint
 * (`/speech/recognition/conversation/cognitiveservices/v1`) on 127.0.0.1 port 0, speaking the
 * Speech SDK's WebSocket protocol. It checks the handshake (`Ocp-Apim-Subscription-Key`, 401
 * otherwise; a no-dash UUID `X-ConnectionId`; `language` and `format=detailed`), then the
 * message framing: `speech.config` first, every client message with `Path`, an ISO 8601
 * `X-Timestamp` and (but for `speech.config`) a no-dash `X-RequestId`; audio in binary
 * messages with a 2-byte big-endian header length, `Content-Type: audio/x-wav`, at most
 * 8192 bytes, a PCM16 mono RIFF header at the start of each turn, an empty body to end it.
 * It answers like the service: `turn.start`, `speech.startDetected`, `speech.hypothesis`,
 * `speech.phrase` (detailed: NBest with confidence and word offsets in 100-ns ticks),
 * `speech.endDetected`, `turn.end`. Violations are recorded and close the socket with 1008.
 */
import type { IncomingHttpHeaders } from 'node:http';
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
import { ScriptedRecognizer, type ScriptEvent } from './scripted-recognizer.js';

/** Options of {@link startAzureSpeechFake}. */
export interface AzureSpeechFakeOptions {
  /** The key it admits (default `test-azure-key`). */
  apiKey?: string;
  transcript?: string | string[];
  failure?: FakeFailure;
}

/** One connection as the fake saw it. */
export interface AzureSpeechFakeSession {
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
  /** Client message paths in order (audio messages collapsed to one `audio` per turn). */
  paths: string[];
  /** Bodies of speech.config and speech.context messages. */
  config: unknown;
  context: unknown;
  /** WAV sample rate announced at the start of the turn. */
  sampleRateHz: number | undefined;
  audioBytes: number;
  ended: boolean;
}

/** The running fake. */
export interface AzureSpeechFake {
  /** Endpoint for the adapter's `endpoint` setting. */
  url: string;
  apiKey: string;
  sessions: AzureSpeechFakeSession[];
  violations: string[];
  close(): Promise<void>;
}

const PATH = '/speech/recognition/conversation/cognitiveservices/v1';
/** Offsets and durations are in 100-ns ticks. */
const ticks = (ms: number): number => Math.round(ms * 10_000);
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/;

/** Starts a fake Azure Speech endpoint. */
export async function startAzureSpeechFake(
  options: AzureSpeechFakeOptions = {},
): Promise<AzureSpeechFake> {
  const apiKey = options.apiKey ?? 'test-azure-key';
  const sessions: AzureSpeechFakeSession[] = [];
  const violations: string[] = [];
  const running = await startWsFake({
    admit(req, url) {
      if (options.failure === 'auth' || req.headers['ocp-apim-subscription-key'] !== apiKey) {
        return {
          status: 401,
          body: JSON.stringify({
            error: {
              code: '401',
              message:
                'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
            },
          }),
        };
      }
      const checks: [boolean, string][] = [
        [url.pathname === PATH, `path ${url.pathname} is not ${PATH}`],
        [isHex32(req.headers['x-connectionid']), 'X-ConnectionId is not a no-dash UUID'],
        [Boolean(url.searchParams.get('language')), 'language is missing'],
        [url.searchParams.get('format') === 'detailed', 'format is not detailed'],
      ];
      const problem = checks.find(([ok]) => !ok)?.[1];
      if (problem) {
        violations.push(problem);
        return { status: 400, body: problem, contentType: 'text/plain' };
      }
      return undefined;
    },
    connected(ws, req, url) {
      const session: AzureSpeechFakeSession = {
        headers: req.headers,
        query: url.searchParams,
        paths: [],
        config: undefined,
        context: undefined,
        sampleRateHz: undefined,
        audioBytes: 0,
        ended: false,
      };
      sessions.push(session);
      serve(ws, session, violations, options);
    },
  });
  return { url: `ws://${running.host}`, apiKey, sessions, violations, close: running.close };
}

function serve(
  ws: WebSocket,
  session: AzureSpeechFakeSession,
  violations: string[],
  options: AzureSpeechFakeOptions,
): void {
  let requestId: string | undefined;
  let recognizer: ScriptedRecognizer | undefined;
  const fail = (message: string): void => violate(ws, violations, message);
  const send = (path: string, body?: unknown): void => {
    const head = `X-RequestId: ${requestId ?? ''}\r\nPath: ${path}\r\n`;
    ws.send(
      body === undefined
        ? `${head}\r\n`
        : `${head}Content-Type: application/json; charset=utf-8\r\n\r\n${JSON.stringify(body)}`,
    );
  };
  const answer = (events: ScriptEvent[]): void => {
    for (const e of events) {
      if (e.type === 'speech-start') send('speech.startDetected', { Offset: ticks(e.atMs) });
      if (e.type === 'partial') {
        const first = e.words[0]?.startMs ?? 0;
        send('speech.hypothesis', {
          Text: e.words.map((w) => w.word).join(' '),
          Offset: ticks(first),
          Duration: ticks(e.atMs - first),
        });
      }
      if (e.type === 'final') {
        const display = e.words.map((w) => w.word).join(' ');
        send('speech.endDetected', { Offset: ticks(e.endMs) });
        send('speech.phrase', {
          RecognitionStatus: 'Success',
          Offset: ticks(e.startMs),
          Duration: ticks(e.endMs - e.startMs),
          DisplayText: `${display[0]?.toUpperCase() ?? ''}${display.slice(1)}.`,
          NBest: [
            {
              Confidence: 0.93,
              Lexical: display,
              ITN: display,
              MaskedITN: display,
              Display: display,
              Words: e.words.map((w) => ({
                Word: w.word,
                Offset: ticks(w.startMs),
                Duration: ticks(w.endMs - w.startMs),
                Confidence: 0.95,
              })),
            },
          ],
        });
      }
    }
  };

  ws.on('message', (data, isBinary) => {
    if (options.failure === 'stall') return;
    const bytes = toBuffer(data);
    if (!isBinary) {
      const text = bytes.toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return fail('text message without a blank line after its headers');
      const headers = parseHeaders(text.slice(0, split));
      const path = headers.get('path');
      const problem = checkHeaders(headers, path !== 'speech.config');
      if (problem) return fail(problem);
      session.paths.push(path!);
      if (headers.get('content-type')?.startsWith('application/json') !== true) {
        return fail(`${path} is not application/json`);
      }
      const body = tryJson(text.slice(split + 4));
      if (!isRecord(body)) return fail(`${path} body is not a JSON object`);
      if (path === 'speech.config') {
        if (session.paths.length !== 1) return fail('speech.config is not the first message');
        if (!isRecord(body['context'])) return fail('speech.config has no context');
        session.config = body;
      } else if (path === 'speech.context') {
        if (session.paths.length === 1) return fail('speech.context before speech.config');
        session.context = body;
      } else if (path !== 'telemetry') {
        return fail(`unknown client message ${path}`);
      }
      return;
    }
    if (bytes.length < 2) return fail('binary message shorter than its header length');
    const headerLength = bytes.readUInt16BE(0);
    if (2 + headerLength > bytes.length) return fail('binary header length past the message');
    const headers = parseHeaders(bytes.toString('ascii', 2, 2 + headerLength));
    const problem = checkHeaders(headers, true);
    if (problem) return fail(problem);
    if (headers.get('path') !== 'audio') return fail(`binary message path ${headers.get('path')}`);
    if (session.paths[0] !== 'speech.config') return fail('audio before speech.config');
    if (headers.get('content-type') !== 'audio/x-wav') return fail('audio is not audio/x-wav');
    let audio = bytes.subarray(2 + headerLength);
    if (audio.length > 8192) return fail(`audio body of ${audio.length} bytes exceeds 8192`);
    const id = headers.get('x-requestid')!;
    if (id !== requestId) {
      // A new turn: it must open with a RIFF header.
      if (recognizer && !session.ended) return fail('a new X-RequestId before the turn ended');
      const rate = riffRate(audio);
      if (typeof rate === 'string') return fail(rate);
      requestId = id;
      session.ended = false;
      session.sampleRateHz = rate;
      session.paths.push('audio');
      recognizer = new ScriptedRecognizer({ transcript: options.transcript, sampleRateHz: rate });
      audio = audio.subarray(44);
      send('turn.start', { context: { serviceTag: 'fake' } });
    }
    if (session.ended) return fail('audio after the end of the turn');
    if (audio.length === 0 && bytes.length - 2 - headerLength === 0) {
      session.ended = true;
      answer(recognizer!.flush());
      send('turn.end');
      return;
    }
    if (audio.length % 2 !== 0) return fail(`audio chunk of ${audio.length} bytes is not PCM16`);
    session.audioBytes += audio.length;
    if (options.failure === 'malformed') {
      ws.send(`Path: speech.hypothesis\r\nX-RequestId: ${requestId}\r\n\r\n{"Text": `);
      return;
    }
    if (options.failure === 'abrupt' && session.audioBytes > 16000) {
      ws.terminate();
      return;
    }
    answer(recognizer!.feed(audio));
  });
}

function parseHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon > 0)
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    else headers.set('!malformed', line);
  }
  return headers;
}

function checkHeaders(headers: Map<string, string>, needsRequestId: boolean): string | undefined {
  if (headers.has('!malformed')) return `malformed header line ${headers.get('!malformed')}`;
  if (!headers.get('path')) return 'message without Path';
  if (!TIMESTAMP.test(headers.get('x-timestamp') ?? '')) {
    return `${headers.get('path')}: X-Timestamp ${headers.get('x-timestamp')} is not ISO 8601 UTC`;
  }
  if (needsRequestId && !isHex32(headers.get('x-requestid'))) {
    return `${headers.get('path')}: X-RequestId is not a no-dash UUID`;
  }
  return undefined;
}

/** The sample rate of a RIFF header for 16-bit mono PCM at 8 or 16 kHz, or the problem. */
function riffRate(audio: Buffer): number | string {
  if (audio.length < 44 || audio.toString('latin1', 0, 4) !== 'RIFF') {
    return 'the first audio chunk of a turn has no RIFF header';
  }
  if (audio.toString('latin1', 8, 16) !== 'WAVEfmt ') return 'RIFF header is not WAVE fmt';
  if (audio.readUInt16LE(20) !== 1) return 'RIFF format is not PCM';
  if (audio.readUInt16LE(22) !== 1) return 'audio is not mono';
  if (audio.readUInt16LE(34) !== 16) return 'audio is not 16-bit';
  const rate = audio.readUInt32LE(24);
  if (rate !== 16000 && rate !== 8000) return `sample rate ${rate} is not 8 or 16 kHz`;
  if (audio.toString('latin1', 36, 40) !== 'data') return 'RIFF header has no data chunk at 36';
  return rate;
}
