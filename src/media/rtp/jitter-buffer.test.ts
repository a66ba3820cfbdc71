import { describe, expect, it } from 'vitest';
import { prng } from '../../../test/fixtures/prng.js';
import {
  JitterBuffer,
  type JitterBufferOptions,
  type JitterFrame,
  type JitterPull,
} from './jitter-buffer.js';
import type { RtpPacket } from './rtp-packet.js';

const CLOCK = 8000;

function pkt(seq: number, ts: number, opts: { marker?: boolean; bytes?: number } = {}): RtpPacket {
  return {
    marker: opts.marker ?? false,
    payloadType: 0,
    sequenceNumber: seq & 0xffff,
    timestamp: ts >>> 0,
    ssrc: 1,
    csrcCount: 0,
    payload: new Uint8Array(opts.bytes ?? 160),
  };
}

function packetsOf(r: JitterFrame): RtpPacket[] {
  return r.entries.flatMap((e) => ('packet' in e ? [e.packet] : []));
}

/** The sequence numbers a pull returned, or 'w' for waiting. */
function seqs(r: JitterPull): number[] | 'w' {
  return r.kind === 'waiting' ? 'w' : packetsOf(r).map((p) => p.sequenceNumber);
}

function lostTs(r: JitterPull): number {
  return r.kind === 'waiting' ? 0 : r.lostTs;
}

interface SimOptions {
  ptimeMs?: number;
  durationMs: number;
  /** Network delay of packet k sent at sendMs. */
  delayMs?: (k: number, sendMs: number) => number;
  /** True to drop packet k in the network. */
  lose?: (k: number) => boolean;
  /** Timestamp of packet k (default k × ptime). */
  timestampOf?: (k: number) => number;
  firstSeq?: number;
  marker?: (k: number) => boolean;
  /** Skip sending packet k (sender silence / DTX). */
  silent?: (k: number) => boolean;
  pullPhaseMs?: number;
  jb?: Partial<JitterBufferOptions>;
  /** Called after every pull with its time. */
  onPull?: (tMs: number, r: JitterPull, jb: JitterBuffer) => void;
}

interface SimResult {
  jb: JitterBuffer;
  /** Sequence numbers in playout order. */
  played: number[];
  /** Total timestamp units handed out: packet durations (ptime) + lostTs. */
  deliveredTs: number;
  pulls: number;
  results: string[];
}

/** Sends a stream through a simulated network into a buffer pulled every 20 ms. */
function simulate(o: SimOptions): SimResult {
  const ptimeMs = o.ptimeMs ?? 20;
  const jb = new JitterBuffer({ clockRateHz: CLOCK, ...o.jb });
  const events: { t: number; order: number; p?: RtpPacket }[] = [];
  const n = Math.floor(o.durationMs / ptimeMs);
  let order = 0;
  let seq = o.firstSeq ?? 1000;
  for (let k = 0; k < n; k++) {
    if (o.silent?.(k)) continue;
    const s = seq++;
    if (o.lose?.(k)) continue;
    const sendMs = k * ptimeMs;
    const ts = o.timestampOf ? o.timestampOf(k) : k * ptimeMs * 8;
    const p = pkt(s, ts, { marker: o.marker?.(k), bytes: ptimeMs * 8 });
    events.push({ t: sendMs + 10 + (o.delayMs?.(k, sendMs) ?? 0), order: order++, p });
  }
  for (let t = o.pullPhaseMs ?? 7; t < o.durationMs + 1000; t += 20) {
    events.push({ t, order: order++ });
  }
  events.sort((a, b) => a.t - b.t || a.order - b.order);
  const played: number[] = [];
  const results: string[] = [];
  let deliveredTs = 0;
  let pulls = 0;
  for (const e of events) {
    if (e.p) {
      jb.push(e.p, e.t);
      continue;
    }
    const r = jb.pull();
    pulls++;
    if (r.kind === 'frame') {
      const got = packetsOf(r);
      for (const p of got) {
        played.push(p.sequenceNumber);
        deliveredTs += p.payload.length; // 1 byte per sample at 8 kHz (G.711)
      }
      deliveredTs += r.lostTs;
      results.push(`${got.map((p) => p.sequenceNumber).join('+') || '-'}/${r.lostTs}`);
    } else {
      results.push('w');
    }
    o.onPull?.(e.t, r, jb);
  }
  return { jb, played, deliveredTs, pulls, results };
}

/** Pushes packets k (timestamp k × 20 ms) in the given order, one every 20 ms. */
function feed(jb: JitterBuffer, order: number[], startMs = 0): void {
  order.forEach((k, i) => jb.push(pkt(k, k * 160), startMs + i * 20));
}

