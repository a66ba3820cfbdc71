/**
 * The message parser (RFC 3261 §7): framing of one datagram or stream-framed message, start
 * line, and a single pass over the header lines with unfolding. Semantic checks live in
 * validate.ts; both feed one SipParseError with a precise reason and, for requests that can
 * still be answered, the partial request.
 */
import { SipParseError, badSyntax } from './errors.js';
import { SipHeaders, canonicalHeaderName } from './headers.js';
import type { SipMessage, SipRequest, SipResponse } from './types.js';
import { isToken, isWsp } from './charsets.js';
import { parseContentLengthValue } from './scalars.js';
import {
  collectKeyLine,
  emptyKeyLines,
  isAnswerable,
  validateMessage,
  validateRequestUri,
} from './validate.js';
import type { KeyLines } from './validate.js';

/** Most header lines accepted in one message (after unfolding). */
export const MAX_HEADER_LINES = 1000;
/** Longest start line or (unfolded) header line accepted, in characters. */
export const MAX_LINE_LENGTH = 16 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/** `SIP/` 1*DIGIT "." 1*DIGIT, any case: any version passes, the UA core answers 505. */
export function isSipVersion(s: string): boolean {
  if (s.length < 7 || s.slice(0, 4).toUpperCase() !== 'SIP/') return false;
  const dot = s.indexOf('.', 4);
  if (dot <= 4 || dot === s.length - 1) return false;
  for (let i = 4; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (i !== dot && (c < 0x30 || c > 0x39)) return false;
  }
  return true;
}

interface Framing {
  /** First byte of the start line. */
  start: number;
  /** End (exclusive) of the header section, before the blank line. */
  headEnd: number;
  /** First byte of the body. */
  bodyStart: number;
}

/**
 * Locates the header section. Leading CRLFs are skipped (RFC 3261 §7.5); lines may end in CRLF
 * or, leniently, a bare LF; a datagram without the blank line ends its headers at its end.
 */
function frame(data: Buffer): Framing {
  let start = 0;
  while (start < data.length && (data[start] === CR || data[start] === LF)) start++;
  let pos = start;
  for (;;) {
    const lf = data.indexOf(LF, pos);
    if (lf < 0) return { start, headEnd: data.length, bodyStart: data.length };
    if (data[lf + 1] === LF) return { start, headEnd: lf, bodyStart: lf + 2 };
    if (data[lf + 1] === CR && data[lf + 2] === LF)
      return { start, headEnd: lf, bodyStart: lf + 3 };
    pos = lf + 1;
  }
}

interface RequestLine {
  method: string;
  uri: string;
  version: string;
  /** Set when the line is recognisably a request line but breaks the grammar. */
  problem?: string;
}

/**
 * Reads `Method SP Request-URI SP SIP-Version`. A line whose method and version cannot be
 * made out is garbage (no partial); one with extra or trailing blanks or a blank inside the
 * URI (RFC 4475 "lwsstart", "trws", "lwsruri") is still recognised, so the request can be
 * answered 400.
 */
function parseRequestLine(line: string): RequestLine {
  const trimmed = line.trim();
  let first = 0;
  while (first < trimmed.length && !isWsp(trimmed.charCodeAt(first))) first++;
  let last = trimmed.length;
  while (last > first && !isWsp(trimmed.charCodeAt(last - 1))) last--;
  const method = trimmed.slice(0, first);
  const version = trimmed.slice(last);
  const between = trimmed.slice(first, last);
  const uri = between.trim();
  if (!isToken(method) || !isSipVersion(version) || uri.length === 0) {
    throw badSyntax('Bad start line');
  }
  const result: RequestLine = { method, uri, version };
  let blank = false;
  for (let i = 0; i < uri.length && !blank; i++) blank = isWsp(uri.charCodeAt(i));
  if (blank) result.problem = 'Bad Request-URI: contains blanks';
  else if (trimmed !== line) result.problem = 'Bad request line: leading or trailing blanks';
  else if (between !== ` ${uri} `) {
    result.problem = 'Bad request line: elements not separated by single spaces';
  }
  return result;
}

/** Reads `SIP-Version SP Status-Code SP Reason-Phrase`; an empty reason is fine (RFC 4475). */
function parseStatusLine(line: string): { version: string; status: number; reason: string } {
  const sp = line.indexOf(' ');
  const version = sp < 0 ? line : line.slice(0, sp);
  const code = line.slice(sp + 1, sp + 4);
  const after = line.charCodeAt(sp + 4);
  const status = /^[1-6]\d\d$/.test(code) ? Number(code) : 0;
  if (
    sp < 0 ||
    !isSipVersion(version) ||
    status === 0 ||
    !(Number.isNaN(after) || after === 0x20)
  ) {
    throw badSyntax('Bad status line');
  }
  return { version, status, reason: line.slice(sp + 5) };
}

interface HeaderPass {
  headers: SipHeaders;
  keys: KeyLines;
  problem?: string;
}

