import { describe, expect, it } from 'vitest';
import { isRetryableStatus, nextRetryDelayMs, RETRY_MAX_DELAY_MS } from './retry-schedule.js';
import { signWebhook, verifyWebhookSignature } from './signature.js';

describe('webhook signatures', () => {
  const body = JSON.stringify({ type: 'call.answered', id: 'evt_1' });

  it('matches an HMAC-SHA256 computed independently (known vector)', () => {
    // echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'whsec_test'
    expect(signWebhook('whsec_test', '{"a":1}', 1_700_000_000)).toBe(
      't=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789',
    );
  });

  it('verifies its own signature and refuses tampering, other secrets and stale timestamps', () => {
    const header = signWebhook('s3cret', body, 1000);
    expect(verifyWebhookSignature('s3cret', body, header, { nowS: 1010 })).toBeUndefined();
    expect(verifyWebhookSignature('s3cret', `${body} `, header, { nowS: 1010 })).toMatch(/match/);
    expect(verifyWebhookSignature('other', body, header, { nowS: 1010 })).toMatch(/match/);
    expect(verifyWebhookSignature('s3cret', body, header, { nowS: 2000 })).toMatch(/tolerance/);
    expect(verifyWebhookSignature('s3cret', body, undefined, { nowS: 1000 })).toMatch(/missing/);
    expect(verifyWebhookSignature('s3cret', body, 'v1=abc', { nowS: 1000 })).toMatch(/timestamp/);
  });

  it('accepts any of several v1 values (secret rotation)', () => {
    const fresh = signWebhook('new', body, 1000).split(',')[1]!;
    const header = `${signWebhook('old', body, 1000)},${fresh}`;
    expect(verifyWebhookSignature('new', body, header, { nowS: 1000 })).toBeUndefined();
  });
});

describe('retry schedule', () => {
  it('backs off exponentially to an hour, with bounded jitter, then gives up', () => {
    const mid = (): number => 0.5;
    expect(nextRetryDelayMs(1, mid)).toBe(10_000);
    expect(nextRetryDelayMs(2, mid)).toBe(20_000);
    expect(nextRetryDelayMs(7, mid)).toBe(640_000);
    expect(nextRetryDelayMs(20, mid, 30)).toBe(RETRY_MAX_DELAY_MS);
    expect(nextRetryDelayMs(8, mid)).toBeUndefined();
    expect(nextRetryDelayMs(1, () => 0)).toBe(8_000);
    expect(nextRetryDelayMs(1, () => 0.999_999)).toBe(12_000);
  });

  it('retries server errors, timeouts and rate limits only', () => {
    expect([500, 503, 408, 429].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 404, 410].some(isRetryableStatus)).toBe(false);
  });
});
