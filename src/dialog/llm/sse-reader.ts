/**
 * Server-sent events over a fetch body, as chat-completion servers send them: `data:` lines,
 * events ended by a blank line, `[DONE]` as the last one. Written here because the project
 * takes no SSE package; only what those servers use is supported (no `id:`/`retry:`).
 */

/** One event: its `event:` name when the server gave one, and the joined `data:` lines. */
export interface SseEvent {
  event?: string;
  data: string;
}

/** Thrown by {@link readSse} when the gap between two reads exceeds the allowed time. */
export class SseTimeoutError extends Error {
  override readonly name = 'SseTimeoutError';
  constructor(
    /** `first-byte` before anything arrived, `stall` after. */
    readonly phase: 'first-byte' | 'stall',
    readonly waitedMs: number,
  ) {
    super(
      phase === 'first-byte'
        ? `no answer within ${waitedMs} ms`
        : `stream stalled: nothing for ${waitedMs} ms`,
    );
  }
}

/**
 * Reads events from `body` until it ends. Before the first bytes the wait is limited to
 * `firstByteMs`, afterwards to `stallMs` between reads; `onTimeout` runs before the
 * {@link SseTimeoutError} is thrown so the caller can abort the request (a pending read only
 * settles once the connection is torn down).
 */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  limits: { firstByteMs: number; stallMs: number; onTimeout?: () => void },
): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let received = false;
  try {
    for (;;) {
      const waitMs = received ? limits.stallMs : limits.firstByteMs;
      const result = await readWithin(
        reader,
        waitMs,
        () => new SseTimeoutError(received ? 'stall' : 'first-byte', waitMs),
        limits.onTimeout,
      );
      if (result.done) break;
      received = true;
      // Servers may use CRLF; normalising once keeps the splitting below simple.
      buffer += decoder.decode(result.value, { stream: true }).replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = parseBlock(block);
        if (event) yield event;
      }
    }
    buffer += decoder.decode();
    const tail = parseBlock(buffer.replace(/\r\n?/g, '\n').trim());
    if (tail) yield tail;
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

function parseBlock(block: string): SseEvent | undefined {
  const data: string[] = [];
  let event: string | undefined;
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue; // comments are keep-alives
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
  }
  if (data.length === 0) return undefined;
  return event === undefined ? { data: data.join('\n') } : { event, data: data.join('\n') };
}

async function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  timeoutMs: number,
  timeoutError: () => Error,
  afterTimeout?: () => void,
): Promise<Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Rejected before the abort, so the race reports the timeout, not the torn-down read.
      reject(timeoutError());
      afterTimeout?.();
    }, timeoutMs);
  });
  try {
    return await Promise.race([reader.read(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