/**
 * One pass over the header lines: unfolds continuation lines (a line starting with SP or HTAB
 * continues the previous header, RFC 3261 §7.3.1), tolerates blanks before the colon (RFC
 * 4475 "wsinv"), expands compact names and files the headers validation needs.
 */
function readHeaders(lines: readonly string[]): HeaderPass {
  const pass: HeaderPass = { headers: new SipHeaders(), keys: emptyKeyLines() };
  // The header being unfolded; stored when the next header starts (or at the end).
  let name: string | undefined;
  let value = '';
  let count = 0;
  for (let li = 1; li <= lines.length; li++) {
    let line = li < lines.length ? lines[li]! : undefined;
    if (line !== undefined && line.charCodeAt(line.length - 1) === CR) line = line.slice(0, -1);
    if (line === '') continue;
    if (line !== undefined && isWsp(line.charCodeAt(0))) {
      if (name === undefined) pass.problem ??= 'Bad header folding';
      else if (value.length + line.length > MAX_LINE_LENGTH)
        pass.problem ??= 'Header line too long';
      else value = value ? `${value} ${line.trim()}` : line.trim();
      continue;
    }
    if (name !== undefined) {
      const canon = canonicalHeaderName(name);
      pass.headers.append(canon, value);
      collectKeyLine(pass.keys, canon, value);
      name = undefined;
    }
    if (line === undefined) break;
    if (++count > MAX_HEADER_LINES) {
      pass.problem ??= 'Too many headers';
      break;
    }
    if (line.length > MAX_LINE_LENGTH) {
      pass.problem ??= 'Header line too long';
      continue;
    }
    const colon = line.indexOf(':');
    let nameEnd = colon;
    while (nameEnd > 0 && isWsp(line.charCodeAt(nameEnd - 1))) nameEnd--;
    const candidate = line.slice(0, nameEnd);
    if (colon < 0 || !isToken(candidate)) {
      pass.problem ??= colon < 0 ? 'Bad header line: missing colon' : 'Bad header name';
      continue;
    }
    name = candidate;
    value = line.slice(colon + 1).trim();
  }
  return pass;
}

/**
 * Cuts the body by Content-Length: a longer datagram is truncated to it, a shorter one is an
 * error (RFC 4475 "clerr"), and without the header the rest of the datagram is the body.
 * The bytes are copied so the message never aliases a transport's receive buffer.
 */
function cutBody(
  data: Buffer,
  bodyStart: number,
  keys: KeyLines,
): { body: Buffer; problem?: string } {
  const available = data.length - bodyStart;
  const raw = keys.contentLength[0];
  if (raw === undefined) return { body: Buffer.from(data.subarray(bodyStart)) };
  const length = parseContentLengthValue(raw);
  if (length === undefined) {
    return { body: Buffer.from(data.subarray(bodyStart)), problem: 'Bad Content-Length' };
  }
  if (length > available) {
    return { body: Buffer.from(data.subarray(bodyStart)), problem: 'Content-Length exceeds body' };
  }
  return { body: Buffer.from(data.subarray(bodyStart, bodyStart + length)) };
}

/**
 * Parses one whole SIP message (a datagram, or one message framed off a stream). Throws
 * SipParseError: status 400 with a reason naming the problem, and for requests that can
 * still be answered the partial request (see SipParseError.partial).
 */
export function parseMessage(data: Buffer): SipMessage {
  const { start, headEnd, bodyStart } = frame(data);
  if (start >= data.length) throw badSyntax('Empty message');
  const nul = data.subarray(start, headEnd).indexOf(0) >= 0;
  const lines = data.toString('utf8', start, headEnd).split('\n');
  let startLine = lines[0]!;
  if (startLine.charCodeAt(startLine.length - 1) === CR) startLine = startLine.slice(0, -1);
  if (startLine.length > MAX_LINE_LENGTH) throw badSyntax('Start line too long');

  const isResponse = startLine.slice(0, 4).toUpperCase() === 'SIP/';
  const statusLine = isResponse ? parseStatusLine(startLine) : undefined;
  const requestLine = isResponse ? undefined : parseRequestLine(startLine);

  const pass = readHeaders(lines);
  const { body, problem: bodyProblem } = cutBody(data, bodyStart, pass.keys);
  const msg: SipMessage = statusLine
    ? ({
        kind: 'response',
        version: statusLine.version,
        status: statusLine.status,
        reason: statusLine.reason,
        headers: pass.headers,
        body,
      } satisfies SipResponse)
    : ({
        kind: 'request',
        method: requestLine!.method,
        uri: requestLine!.uri,
        version: requestLine!.version,
        headers: pass.headers,
        body,
      } satisfies SipRequest);

  const problem =
    (nul ? 'NUL byte in header section' : undefined) ??
    requestLine?.problem ??
    pass.problem ??
    bodyProblem ??
    (msg.kind === 'request' ? validateRequestUri(msg.headers, msg.uri) : undefined) ??
    validateMessage(msg, pass.keys);
  if (problem === undefined) return msg;
  const partial = msg.kind === 'request' && isAnswerable(pass.keys) ? msg : undefined;
  throw new SipParseError(400, problem, partial);
}
