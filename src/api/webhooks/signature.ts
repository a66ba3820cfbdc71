/**
 * Webhook signatures. Each delivery carries `Switchboard-Signature: t=<unix seconds>,v1=<hex>`
 * where the hex is HMAC-SHA256(secret, `${t}.${body}`). Signing the timestamp with the body lets
 * a receiver refuse replays of an old delivery; the `v1=` label leaves room for a new scheme
 * (several `v1=` values may appear while a secret is being rotated).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header that carries the signature. */
export const SIGNATURE_HEADER = 'Switchboard-Signature';

/** The signature header value for `body` sent at `timestampS`. */
export function signWebhook(secret: string, body: string, timestampS: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
  return `t=${timestampS},v1=${mac}`;
}

/** Why a signature was refused, or undefined when it is valid. */
export function verifyWebhookSignature(
  secret: string,
  body: string,
  header: string | undefined,
  options: { nowS: number; toleranceS?: number },
): string | undefined {
  if (header === undefined || header === '') return 'missing signature';
  let timestamp: number | undefined;
  const macs: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value !== undefined && /^\d+$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && value !== undefined) macs.push(value);
  }
  if (timestamp === undefined) return 'no timestamp in the signature';
  if (macs.length === 0) return 'no v1 signature';
  const tolerance = options.toleranceS ?? 300;
  if (Math.abs(options.nowS - timestamp) > tolerance) return 'timestamp outside the tolerance';
  const expected = Buffer.from(
    createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex'),
  );
  const ok = macs.some((mac) => {
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return ok ? undefined : 'signature does not match';
}