describe('JitterBuffer basics', () => {
  it('waits while priming, then plays one 20 ms packet per pull', () => {
    const jb = new JitterBuffer({ clockRateHz: CLOCK, initialDelayMs: 40 });
    expect(jb.pull()).toEqual({ kind: 'waiting' });
    let t = 0;
    const out: (number[] | 'w')[] = [];
    for (let k = 0; k < 10; k++) {
      expect(jb.push(pkt(k, k * 160), t)).toBe('accepted');
      t += 20;
      out.push(seqs(jb.pull()));
    }
    // Priming needs the initial 40 ms plus the frame the first pull takes.
    expect(out.slice(0, 5)).toEqual(['w', 'w', [0], [1], [2]]);
    expect(out.slice(5)).toEqual([[3], [4], [5], [6], [7]]);
    const s = jb.stats();
    expect(s).toMatchObject({ received: 10, lost: 0, late: 0, duplicates: 0, concealedMs: 0 });
    expect(s.state).toBe('playing');
  });

  it('reorders packets by sequence number', () => {
    const jb = new JitterBuffer({ clockRateHz: CLOCK });
    feed(jb, [0, 2, 1, 3, 5, 4]);
    // Each pull's frame is valid until the next pull: read it at once.
    const out = Array.from({ length: 6 }, () => seqs(jb.pull()));
    expect(out).toEqual([[0], [1], [2], [3], [4], [5]]);
    expect(jb.stats().reordered).toBe(2);
  });

  it('reports a missing packet as lostTs once later packets are there', () => {
    const jb = new JitterBuffer({ clockRateHz: CLOCK });
    feed(jb, [0, 1, 3, 4]);
    const r = Array.from({ length: 4 }, () => {
      const f = jb.pull();
      return [seqs(f), lostTs(f)];
    });
    expect(r).toEqual([
      [[0], 0],
      [[1], 0],
      [[], 160],
      [[3], 0],
    ]);
    expect(jb.stats()).toMatchObject({ lost: 1, concealedMs: 20 });
  });

  it('drops duplicates, whether still buffered or already played', () => {
    const jb = new JitterBuffer({ clockRateHz: CLOCK });
    feed(jb, [0, 1, 2, 3]);
    expect(jb.push(pkt(2, 320), 0)).toBe('duplicate');
    jb.pull();
    expect(jb.push(pkt(0, 0), 0)).toBe('duplicate');
    expect(jb.stats().duplicates).toBe(2);
  });

  it('drops packets whose playout time has passed', () => {
    const jb = new JitterBuffer({ clockRateHz: CLOCK });
    feed(jb, [0, 1, 3, 4, 5]);
    jb.pull();
    jb.pull();
    jb.pull(); // window of seq 2: concealed
    expect(jb.push(pkt(2, 320), 100)).toBe('late');
    expect(jb.stats().late).toBe(1);
    // The late arrival also tells the buffer to grow: it may insert frames before seq 3.
    const next = Array.from({ length: 12 }, () => seqs(jb.pull())).flat();
    expect(next).toEqual([3, 4, 5]);
  });

  it('follows the 16-bit sequence and 32-bit timestamp wrap', () => {
    const r = simulate({
      durationMs: 400,
      firstSeq: 65530,
      timestampOf: (k) => 0xffffff00 + k * 160,
    });
    expect(r.played).toEqual(Array.from({ length: 20 }, (_, k) => (65530 + k) & 0xffff));
    expect(r.jb.stats()).toMatchObject({ lost: 0, late: 0, resyncs: 0 });
  });

  it('refuses packets beyond maxPackets and starts over from the newest', () => {
    const jb = new JitterBuffer({ clockRateHz: CLOCK, maxPackets: 10 });
    const results = [];
    for (let k = 0; k < 12; k++) results.push(jb.push(pkt(k, k * 160), k * 20));
    expect(results.slice(0, 10).every((r) => r === 'accepted')).toBe(true);
    expect(results[10]).toBe('overflow');
    expect(jb.stats()).toMatchObject({ overflows: 1, dropped: 10, bufferedPackets: 2 });
    jb.pull();
    jb.pull();
    expect(seqs(jb.pull())).toEqual([10]);
  });

  it('reset() forgets the source', () => {
    const jb = new JitterBuffer({ clockRateHz: CLOCK });
    feed(jb, [0, 1, 2, 3, 4]);
    jb.pull();
    jb.reset();
    expect(jb.pull()).toEqual({ kind: 'waiting' });
    expect(jb.stats()).toMatchObject({ state: 'idle', bufferedPackets: 0 });
    // A new source with unrelated numbers primes afresh.
    for (let k = 0; k < 5; k++) jb.push(pkt(40000 + k, 7777 + k * 160), 1000 + k * 20);
    expect(seqs(jb.pull())).toEqual([40000]);
  });
});

