/**
 * The serializer: start line, headers under their canonical names, CRLF line ends,
 * Content-Length computed from the body, body bytes appended verbatim.
 */
import type { SipMessage } from './types.js';

/**
 * Header values come from code (display names, reason phrases from configuration …); a CR or
 * LF in one would let it forge extra headers, so line breaks are flattened to a space.
 */
function oneLine(text: string): string {
  return text.indexOf('\r') < 0 && text.indexOf('\n') < 0 ? text : text.replace(/[\r\n]+/g, ' ');
}

/**
 * Serializes a message. Content-Length is always written from `body.length`: in place of the
 * first Content-Length line when there is one (so a parsed message serializes back in the same
 * order), otherwise after the last header; further Content-Length lines are dropped.
 */
export function serializeMessage(msg: SipMessage): Buffer {
  let head =
    msg.kind === 'request'
      ? `${oneLine(msg.method)} ${oneLine(msg.uri)} ${oneLine(msg.version)}\r\n`
      : `${oneLine(msg.version)} ${msg.status} ${oneLine(msg.reason)}\r\n`;
  const contentLength = `Content-Length: ${msg.body.length}\r\n`;
  let wroteLength = false;
  for (const { name, value } of msg.headers.entries()) {
    if (name === 'Content-Length') {
      if (!wroteLength) head += contentLength;
      wroteLength = true;
      continue;
    }
    head += `${oneLine(name)}: ${oneLine(value)}\r\n`;
  }
  if (!wroteLength) head += contentLength;
  head += '\r\n';
  if (msg.body.length === 0) return Buffer.from(head, 'utf8');
  const headBytes = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headBytes + msg.body.length);
  out.write(head, 0, 'utf8');
  msg.body.copy(out, headBytes);
  return out;
}
