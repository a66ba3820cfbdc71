/**
 * Splits a TCP/TLS byte stream into whole SIP messages (RFC 3261 §18.3).
 *
 * On a stream there are no datagram boundaries, so the end of a message is found from the
 * empty line closing the header section plus the Content-Length value, which is therefore
 * mandatory. The framer is pure (no sockets, no parser) so it can be tested byte by byte.
 */

/** Default upper bound on one message, matching the largest UDP datagram. */
export const DEFAULT_MAX_MESSAGE_BYTES = 65_535;

/** What one call to {@link StreamFramer.push} produced, in stream order. */
export type FramerEvent =
  /** One whole message: header section, empty line and exactly Content-Length body bytes. */
  | { type: 'message'; data: Buffer }
  /** A bare CRLFCRLF keep-alive ping (RFC 5626 §3.5.1); the owner answers with a CRLF pong. */
  | { type: 'ping' }
  /**
   * The stream cannot be framed any further; `reason` is a short kebab-case category and
   * `raw` the bytes buffered so far. The owner reports it and closes the connection.
   */
  | { type: 'error'; reason: FramingErrorReason; raw: Buffer };

/** Why framing failed. */
export type FramingErrorReason =
  'missing-content-length' | 'bad-content-length' | 'header-too-large' | 'message-too-large';

/** Options for {@link StreamFramer}. */
export interface StreamFramerOptions {
  /** Largest accepted message (header section plus body), in bytes. Default 65535. */
  maxMessageBytes?: number;
}

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');

/**
 * Smallest backing store allocated once bytes have to be held across chunks, so byte-by-byte
 * input does not reallocate for every few bytes.
 */
const MIN_STORAGE_BYTES = 1024;

/** Incremental framer for one stream connection. Not reusable after an error. */
export class StreamFramer {
  private readonly maxMessageBytes: number;
  /**
   * The bytes held back, as a view. It is either the caller's chunk itself (nothing was held
   * when it arrived, the common case: no copy at all) or a window into `storage`.
   */
  private buffer: Buffer = Buffer.alloc(0);
  /**
   * Growable backing store the framer owns. Appending copies only the new chunk and the
   * capacity doubles when full, so input trickling in byte by byte costs amortised O(1) per
   * byte instead of re-copying everything held on every chunk (which was O(n²)).
   */
  private storage: Buffer | undefined;
  /** Where to resume the search for CRLFCRLF, so byte-by-byte input is not rescanned. */
  private searchFrom = 0;
  /** Set once the header section is found: total size of the current message. */
  private expectedLength: number | undefined;
  private dead = false;