describe('JitterBuffer packet durations', () => {
  it('hands out two 10 ms packets per 20 ms pull', () => {
    const r = simulate({ ptimeMs: 10, durationMs: 1000 });
    const playing = r.results.filter((x) => x !== 'w');
    expect(playing.slice(0, 5)).toEqual([
      '1000+1001/0',
      '1002+1003/0',
      '1004+1005/0',
      '1006+1007/0',
      '1008+1009/0',
    ]);
    expect(r.played).toHaveLength(100);
    expect(r.jb.stats()).toMatchObject({ lost: 0, late: 0 });
  });

  it('puts a gap before the packet that follows it, in timeline order', () => {
    const jb = new JitterBuffer({ clockRateHz: CLOCK });
    // 10 ms packets (80 units); seq 2 lost: the second window is a gap, then seq 3.
    [0, 1, 3, 4, 5, 6, 7, 8].forEach((k, i) => jb.push(pkt(k, k * 80, { bytes: 80 }), i * 10));
    const first = jb.pull() as JitterFrame;
    expect(first.entries.map((e) => ('packet' in e ? e.packet.sequenceNumber : -e.lostTs))).toEqual(
      [0, 1],
    );
    const second = jb.pull() as JitterFrame;
    expect(
      second.entries.map((e) => ('packet' in e ? e.packet.sequenceNumber : -e.lostTs)),
    ).toEqual([-80, 3]);
    expect(second.lostTs).toBe(80);
  });

  it('hands out a 30 ms packet on one pull and nothing new on the next, never losing time', () => {
    const r = simulate({ ptimeMs: 30, durationMs: 1200 });
    const playing = r.results.filter((x) => x !== 'w');
    // Windows of 20 ms over 30 ms packets: two pulls start a packet, every third none.
    expect(playing.slice(0, 6)).toEqual(['1000/0', '1001/0', '-/0', '1002/0', '1003/0', '-/0']);
    expect(r.played).toHaveLength(40);
    expect(r.jb.stats()).toMatchObject({ lost: 0, late: 0 });
  });

  it('covers a lost 30 ms packet with exactly its duration of lostTs', () => {
    const r = simulate({ ptimeMs: 30, durationMs: 1200, lose: (k) => k === 10 });
    expect(r.jb.stats().lost).toBe(1);
    // Everything handed out (decoded + concealed) equals the media time up to the underrun
    // at the end, where the buffer conceals 60 ms before going quiet.
    const playedWindows = r.results.filter((x) => x !== 'w').length;
    expect(r.deliveredTs).toBeGreaterThanOrEqual(40 * 240);
    expect(r.deliveredTs).toBeLessThanOrEqual(playedWindows * 160 + 240);
  });

  it('hands out a 40 ms packet every other pull', () => {
    const r = simulate({ ptimeMs: 40, durationMs: 800 });
    const playing = r.results.filter((x) => x !== 'w');
    expect(playing.slice(0, 4)).toEqual(['1000/0', '-/0', '1001/0', '-/0']);
    expect(r.jb.stats()).toMatchObject({ lost: 0, late: 0 });
  });
});

describe('JitterBuffer adaptation', () => {
  it('keeps the minimum delay on a clean network', () => {
    const r = simulate({ durationMs: 5000 });
    const s = r.jb.stats();
    expect(s.targetDelayMs).toBe(20);
    expect(s.playoutDelayMs).toBe(20);
    expect(s.late).toBe(0);
  });

  it('grows quickly when jitter appears and comes back down slowly when it stops', () => {
    const rand = prng(7);
    const trace: { t: number; target: number; delay: number }[] = [];
    const r = simulate({
      durationMs: 40_000,
      // Calm for 5 s, then 0–80 ms of random delay until 15 s, then calm again.
      delayMs: (_k, sendMs) => (sendMs >= 5000 && sendMs < 15_000 ? rand() * 80 : 0),
      onPull: (t, _r, jb) => {
        const s = jb.stats();
        trace.push({ t, target: s.targetDelayMs, delay: s.playoutDelayMs });
      },
    });
    const at = (t: number) => trace.find((x) => x.t >= t)!;
    expect(at(4900).target).toBe(20);
    // Within half a second of jitter the target has jumped up and playout follows.
    expect(at(5500).target).toBeGreaterThan(60);
    expect(at(6000).delay).toBeGreaterThanOrEqual(at(6000).target);
    expect(at(14_000).delay).toBeGreaterThanOrEqual(80);
    // Calm again: the target remembers the jitter for a few seconds …
    expect(at(17_000).delay).toBeGreaterThanOrEqual(80);
    // … then the delay walks down a frame at a time …
    const downs = trace.filter((x, i) => i > 0 && x.delay < trace[i - 1]!.delay);
    expect(downs.every((d, i) => i === 0 || d.t - downs[i - 1]!.t >= 900)).toBe(true);
    // … back to the minimum.
    expect(at(39_000).delay).toBe(20);
    // Late packets only while the buffer was growing.
    expect(r.jb.stats().late).toBeLessThan(10);
  });

  it('absorbs a network stall without losing packets', () => {
    const r = simulate({
      durationMs: 5000,
      // Packets sent between 2.00 and 2.15 s are held until 2.15 s, then arrive in a burst.
      delayMs: (_k, sendMs) => (sendMs >= 2000 && sendMs < 2150 ? 2150 - sendMs : 0),
    });
    const s = r.jb.stats();
    expect(s.lost).toBe(0);
    expect(s.late).toBe(0);
    // Every packet played, except frames skipped to shrink the delay again afterwards.
    expect(r.played.length + s.dropped).toBe(250);
    expect(s.dropped).toBeLessThanOrEqual(2);
    expect(s.underruns).toBeGreaterThanOrEqual(1);
  });

  it('never goes above maxDelayMs', () => {
    const rand = prng(3);
    let maxTarget = 0;
    simulate({
      durationMs: 10_000,
      delayMs: () => rand() * 400,
      jb: { maxDelayMs: 120 },
      onPull: (_t, _r, jb) => (maxTarget = Math.max(maxTarget, jb.stats().targetDelayMs)),
    });
    expect(maxTarget).toBe(120);
  });
});

