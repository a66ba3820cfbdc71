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
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');

/**
 * Matches a Content-Length header line, full or compact form. SIP allows whitespace before the
 * colon (HCOLON), and header names are case-insensitive (RFC 3261 §7.3.1).
 */
const CONTENT_LENGTH_LINE = /^(?:content-length|l)[ \t]*:[ \t]*(.*?)[ \t]*$/i;

/** Incremental framer for one stream connection. Not reusable after an error. */
export class StreamFramer {
  private readonly maxMessageBytes: number;
  private buffer: Buffer = Buffer.alloc(0);
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
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const events: FramerEvent[] = [];
    for (;;) {
      const event = this.next();
      if (!event) break;
      events.push(event);
      if (event.type === 'error') break;
    }
    return events;
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
    this.buffer = Buffer.alloc(0);
    return { type: 'error', reason, raw };
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
  // begin a Content-Length header, so the anchored regex skips them.
  for (let i = 1; i < lines.length; i++) {
    const match = CONTENT_LENGTH_LINE.exec(lines[i] ?? '');
    if (!match) continue;
    const text = match[1] ?? '';
    if (!/^\d{1,10}$/.test(text)) return 'bad-content-length';
    const value = Number(text);
    if (found !== undefined && found !== value) return 'bad-content-length';
    found = value;
  }
  return found ?? 'missing-content-length';
}
