/**
 * Finds the session description in a message body: either the whole body (application/sdp)
 * or one part of a multipart/mixed body (RFC 5621), as SIP-I trunks send SDP next to ISUP.
 */
import type { SipMessage } from '../message/index.js';
import { contentType } from './request-checks.js';

function boundaryOf(header: string): string | undefined {
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(header);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** Extracts the SDP text of a message, or undefined when it carries none. */
export function sdpOf(msg: SipMessage): string | undefined {
  if (msg.body.length === 0) return undefined;
  const type = contentType(msg);
  if (type === 'application/sdp') return msg.body.toString('utf8');
  if (type !== 'multipart/mixed') return undefined;
  const boundary = boundaryOf(msg.headers.get('Content-Type') ?? '');
  if (!boundary) return undefined;
  const text = msg.body.toString('latin1');
  for (const part of text.split(`--${boundary}`).slice(1)) {
    if (part.startsWith('--')) break;
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    if (/^\s*content-type\s*:\s*application\/sdp/im.test(head)) {
      const body = part.slice(split + 4).replace(/\r\n$/, '');
      return Buffer.from(body, 'latin1').toString('utf8');
    }
  }
  return undefined;
}
