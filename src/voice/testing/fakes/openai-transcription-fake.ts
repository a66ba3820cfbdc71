/**
 * Test support: a fake OpenAI-compatible transcription server
 * (`POST /v1/audio/transcriptions`) on 127.0.0.1 port 0. It checks the request the way
 * OpenAI does — Bearer key (401 with OpenAI's error body otherwise), a multipart form with a
 * `file` that must be a PCM16 mono WAV, a `model`, an ISO 639-1 `language` when given, a
 * known `response_format` — and answers from a {@link ScriptedRecognizer} run over the WAV's
 * audio: `json` (`{text}`) or `verbose_json` (language, duration, segments and, with
 * `timestamp_granularities[]=word`, words). A malformed request is a violation (recorded,
 * answered 400).
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { startHttpFake, type FakeFailure } from './fake-server.js';
import { ScriptedRecognizer, type ScriptedWord } from './scripted-recognizer.js';

/** Options of {@link startOpenAiTranscriptionFake}. */
export interface OpenAiTranscriptionFakeOptions {
  /** The key it admits (default `test-openai-key`); `null` admits requests without one. */
  apiKey?: string | null;
  /** Utterances it "recognises" (default `hello world`). */
  transcript?: string | string[];
  failure?: FakeFailure;
}

/** One request as the fake saw it. */
export interface OpenAiTranscriptionRequest {
  headers: IncomingHttpHeaders;
  fields: Record<string, string[]>;
  wav: { sampleRateHz: number; channels: number; bitsPerSample: number; dataBytes: number };
}

/** The running fake. */
export interface OpenAiTranscriptionFake {
  /** Base URL for the adapter's `baseUrl` setting. */
  url: string;
  apiKey: string | null;
  requests: OpenAiTranscriptionRequest[];
  violations: string[];
  close(): Promise<void>;
}

const FORMATS = ['json', 'text', 'srt', 'verbose_json', 'vtt'];

