/**
 * Plumbing shared by the cloud text-to-speech adapters (OpenAI-compatible, Azure, Alibaba
 * NLS, ElevenLabs) and the fallback adapter: a small async queue between a producer (the
 * vendor connection) and the frame iterator, the error and timeout helpers that turn network
 * trouble into {@link ProviderError}s, WebSocket helpers, setting checks, and the
 * sentence-by-sentence loop of request/response vendors. (PCM to frames: pcm-framer.ts.)
 */
import WebSocket from 'ws';
import type { AudioFrame } from '../../media/index.js';
import { ProviderError, ProviderConfigError, type TtsOptions } from '../providers/types.js';
import { PcmFramer } from './pcm-framer.js';
import { sentencesOf, ssmlToPlainText } from './sentences.js';

// ---- async queue -------------------------------------------------------------------------------

/**
 * An unbounded single-consumer queue that is also an async iterable: the producer side
 * (a vendor connection's callbacks) pushes, fails or closes; the consumer iterates. Closing
 * with `discard` drops what is queued (barge-in: stop at once).
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private head = 0;
  private done = false;
  private error: unknown;
  private failed = false;
  private wake: (() => void) | undefined;
  private drained: Array<{ below: number; resolve: () => void }> = [];

  /** Items waiting to be taken. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** True once closed or failed. */
  get closed(): boolean {
    return this.done || this.failed;
  }

  push(...items: T[]): void {
    if (this.closed) return;
    this.items.push(...items);
    this.signal();
  }

  /** Ends the iteration with `error` once the queued items are taken. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.failed = true;
    this.error = error;
    this.signal();
  }

  /** Ends the iteration; with `discard` the queued items are dropped. */
  close(discard = false): void {
    if (discard) {
      this.items = [];
      this.head = 0;
      // A stop request overrides a failure not yet seen by the consumer.
      this.failed = false;
    }
    if (!this.closed) this.done = true;
    this.signal();
    this.releaseDrained();
  }

  /** Resolves when fewer than `below` items wait (producer back-pressure) or on close. */
  waitBelow(below: number): Promise<void> {
    if (this.size < below || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.drained.push({ below, resolve }));
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private releaseDrained(): void {
    const keep: typeof this.drained = [];
    for (const waiter of this.drained) {
      if (this.size < waiter.below || this.closed) waiter.resolve();
      else keep.push(waiter);
    }
    this.drained = keep;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.head < this.items.length) {
        const item = this.items[this.head]!;
        this.items[this.head] = undefined as T;
        this.head++;
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        if (this.drained.length > 0) this.releaseDrained();
        yield item;
        continue;
      }
      if (this.failed) throw this.error;
      if (this.done) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

// ---- errors, timeouts, signals -----------------------------------------------------------------

/** An AbortController that also aborts when `parent` does. */
export function linkedAbort(parent?: AbortSignal): AbortController {
  const controller = new AbortController();
  if (parent) {
    if (parent.aborted) controller.abort(parent.reason);
    else {
      const onAbort = (): void => controller.abort(parent.reason);
      parent.addEventListener('abort', onAbort, { once: true });
      controller.signal.addEventListener(
        'abort',
        () => parent.removeEventListener('abort', onAbort),
        { once: true },
      );
    }
  }
  return controller;
}

/** Rejects with `onTimeout()` when `promise` has not settled within `timeoutMs`. */
export function withTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  onTimeout: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A ProviderError from a failed HTTP response, with the vendor's message when it gave one. */
export async function httpFailure(provider: string, response: Response): Promise<ProviderError> {
  let detail = '';
  try {
    const body = (await response.text()).slice(0, 2000);
    try {
      const parsed = JSON.parse(body) as {
        error?: { message?: string } | string;
        message?: string;
      };
      detail =
        (typeof parsed.error === 'object' ? parsed.error?.message : parsed.error) ??
        parsed.message ??
        body;
    } catch {
      detail = body;
    }
  } catch {
    // The body is only decoration for the message; the status says what matters.
  }
  const status = response.status;
  const retryable = status === 408 || status === 429 || status >= 500;
  const text = detail.trim() ? `: ${detail.trim().slice(0, 300)}` : '';
  return new ProviderError(provider, `HTTP ${status}${text}`, retryable, status);
}

/** Wraps anything thrown by the network layer as a ProviderError (kept as is if it is one). */
export function asProviderError(provider: string, error: unknown, what: string): ProviderError {
  if (error instanceof ProviderError) return error;
  const cause = error instanceof Error ? (error.cause as Error | undefined) : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const detail = cause?.message ? `${message} (${cause.message})` : message;
  return new ProviderError(provider, `${what}: ${detail}`, true);
}

/**
 * `fetch` with a deadline for the response headers. `request` carries the caller's abort
 * (barge-in) and is aborted on timeout too, so the connection is released either way.
 * Returns undefined when the caller aborted; a refusal or the deadline is a ProviderError.
 */
export async function fetchWithTimeout(
  provider: string,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  request: AbortController,
): Promise<Response | undefined> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    request.abort();
  }, timeoutMs);
  try {
    return await fetch(url, { ...init, signal: request.signal });
  } catch (error) {
    if (timedOut) throw new ProviderError(provider, `no response within ${timeoutMs} ms`, true);
    if (request.signal.aborted) return undefined;
    throw asProviderError(provider, error, `cannot reach ${url}`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads a fetch response body chunk by chunk; a read that takes longer than `timeoutMs` is a
 * stall (ProviderError). Abort of `signal` ends the iteration quietly.
 */
export async function* readBody(
  provider: string,
  response: Response,
  timeoutMs: number,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  if (!response.body) throw new ProviderError(provider, 'response has no body', true);
  const reader = response.body.getReader();
  try {
    for (;;) {
      let result: { done: boolean; value?: Uint8Array };
      try {
        result = await withTimeout(
          reader.read(),
          timeoutMs,
          () => new ProviderError(provider, `audio stalled: nothing for ${timeoutMs} ms`, true),
        );
      } catch (error) {
        if (signal.aborted) return;
        throw asProviderError(provider, error, 'audio stream broke');
      }
      if (result.done) return;
      if (result.value && result.value.length > 0) yield result.value;
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

// ---- WebSocket vendors ---------------------------------------------------------------------

/**
 * A restartable deadline: while armed, `onFire` runs when {@link kick} has not been called for
 * `timeoutMs`. Streaming vendors arm it while an answer is owed (after a sentence or the end
 * of the text was sent) and disarm it while the silence is the language model's, not theirs.
 */
export class Watchdog {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly onFire: () => void,
  ) {}

  get armed(): boolean {
    return this.timer !== undefined;
  }

  /** Starts (or restarts) the deadline. */
  arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onFire();
    }, this.timeoutMs);
  }

  /** Restarts the deadline if it is armed (the vendor said something). */
  kick(): void {
    if (this.timer) this.arm();
  }

  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Opens a WebSocket to a vendor within `timeoutMs`. Resolves with the open socket, or
 * undefined when `signal` aborted first; a refused upgrade (HTTP status), a network error or
 * the deadline is a ProviderError.
 */
export function openSocket(
  provider: string,
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<WebSocket | undefined> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers, handshakeTimeout: timeoutMs });
    // A refused or aborted handshake can report more than one error; the first one settles
    // the promise and the rest must not crash the process as unhandled 'error' events.
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      done();
      socket.terminate();
      reject(new ProviderError(provider, `no connection within ${timeoutMs} ms`, true));
    }, timeoutMs);
    const onAbort = (): void => {
      done();
      socket.terminate();
      resolve(undefined);
    };
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('open');
      socket.removeAllListeners('unexpected-response');
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('open', () => {
      done();
      socket.removeListener('error', onError);
      resolve(socket);
    });
    socket.once('unexpected-response', (request, response) => {
      done();
      const status = response.statusCode ?? 0;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk.slice(0, 500)));
      response.on('end', () => {
        request.destroy();
        const text = body.trim() ? `: ${body.trim().slice(0, 300)}` : '';
        reject(
          new ProviderError(
            provider,
            `connection refused with HTTP ${status}${text}`,
            status === 429 || status >= 500,
            status,
          ),
        );
      });
      response.on('error', () => undefined);
    });
    const onError = (error: Error): void => {
      done();
      reject(asProviderError(provider, error, `cannot reach ${url.replace(/\?.*$/, '')}`));
    };
    socket.once('error', onError);
  });
}

