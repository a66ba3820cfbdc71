import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRequest } from '../message/index.js';
import { readRAck, ReliableProvisionals } from './reliable-provisionals.js';

function prack(rack: string) {
  return createRequest({ method: 'PRACK', uri: 'sip:a@b', headers: [['RAck', rack]] });
}

describe('readRAck', () => {
  it('reads RSeq, CSeq and method', () => {
    expect(readRAck(prack(' 5  10 invite '))).toEqual({ rseq: 5, cseq: 10, method: 'INVITE' });
    expect(readRAck(prack('5 10'))).toBeUndefined();
    expect(readRAck(prack('x 10 INVITE'))).toBeUndefined();
  });
});

describe('ReliableProvisionals', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('numbers provisionals upwards by one', () => {
    const r = new ReliableProvisionals({ t1Ms: 500, t2Ms: 4000 }, 1);
    const first = r.next();
    expect(r.next()).toBe(first + 1);
    expect(first).toBeGreaterThan(0);
  });

  it('resends at T1, 2*T1 … until the matching PRACK', () => {
    const r = new ReliableProvisionals({ t1Ms: 500, t2Ms: 4000 }, 7);
    const resend = vi.fn();
    const rseq = r.next();
    r.await(rseq, resend, vi.fn());
    vi.advanceTimersByTime(500);
    expect(resend).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1000);
    expect(resend).toHaveBeenCalledTimes(2);
    expect(r.acknowledge(prack(`${rseq + 1} 7 INVITE`))).toBe(false);
    expect(r.acknowledge(prack(`${rseq} 6 INVITE`))).toBe(false);
    expect(r.acknowledge(prack(`${rseq} 7 UPDATE`))).toBe(false);
    expect(r.awaiting).toBe(true);
    expect(r.acknowledge(prack(`${rseq} 7 INVITE`))).toBe(true);
    expect(r.awaiting).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(resend).toHaveBeenCalledTimes(2);
    // Already acknowledged: a second PRACK matches nothing.
    expect(r.acknowledge(prack(`${rseq} 7 INVITE`))).toBe(false);
  });

  it('gives up after 64*T1', () => {
    const r = new ReliableProvisionals({ t1Ms: 500, t2Ms: 4000 }, 1);
    const giveUp = vi.fn();
    r.await(r.next(), undefined, giveUp);
    vi.advanceTimersByTime(64 * 500 - 1);
    expect(giveUp).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(giveUp).toHaveBeenCalledOnce();
    expect(r.awaiting).toBe(false);
  });
});