/** Starts a fake OpenAI-compatible transcription server. */
export async function startOpenAiTranscriptionFake(
  options: OpenAiTranscriptionFakeOptions = {},
): Promise<OpenAiTranscriptionFake> {
  const apiKey = options.apiKey === undefined ? 'test-openai-key' : options.apiKey;
  const requests: OpenAiTranscriptionRequest[] = [];
  const violations: string[] = [];
  const running = await startHttpFake((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(Buffer.concat(chunks)).catch((err: unknown) => {
        reject(res, 500, `fake failed: ${String(err)}`, 'server_error');
      });
    });
    const handle = async (body: Buffer): Promise<void> => {
      if (options.failure === 'stall') return; // never answers
      if (options.failure === 'abrupt') {
        req.socket.destroy();
        return;
      }
      if (
        options.failure === 'auth' ||
        (apiKey !== null && req.headers.authorization !== `Bearer ${apiKey}`)
      ) {
        reject(
          res,
          401,
          'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
          'invalid_api_key',
        );
        return;
      }
      const violation = (message: string): void => {
        violations.push(message);
        reject(res, 400, message, 'invalid_request_error');
      };
      const url = new URL(req.url ?? '/', 'http://fake');
      if (req.method !== 'POST' || url.pathname !== '/v1/audio/transcriptions') {
        return violation(`${req.method} ${url.pathname} is not POST /v1/audio/transcriptions`);
      }
      const contentType = req.headers['content-type'] ?? '';
      if (!contentType.startsWith('multipart/form-data')) {
        return violation(`content-type ${contentType} is not multipart/form-data`);
      }
      // Node's fetch implementation parses multipart bodies: the fake need not.
      const form = await new Response(body, { headers: { 'content-type': contentType } })
        .formData()
        .catch(() => undefined);
      if (!form) return violation('the multipart body does not parse');
      const fields: Record<string, string[]> = {};
      let file: Blob | undefined;
      for (const [name, value] of form.entries()) {
        if (typeof value === 'string') (fields[name] ??= []).push(value);
        else if (name === 'file') file = value;
        else return violation(`unexpected file field ${name}`);
      }
      if (!file) return violation('file is missing');
      const model = fields['model']?.[0];
      if (!model) return violation('model is missing');
      const language = fields['language']?.[0];
      if (language !== undefined && !/^[a-z]{2,3}$/.test(language)) {
        return violation(`language ${language} is not ISO 639-1`);
      }
      const format = fields['response_format']?.[0] ?? 'json';
      if (!FORMATS.includes(format)) return violation(`response_format ${format} is unknown`);
      const granularities = fields['timestamp_granularities[]'] ?? [];
      if (granularities.length > 0 && format !== 'verbose_json') {
        return violation('timestamp_granularities needs response_format verbose_json');
      }
      const wav = parseWav(Buffer.from(await file.arrayBuffer()));
      if (typeof wav === 'string') return violation(wav);
      requests.push({ headers: req.headers, fields, wav: wav.format });

      const recognizer = new ScriptedRecognizer({
        transcript: options.transcript,
        sampleRateHz: wav.format.sampleRateHz,
      });
      const finals = [...recognizer.feed(wav.pcm), ...recognizer.flush()].flatMap((e) =>
        e.type === 'final' ? [e] : [],
      );
      const words: ScriptedWord[] = finals.flatMap((e) => e.words);
      const text = words.map((w) => w.word).join(' ');
      if (options.failure === 'malformed') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"text": "hello');
        return;
      }
      if (format !== 'verbose_json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ text }));
        return;
      }
      const answer: Record<string, unknown> = {
        task: 'transcribe',
        language: 'english',
        duration: recognizer.audioMs / 1000,
        text,
        segments: finals.map((e, id) => ({
          id,
          seek: 0,
          start: e.startMs / 1000,
          end: e.endMs / 1000,
          text: ` ${e.words.map((w) => w.word).join(' ')}`,
          tokens: [],
          temperature: 0,
          avg_logprob: -0.2,
          compression_ratio: 1,
          no_speech_prob: 0.01,
        })),
      };
      if (granularities.includes('word')) {
        answer['words'] = words.map((w) => ({
          word: w.word,
          start: w.startMs / 1000,
          end: w.endMs / 1000,
        }));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    };
  });
  return {
    url: `http://${running.host}`,
    apiKey,
    requests,
    violations,
    close: running.close,
  };
}

function reject(res: ServerResponse, status: number, message: string, code: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      error: { message, type: 'invalid_request_error', param: null, code },
    }),
  );
}

/** The fmt and data of a canonical PCM16 mono WAV, or what is wrong with it. */
function parseWav(
  buf: Buffer,
): { format: OpenAiTranscriptionRequest['wav']; pcm: Buffer } | string {
  if (buf.length < 44 || buf.toString('latin1', 0, 4) !== 'RIFF') return 'file is not RIFF';
  if (buf.toString('latin1', 8, 12) !== 'WAVE') return 'file is not WAVE';
  let offset = 12;
  let format: OpenAiTranscriptionRequest['wav'] | undefined;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('latin1', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (buf.readUInt16LE(body) !== 1) return 'file is not PCM';
      format = {
        channels: buf.readUInt16LE(body + 2),
        sampleRateHz: buf.readUInt32LE(body + 4),
        bitsPerSample: buf.readUInt16LE(body + 14),
        dataBytes: 0,
      };
      if (format.channels !== 1 || format.bitsPerSample !== 16) return 'file is not 16-bit mono';
    } else if (id === 'data') {
      if (!format) return 'data chunk before fmt';
      if (body + size !== buf.length) return `data size ${size} does not match the file`;
      format.dataBytes = size;
      return { format, pcm: buf.subarray(body, body + size) };
    }
    offset = body + size + (size % 2);
  }
  return 'file has no data chunk';
}