/** Text of a WebSocket message (ws gives a Buffer, an ArrayBuffer or fragments). */
export function messageText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** Bytes of a binary WebSocket message. */
export function messageBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

// ---- settings ----------------------------------------------------------------------------------

/** A required non-empty string setting, or a ProviderConfigError naming it. */
export function requireSetting(name: string, value: string | undefined): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ProviderConfigError(name, 'is required');
  }
  return value.trim();
}

/** An http(s) or ws(s) URL setting, without a trailing slash, or a ProviderConfigError. */
export function urlSetting(name: string, value: string, protocols: string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ProviderConfigError(name, `is not a URL: ${value}`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ProviderConfigError(name, `must use ${protocols.join(' or ')}, got ${url.protocol}`);
  }
  return value.replace(/\/+$/, '');
}

/** A positive number setting (a timeout), or a ProviderConfigError. */
export function positiveSetting(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ProviderConfigError(name, `must be a positive number, got ${String(value)}`);
  }
  return value;
}

// ---- sentence-by-sentence synthesis over a request/response vendor ----------------------------

/** PCM the vendor returned for one sentence: bytes at a known rate. */
export interface PcmChunk {
  bytes: Uint8Array;
  rateHz: number;
}

/** How {@link synthesizeBySentence} calls one request/response vendor. */
export interface SentenceVendor {
  /** Provider id, for errors. */
  id: string;
  /** Reads SSML: the whole text goes in one request, unsplit. */
  ssml: boolean;
  /** Speaks one sentence (or one SSML document), yielding its PCM as it streams in. */
  speak(text: string, ssml: boolean, signal: AbortSignal): AsyncIterable<PcmChunk>;
}