describe('JitterBuffer discontinuities', () => {
  it('re-synchronises on a forward timestamp jump instead of concealing seconds', () => {
    const r = simulate({
      durationMs: 4000,
      // At packet 100 the sender's timestamps jump 10 s ahead; sequence numbers continue.
      timestampOf: (k) => k * 160 + (k >= 100 ? 80_000 : 0),
    });
    const s = r.jb.stats();
    expect(s.resyncs).toBe(1);
    expect(s.lost).toBe(0);
    expect(r.played.length + s.dropped).toBe(200);
    // Nothing like 10 s concealed: the end-of-stream underrun (60 ms) and one inserted frame.
    expect(s.concealedMs).toBeLessThanOrEqual(100);
  });

  it('re-synchronises on a backward timestamp jump instead of calling everything late', () => {
    const r = simulate({
      durationMs: 4000,
      timestampOf: (k) => 1_000_000 + k * 160 - (k >= 100 ? 500_000 : 0),
    });
    const s = r.jb.stats();
    expect(s).toMatchObject({ resyncs: 1, late: 0, lost: 0 });
    expect(r.played.length + s.dropped).toBe(200);
  });

  it('re-synchronises on a marker bit with a jump beyond maxDelayMs', () => {
    const r = simulate({
      durationMs: 2000,
      timestampOf: (k) => k * 160 + (k >= 50 ? 4000 : 0), // +500 ms
      marker: (k) => k === 50,
    });
    const s = r.jb.stats();
    expect(s).toMatchObject({ resyncs: 1, lost: 0, late: 0 });
    expect(r.played.length + s.dropped).toBe(100);
  });

  it('restarts playout at the target delay after a silence (DTX) gap', () => {
    const r = simulate({
      durationMs: 4000,
      // Sender stops sending between 1 s and 2 s; timestamps keep real time (RFC 3551 §4.1).
      silent: (k) => k >= 50 && k < 100,
      marker: (k) => k === 100,
    });
    const s = r.jb.stats();
    expect(s).toMatchObject({ lost: 0, late: 0 });
    expect(r.played.length + s.dropped).toBe(150);
    // The end of the talkspurt is concealed for 60 ms, then the buffer waits quietly.
    const gap = r.results.slice(55, 95);
    expect(gap.filter((x) => x === 'w').length).toBeGreaterThan(30);
  });

  it('treats a sequence jump beyond the ring as a new timeline', () => {
    const jb = new JitterBuffer({ clockRateHz: CLOCK });
    feed(jb, [0, 1, 2, 3, 4]);
    jb.pull();
    jb.pull();
    // A restarted sender: sequence and timestamp far from the old ones.
    expect(jb.push(pkt(20_000, 999_999), 100)).toBe('accepted');
    expect(jb.stats()).toMatchObject({ resyncs: 1, state: 'priming', bufferedPackets: 1 });
    for (let k = 1; k < 5; k++) jb.push(pkt(20_000 + k, 999_999 + k * 160), 100 + k * 20);
    const out = Array.from({ length: 8 }, () => seqs(jb.pull())).flat();
    expect(out.slice(0, 3)).toEqual([20_000, 20_001, 20_002]);
  });
});
