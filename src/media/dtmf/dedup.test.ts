import { describe, expect, it } from 'vitest';
import { DtmfDeduplicator } from './dedup.js';
import type { DtmfDigit, DtmfEvent, DtmfSource } from './types.js';

const ev = (digit: DtmfDigit, source: DtmfSource, durationMs = 100): DtmfEvent => ({
  digit,
  source,
  durationMs,
  timestampMs: 0,
});

describe('DtmfDeduplicator', () => {
  it('drops the in-band copy of an RFC 4733 press, either order', () => {
    const dedup = new DtmfDeduplicator();
    expect(dedup.accept(ev('5', 'rfc4733'), 1000)).toBe(true);
    expect(dedup.accept(ev('5', 'inband'), 1045)).toBe(false);
    const other = new DtmfDeduplicator();
    expect(other.accept(ev('5', 'inband'), 1040)).toBe(true);
    expect(other.accept(ev('5', 'rfc4733'), 1060)).toBe(false);
  });

  it('drops an INFO sent at key-down when RFC 4733 reports the long press at key-up', () => {
    const dedup = new DtmfDeduplicator();
    expect(dedup.accept(ev('1', 'info', 250), 0)).toBe(true);
    expect(dedup.accept(ev('1', 'rfc4733', 2000), 2000)).toBe(false);
  });

  it('drops copies from all three paths of one press', () => {
    const dedup = new DtmfDeduplicator();
    expect(dedup.accept(ev('9', 'info'), 0)).toBe(true);
    expect(dedup.accept(ev('9', 'rfc4733'), 90)).toBe(false);
    expect(dedup.accept(ev('9', 'inband'), 130)).toBe(false);
  });

  it('keeps the same key twice via one path: two presses', () => {
    const dedup = new DtmfDeduplicator();
    expect(dedup.accept(ev('4', 'rfc4733'), 1000)).toBe(true);
    expect(dedup.accept(ev('4', 'rfc4733'), 1160)).toBe(true);
  });

  it('pairs two quick presses sent by two paths copy by copy', () => {
    const dedup = new DtmfDeduplicator();
    // 100 ms on, 60 ms gap; RFC 4733 at each release, in-band 40 ms later.
    expect(dedup.accept(ev('7', 'rfc4733'), 100)).toBe(true);
    expect(dedup.accept(ev('7', 'inband'), 140)).toBe(false);
    expect(dedup.accept(ev('7', 'rfc4733'), 260)).toBe(true);
    expect(dedup.accept(ev('7', 'inband'), 300)).toBe(false);
  });

  it('keeps the second press when the other path missed the first', () => {
    const dedup = new DtmfDeduplicator();
    expect(dedup.accept(ev('7', 'rfc4733'), 100)).toBe(true);
    expect(dedup.accept(ev('7', 'inband'), 140)).toBe(false);
    // Second press: its RFC 4733 packets were lost, only the tone got through.
    expect(dedup.accept(ev('7', 'inband'), 300)).toBe(true);
  });

  it('keeps different keys and presses outside the window', () => {
    const dedup = new DtmfDeduplicator({ windowMs: 300 });
    expect(dedup.accept(ev('1', 'rfc4733'), 1000)).toBe(true);
    expect(dedup.accept(ev('2', 'inband'), 1040)).toBe(true);
    expect(dedup.accept(ev('1', 'inband'), 1000 + 100 + 301)).toBe(true);
    expect(dedup.accept(ev('3', 'info'), 5000)).toBe(true);
    expect(dedup.accept(ev('3', 'rfc4733'), 5300)).toBe(false);
    expect(dedup.accept(ev('3', 'inband'), 5000 + 100 + 400)).toBe(true);
  });

  it('reset() forgets everything', () => {
    const dedup = new DtmfDeduplicator();
    dedup.accept(ev('1', 'rfc4733'), 0);
    dedup.reset();
    expect(dedup.accept(ev('1', 'inband'), 10)).toBe(true);
  });
});