/**
 * Frames of audio queued ahead of the listener before the next sentence is requested: about
 * 10 s, enough to hide a vendor's time to first byte without paying for speech a barge-in
 * would throw away.
 */
const LOOKAHEAD_FRAMES = 500;

/**
 * The synthesis loop of a vendor that takes whole texts: the input (string or stream) is cut
 * into sentences, each is requested as soon as it is complete and the previous one has been
 * received, and the audio comes out as exact frames at `options.sampleRateHz`. Requests run
 * ahead of the listener (up to {@link LOOKAHEAD_FRAMES}) so there is no gap between sentences.
 * Abort ends the iteration without an error; a vendor failure throws a ProviderError.
 */
export async function* synthesizeBySentence(
  vendor: SentenceVendor,
  text: string | AsyncIterable<string>,
  options: TtsOptions,
): AsyncGenerator<AudioFrame> {
  const controller = linkedAbort(options.signal);
  const signal = controller.signal;
  const queue = new AsyncQueue<AudioFrame>();
  const framer = new PcmFramer(options.sampleRateHz);
  const stop = (): void => queue.close(true);
  // Already aborted (barge-in before the first word): end at once, not wait forever.
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });

  const produce = async (): Promise<void> => {
    const units = unitsOf(text, options.ssml === true, vendor.ssml);
    for await (const unit of units) {
      if (signal.aborted) return;
      await queue.waitBelow(LOOKAHEAD_FRAMES);
      if (signal.aborted) return;
      for await (const chunk of vendor.speak(unit.text, unit.ssml, signal)) {
        if (signal.aborted) return;
        queue.push(...framer.pushBytes(chunk.bytes, chunk.rateHz));
      }
    }
    if (signal.aborted) return;
    queue.push(...framer.end());
    queue.close();
  };
  produce().catch((error: unknown) => {
    if (signal.aborted) queue.close(true);
    else queue.fail(asProviderError(vendor.id, error, 'synthesis failed'));
  });

  try {
    yield* queue;
  } finally {
    signal.removeEventListener('abort', stop);
    controller.abort();
  }
}

/** What goes to the vendor: sentences of plain text, or one SSML document. */
async function* unitsOf(
  text: string | AsyncIterable<string>,
  ssml: boolean,
  vendorReadsSsml: boolean,
): AsyncGenerator<{ text: string; ssml: boolean }> {
  if (!ssml) {
    for await (const sentence of sentencesOf(text)) yield { text: sentence, ssml: false };
    return;
  }
  // SSML cannot be cut at full stops without breaking its markup: collect it whole.
  let whole = '';
  if (typeof text === 'string') whole = text;
  else for await (const chunk of text) whole += chunk;
  if (vendorReadsSsml) {
    if (whole.trim()) yield { text: whole, ssml: true };
    return;
  }
  for await (const sentence of sentencesOf(ssmlToPlainText(whole))) {
    yield { text: sentence, ssml: false };
  }
}