  /** Creates a framer; `maxMessageBytes` bounds both the header section and the whole message. */
  constructor(options: StreamFramerOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** True after an error: the connection must be closed and further input is ignored. */
  get failed(): boolean {
    return this.dead;
  }

  /** Bytes held back waiting for the rest of a message. */
  get buffered(): number {
    return this.buffer.length;
  }

  /**
   * Feeds bytes from the stream and returns every event they complete. Never throws: a
   * framing problem comes back as an `error` event, after which the framer stays silent.
   */
  push(chunk: Buffer): FramerEvent[] {
    if (this.dead) return [];
    this.append(chunk);
    const events: FramerEvent[] = [];
    for (;;) {
      const event = this.next();
      if (!event) break;
      events.push(event);
      if (event.type === 'error') break;
    }
    return events;
  }

  /** Adds a chunk behind the bytes held, copying as little as possible. */
  private append(chunk: Buffer): void {
    const held = this.buffer.length;
    if (held === 0) {
      // Borrow the chunk: emitted messages are copies, so no view into it escapes.
      this.buffer = chunk;
      return;
    }
    if (chunk.length === 0) return;
    const needed = held + chunk.length;
    const storage = this.storage;
    if (storage && this.buffer.buffer === storage.buffer && needed <= storage.length) {
      const viewStart = this.buffer.byteOffset - storage.byteOffset;
      let start = viewStart;
      if (viewStart + needed > storage.length) {
        // Room overall but not behind the view: slide the held bytes to the front.
        storage.copyWithin(0, viewStart, viewStart + held);
        start = 0;
      }
      chunk.copy(storage, start + held);
      this.buffer = storage.subarray(start, start + needed);
      return;
    }
    // Not pooled, so no other Buffer ever shares this memory (the ownership test above).
    const next = Buffer.allocUnsafeSlow(Math.max(needed * 2, MIN_STORAGE_BYTES));
    this.buffer.copy(next, 0);
    chunk.copy(next, held);
    this.storage = next;
    this.buffer = next.subarray(0, needed);
  }

  /** Extracts the next event from the buffer, or undefined when more bytes are needed. */
  private next(): FramerEvent | undefined {
    if (this.expectedLength === undefined) {
      const boundary = this.skipLeadingLineBreaks();
      if (boundary === 'ping') return { type: 'ping' };
      if (boundary === 'wait' || this.buffer.length === 0) return undefined;
      const length = this.scanHeaderSection();
      if (length === undefined) {
        // No header end yet: a header section that already fills the limit can never fit.
        return this.buffer.length >= this.maxMessageBytes
          ? this.fail('header-too-large')
          : undefined;
      }
      if (typeof length === 'string') return this.fail(length);
      this.expectedLength = length;
    }
    if (this.buffer.length < this.expectedLength) return undefined;
    const data = Buffer.from(this.buffer.subarray(0, this.expectedLength));
    this.buffer = this.buffer.subarray(this.expectedLength);
    this.expectedLength = undefined;
    this.searchFrom = 0;
    // An idle connection should not pin a message-sized store; the next bytes are borrowed.
    if (this.buffer.length === 0) this.release();
    return { type: 'message', data };
  }

  /**
   * Handles CRLFs at a message boundary: RFC 3261 §7.5 says to ignore them, except that a
   * CRLFCRLF is a keep-alive ping (RFC 5626 §3.5.1). A lone CRLF is held until the next bytes
   * show whether it starts a ping.
   */
  private skipLeadingLineBreaks(): 'ping' | 'wait' | 'ready' {
    for (;;) {
      const b = this.buffer;
      if (b.length === 0 || b[0] !== CR) return 'ready';
      if (b.length < 2) return 'wait';
      if (b[1] !== LF) return 'ready';
      if (b.length < 3) return 'wait';
      if (b[2] === CR) {
        if (b.length < 4) return 'wait';
        if (b[3] === LF) {
          this.buffer = b.subarray(4);
          return 'ping';
        }
      }
      this.buffer = b.subarray(2);
    }
  }

  /**
   * Looks for the end of the header section and reads Content-Length. Returns the total
   * message size, a failure reason, or undefined when the header section is incomplete.
   */
  private scanHeaderSection(): number | FramingErrorReason | undefined {
    const start = Math.max(0, this.searchFrom - (HEADER_END.length - 1));
    const end = this.buffer.indexOf(HEADER_END, start);
    if (end < 0) {
      this.searchFrom = this.buffer.length;
      return undefined;
    }
    const headerBytes = end + HEADER_END.length;
    if (headerBytes > this.maxMessageBytes) return 'header-too-large';
    const length = readContentLength(this.buffer.subarray(0, end).toString('latin1'));
    if (typeof length === 'string') return length;
    if (headerBytes + length > this.maxMessageBytes) return 'message-too-large';
    return headerBytes + length;
  }

  private fail(reason: FramingErrorReason): FramerEvent {
    this.dead = true;
    const raw = Buffer.from(this.buffer);
    this.release();
    return { type: 'error', reason, raw };
  }

  /** Drops the held bytes and the backing store. */
  private release(): void {
    this.buffer = Buffer.alloc(0);
    this.storage = undefined;
  }
}

/**
 * Reads Content-Length from a header section (start line included, final CRLFCRLF excluded).
 * Returns the length or the reason it cannot be used. Several lines with the same value are
 * tolerated; conflicting values are not, because the body boundary would be ambiguous.
 */
export function readContentLength(headerSection: string): number | FramingErrorReason {
  const lines = headerSection.split('\r\n');
  let found: number | undefined;
  // Line 0 is the start line; folded continuation lines start with whitespace and cannot
  // begin a Content-Length header, so the name check skips them.
  for (let i = 1; i < lines.length; i++) {
    const text = contentLengthValue(lines[i] ?? '');
    if (text === undefined) continue;
    if (!/^\d{1,10}$/.test(text)) return 'bad-content-length';
    const value = Number(text);
    if (found !== undefined && found !== value) return 'bad-content-length';
    found = value;
  }
  return found ?? 'missing-content-length';
}

/**
 * The value of a Content-Length header line (full or compact form, any case, blanks allowed
 * before the colon per HCOLON, RFC 3261 §7.3.1) with surrounding SP/HTAB removed, or undefined
 * when the line is another header. A hand-written scan rather than a regex: the lazy-capture
 * pattern used before backtracked quadratically on a value padded with thousands of blanks,
 * blocking the event loop for seconds on one crafted line. This is linear in the line length.
 */
export function contentLengthValue(line: string): string | undefined {
  let i: number;
  if (line.length >= 14 && line.slice(0, 14).toLowerCase() === 'content-length') i = 14;
  else if (line.charCodeAt(0) === 0x6c /* l */ || line.charCodeAt(0) === 0x4c /* L */) i = 1;
  else return undefined;
  while (isBlankCode(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) !== COLON) return undefined;
  let start = i + 1;
  let end = line.length;
  while (start < end && isBlankCode(line.charCodeAt(start))) start++;
  while (end > start && isBlankCode(line.charCodeAt(end - 1))) end--;
  return line.slice(start, end);
}

function isBlankCode(code: number): boolean {
  return code === SP || code === HTAB;
}
