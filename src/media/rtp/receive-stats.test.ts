import { describe, expect, it } from 'vitest';
import { ReceiveStats } from './receive-stats.js';

function started(firstSeq: number): ReceiveStats {
  const s = new ReceiveStats(8000);
  s.reset(0xabc, firstSeq);
  return s;
}

describe('ReceiveStats sequence validation (RFC 3550 A.1)', () => {
  it('puts a new source on probation for MIN_SEQUENTIAL packets', () => {
    const s = started(100);
    expect(s.update(100, 0, 0)).toBe('probation');
    expect(s.expected).toBe(0);
    expect(s.update(101, 160, 20)).toBe('valid');
    expect(s.received).toBe(1);
    expect(s.expected).toBe(1);
  });

  it('restarts probation when the probation run breaks', () => {
    const s = started(100);
    expect(s.update(100, 0, 0)).toBe('probation');
    expect(s.update(105, 0, 0)).toBe('probation');
    expect(s.update(106, 0, 0)).toBe('valid');
    expect(s.extendedHighestSeq).toBe(106);
  });

  it('counts wrap-around cycles in the extended highest sequence number', () => {
    const s = started(65533);
    for (const seq of [65533, 65534, 65535, 0, 1, 2]) s.update(seq, 0, 0);
    expect(s.extendedHighestSeq).toBe(65536 + 2);
    expect(s.expected).toBe(5); // 65534 … 2 (65533 was the probation packet)
    expect(s.lost).toBe(0);
  });

  it('counts losses and the fraction lost per report interval (A.3)', () => {
    const s = started(100);
    for (const seq of [100, 101, 102, 104]) s.update(seq, 0, 0);
    // Base 101: expected 101..104 = 4, received 3.
    expect(s.lost).toBe(1);
    const first = s.makeReportBlock(0);
    expect(first.fractionLost).toBe(64 / 256);
    expect(first.cumulativeLost).toBe(1);
    expect(first.extendedHighestSeq).toBe(104);
    for (const seq of [105, 106, 107, 108]) s.update(seq, 0, 0);
    expect(s.makeReportBlock(0).fractionLost).toBe(0);
    for (const seq of [110, 112]) s.update(seq, 0, 0);
    // Interval: expected 109..112 = 4, received 2.
    const third = s.makeReportBlock(0);
    expect(third.fractionLost).toBe(0.5);
    expect(third.cumulativeLost).toBe(3);
  });

  it('counts duplicates as received, so cumulative lost can go negative', () => {
    const s = started(1);
    for (const seq of [1, 2, 3, 3, 3]) s.update(seq, 0, 0);
    expect(s.lost).toBe(-2);
    expect(s.makeReportBlock(0)).toMatchObject({ cumulativeLost: -2, fractionLost: 0 });
  });

  it('takes reordering within MAX_MISORDER as valid', () => {
    const s = started(10);
    for (const seq of [10, 11, 13, 12, 14]) expect(s.update(seq, 0, 0)).not.toBe('bad-sequence');
    expect(s.lost).toBe(0);
    expect(s.extendedHighestSeq).toBe(14);
  });

  it('drops one stray big jump, and restarts when the jump is confirmed', () => {
    const s = started(10);
    for (const seq of [10, 11, 12]) s.update(seq, 0, 0);
    expect(s.update(30000, 0, 0)).toBe('bad-sequence');
    expect(s.update(13, 0, 0)).toBe('valid');
    expect(s.update(40000, 0, 0)).toBe('bad-sequence');
    expect(s.update(40001, 0, 0)).toBe('valid');
    expect(s.extendedHighestSeq).toBe(40001);
    expect(s.expected).toBe(1);
    expect(s.lost).toBe(0);
  });
});

describe('ReceiveStats jitter (RFC 3550 A.8)', () => {
  it('matches a hand-computed example', () => {
    const s = started(1);
    // 8 kHz: arrivals in ms → timestamp units ×8. Transits: (probation), 0, 0, 80, 0.
    const arrivalsMs = [0, 20, 40, 70, 80];
    arrivalsMs.forEach((a, i) => s.update(1 + i, i * 160, a));
    // J = 0 → 0 (d=0) → 0 + (80−0)/16 = 5 → 5 + (80−5)/16 = 9.6875
    expect(s.jitterTs).toBe(9.6875);
    expect(s.jitterMs).toBeCloseTo(9.6875 / 8, 10);
    expect(s.makeReportBlock(0).jitter).toBe(9);
  });

  it('ignores packets that repeat the previous timestamp (RFC 4733 updates)', () => {
    const s = started(1);
    s.update(1, 0, 0);
    s.update(2, 160, 20);
    s.update(3, 160, 60);
    s.update(4, 160, 100);
    s.update(5, 480, 60);
    expect(s.jitterTs).toBe(0);
  });

  it('survives the 32-bit timestamp wrap', () => {
    const s = started(1);
    const base = 0xffffff00;
    for (let i = 0; i < 6; i++) s.update(1 + i, (base + i * 160) >>> 0, i * 20);
    expect(s.jitterTs).toBe(0);
  });
});

describe('ReceiveStats report blocks', () => {
  it('echoes the last SR as LSR with the delay since as DLSR', () => {
    const s = started(1);
    s.update(1, 0, 0);
    s.update(2, 160, 20);
    expect(s.makeReportBlock(1000)).toMatchObject({ lsr: 0, dlsr: 0, ssrc: 0xabc });
    s.recordSenderReport(0x12345678, 1000);
    expect(s.makeReportBlock(1500)).toMatchObject({ lsr: 0x12345678, dlsr: 32768 });
  });

  it('reset() forgets the previous source', () => {
    const s = started(1);
    for (const seq of [1, 2, 4]) s.update(seq, seq * 160, seq * 20);
    s.recordSenderReport(5, 0);
    s.reset(0xdef, 500);
    expect(s.snapshot()).toMatchObject({ ssrc: 0xdef, received: 0, expected: 0, jitterTs: 0 });
    expect(s.makeReportBlock(0).lsr).toBe(0);
  });
});
