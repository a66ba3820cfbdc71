import { describe, expect, it } from 'vitest';
import {
  encodeTelephoneEvent,
  parseTelephoneEvent,
  TelephoneEventReceiver,
  TelephoneEventSender,
  telephoneEventPackets,
  type OutgoingTelephoneEvent,
} from './rfc4733.js';
import type { DtmfEvent } from './types.js';

/** One received packet: payload fields plus RTP header bits and arrival time. */
interface Pkt {
  event: number;
  end?: boolean;
  units: number;
  ts: number;
  marker?: boolean;
  atMs: number;
}

const payload = (p: Pkt): Uint8Array =>
  encodeTelephoneEvent({ event: p.event, end: p.end ?? false, volume: 10, durationUnits: p.units });

function feed(receiver: TelephoneEventReceiver, packets: Pkt[], clockRateHz = 8000): DtmfEvent[] {
  const events: DtmfEvent[] = [];
  for (const p of packets) {
    const e = receiver.receive(payload(p), p.ts, p.marker ?? false, clockRateHz, p.atMs);
    if (e) events.push(e);
  }
  return events;
}

/** A press as a typical phone sends it: updates every 20 ms, then the end packet three times. */
function press(event: number, ts: number, durationUnits: number, atMs: number): Pkt[] {
  const packets: Pkt[] = [];
  let k = 0;
  for (let units = 160; units < durationUnits; units += 160) {
    packets.push({ event, units, ts, marker: k === 0, atMs: atMs + 20 * k });
    k++;
  }
  for (let r = 0; r < 3; r++) {
    packets.push({
      event,
      units: durationUnits,
      end: true,
      ts,
      marker: k === 0,
      atMs: atMs + 20 * k,
    });
    k++;
  }
  return packets;
}

describe('telephone-event payload', () => {
  it('round-trips and clamps fields', () => {
    const bytes = encodeTelephoneEvent({ event: 11, end: true, volume: 10, durationUnits: 800 });
    expect([...bytes]).toEqual([11, 0x80 | 10, 0x03, 0x20]);
    expect(parseTelephoneEvent(bytes)).toEqual({
      event: 11,
      end: true,
      volume: 10,
      durationUnits: 800,
    });
    expect(
      parseTelephoneEvent(
        encodeTelephoneEvent({ event: 1, end: false, volume: 99, durationUnits: 1e6 }),
      ),
    ).toEqual({
      event: 1,
      end: false,
      volume: 63,
      durationUnits: 0xffff,
    });
    expect(parseTelephoneEvent(Uint8Array.of(1, 2, 3))).toBeUndefined();
  });
});

describe('TelephoneEventReceiver', () => {
  it('reports a press once, on the first end packet, with its duration', () => {
    const receiver = new TelephoneEventReceiver({ rtpTimestampBase: 1000 });
    const packets = press(5, 9000, 1280, 0); // 160 ms
    const results = packets.map((p) =>
      receiver.receive(payload(p), p.ts, p.marker ?? false, 8000, p.atMs),
    );
    const firstEnd = packets.findIndex((p) => p.end);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(results[firstEnd]).toEqual({
      digit: '5',
      durationMs: 160,
      source: 'rfc4733',
      timestampMs: 1000,
    });
    expect(receiver.stats).toMatchObject({
      packets: packets.length,
      events: 1,
      duplicates: 2,
      endLost: 0,
    });
    expect(receiver.expire(10_000)).toBeUndefined();
    expect(receiver.flush()).toBeUndefined();
  });

  it('maps codes 10–15 to * # A B C D', () => {
    const receiver = new TelephoneEventReceiver();
    const events = [10, 11, 12, 13, 14, 15].flatMap((code, i) =>
      feed(receiver, press(code, i * 8000, 800, i * 1000)),
    );
    expect(events.map((e) => e.digit).join('')).toBe('*#ABCD');
  });

  it('without a base, timestampMs is the RTP timestamp in ms of the clock', () => {
    const [event] = feed(new TelephoneEventReceiver(), press(1, 16000, 800, 0));
    expect(event?.timestampMs).toBe(2000);
    const late = new TelephoneEventReceiver();
    late.setRtpTimestampBase(0xffffff00); // the stream started just before the wrap
    expect(feed(late, press(1, 0x40, 800, 0))[0]?.timestampMs).toBe(40); // 0x140 units later
  });

  it('uses the clock rate of the payload type (48 kHz with Opus)', () => {
    const [event] = feed(new TelephoneEventReceiver(), press(9, 0, 4800, 0), 48000);
    expect(event?.durationMs).toBe(100);
  });

  it('reports a press whose end packets were all lost: on the next press', () => {
    const receiver = new TelephoneEventReceiver();
    const first = press(1, 1000, 800, 0).filter((p) => !p.end);
    const second = press(2, 3000, 800, 300);
    const events = feed(receiver, [...first, ...second]);
    expect(events.map((e) => [e.digit, e.durationMs])).toEqual([
      ['1', 80], // the last update seen: 640 units
      ['2', 100],
    ]);
    expect(receiver.stats.endLost).toBe(1);
  });

  it('reports a press whose end packets were all lost: after the timeout', () => {
    const receiver = new TelephoneEventReceiver({ endTimeoutMs: 200 });
    const updates = press(7, 1000, 800, 0).filter((p) => !p.end); // last one at 60 ms
    expect(feed(receiver, updates)).toEqual([]);
    expect(receiver.expire(200)).toBeUndefined();
    expect(receiver.expire(260)?.digit).toBe('7');
    expect(receiver.expire(400)).toBeUndefined();
    // A straggler of the same press after the timeout is not a new press.
    expect(feed(receiver, [{ event: 7, units: 960, end: true, ts: 1000, atMs: 420 }])).toEqual([]);
    expect(receiver.stats.events).toBe(1);
  });

  it('receive defaults its clock to the last expire() tick', () => {
    const receiver = new TelephoneEventReceiver({ endTimeoutMs: 100 });
    receiver.expire(1000);
    receiver.receive(payload({ event: 3, units: 160, ts: 0, atMs: 0 }), 0, true, 8000);
    expect(receiver.expire(1080)).toBeUndefined();
    expect(receiver.expire(1100)?.digit).toBe('3');
  });

  it('flush reports a press in progress at the end of the stream', () => {
    const receiver = new TelephoneEventReceiver();
    feed(receiver, press(0, 0, 1600, 0).slice(0, 4));
    expect(receiver.flush()).toMatchObject({ digit: '0', durationMs: 80 });
    expect(receiver.flush()).toBeUndefined();
  });

  it('reports two presses of the same key as two events', () => {
    const receiver = new TelephoneEventReceiver();
    const events = feed(receiver, [...press(4, 8000, 800, 0), ...press(4, 8000 + 1600, 800, 200)]);
    expect(events.map((e) => e.digit)).toEqual(['4', '4']);
  });

  it('copes with reordered packets: duration from the largest, late packets ignored', () => {
    const receiver = new TelephoneEventReceiver();
    const p = press(6, 500, 960, 0);
    // End packet overtakes the updates; an old update arrives after the reported end.
    const reordered = [p[0]!, p[2]!, p[5]!, p[1]!, p[3]!, p[4]!, p[6]!, p[7]!];
    const events = feed(receiver, reordered);
    expect(events).toEqual([{ digit: '6', durationMs: 120, source: 'rfc4733', timestampMs: 63 }]);
    // A late packet of this press after the next press started is stale, not a new press.
    const next = press(8, 2500, 800, 300);
    expect(feed(receiver, [next[0]!, p[2]!, ...next.slice(1)]).map((e) => e.digit)).toEqual(['8']);
    expect(receiver.stats.duplicates + receiver.stats.stale).toBeGreaterThan(0);
  });

  it('reports an older press whose end was lost and a newer one seen only by its end', () => {
    const receiver = new TelephoneEventReceiver();
    const events = feed(receiver, [
      ...press(1, 0, 800, 0).slice(0, 3),
      { event: 2, units: 800, end: true, ts: 2000, atMs: 300 },
    ]);
    expect(events.map((e) => e.digit)).toEqual(['1']);
    expect(receiver.expire(320)?.digit).toBe('2');
    expect(feed(receiver, [{ event: 2, units: 800, end: true, ts: 2000, atMs: 340 }])).toEqual([]);
  });

  it('ignores flash, other events, garbage and short payloads, and counts them', () => {
    const receiver = new TelephoneEventReceiver();
    expect(feed(receiver, press(16, 0, 800, 0))).toEqual([]); // flash
    expect(feed(receiver, press(70, 8000, 800, 200))).toEqual([]); // a tone event
    expect(receiver.receive(Uint8Array.of(1, 2), 0, false, 8000, 500)).toBeUndefined();
    expect(receiver.receive(new Uint8Array(0), 0, false, 8000, 500)).toBeUndefined();
    expect(receiver.stats).toMatchObject({ malformed: 2, unsupportedEvents: 14, events: 0 });
    // Still works afterwards.
    expect(feed(receiver, press(9, 16000, 800, 600)).map((e) => e.digit)).toEqual(['9']);
  });

  it('joins the segments of a long press (RFC 4733 §2.5.1.3) into one', () => {
    const receiver = new TelephoneEventReceiver();
    const packets: Pkt[] = [
      { event: 5, units: 160, ts: 0, marker: true, atMs: 0 },
      { event: 5, units: 0xffff, ts: 0, atMs: 8190 },
      // Next segment: timestamp advanced by the maximum duration, no marker.
      { event: 5, units: 160, ts: 0xffff, atMs: 8210 },
      { event: 5, units: 8000, end: true, ts: 0xffff, atMs: 9200 },
      { event: 5, units: 8000, end: true, ts: 0xffff, atMs: 9220 },
    ];
    const events = feed(receiver, packets);
    expect(events).toHaveLength(1);
    expect(events[0]?.durationMs).toBe(Math.round(((0xffff + 8000) * 1000) / 8000));
    expect(events[0]?.timestampMs).toBe(0);
  });

  it('handles timestamps across the 32-bit wrap', () => {
    const receiver = new TelephoneEventReceiver();
    const events = feed(receiver, [...press(1, 0xfffff000, 800, 0), ...press(2, 0x100, 800, 500)]);
    expect(events.map((e) => e.digit)).toEqual(['1', '2']);
  });

  it('reset() forgets the press in progress (new SSRC)', () => {
    const receiver = new TelephoneEventReceiver();
    feed(receiver, press(1, 0, 800, 0).slice(0, 2));
    receiver.reset();
    expect(receiver.flush()).toBeUndefined();
    expect(feed(receiver, press(1, 0, 800, 100)).map((e) => e.digit)).toEqual(['1']);
  });
});

describe('telephoneEventPackets', () => {
  it('lays out a press as RFC 4733 §2.5 says: marker first, growing duration, E bit ×3', () => {
    const packets = telephoneEventPackets('#', { clockRateHz: 8000, durationMs: 100 });
    expect(packets.map((p) => [p.marker, p.durationUnits, p.end])).toEqual([
      [true, 160, false],
      [false, 320, false],
      [false, 480, false],
      [false, 640, false],
      [false, 800, true],
      [false, 800, true],
      [false, 800, true],
    ]);
    expect(packets.every((p) => p.timestampOffset === 0)).toBe(true);
    for (const p of packets) {
      expect(parseTelephoneEvent(p.payload)).toEqual({
        event: 11,
        end: p.end,
        volume: 10,
        durationUnits: p.durationUnits,
      });
    }
  });

  it('honours clock rate, volume, odd durations and the 16-bit cap', () => {
    const opus = telephoneEventPackets('1', { clockRateHz: 48000, durationMs: 50, volume: 7 });
    expect(opus.map((p) => p.durationUnits)).toEqual([960, 1920, 2400, 2400, 2400]);
    expect(parseTelephoneEvent(opus[0]!.payload)?.volume).toBe(7);
    const long = telephoneEventPackets('1', { clockRateHz: 48000, durationMs: 5000 });
    expect(long.at(-1)?.durationUnits).toBe(0xffff);
    expect(() => telephoneEventPackets('X' as never, { clockRateHz: 8000 })).toThrow(RangeError);
  });

  it('what it sends, the receiver reads back', () => {
    const receiver = new TelephoneEventReceiver({ rtpTimestampBase: 0 });
    const events = telephoneEventPackets('D', { clockRateHz: 8000, durationMs: 240 }).flatMap(
      (p, i) => {
        const e = receiver.receive(p.payload, 4000 + p.timestampOffset, p.marker, 8000, i * 20);
        return e ? [e] : [];
      },
    );
    expect(events).toEqual([{ digit: 'D', durationMs: 240, source: 'rfc4733', timestampMs: 500 }]);
  });
});

describe('TelephoneEventSender', () => {
  const drain = (sender: TelephoneEventSender): OutgoingTelephoneEvent[] => {
    const out: OutgoingTelephoneEvent[] = [];
    for (let p = sender.next(); p; p = sender.next()) out.push(p);
    return out;
  };

  it('hands out one packet per tick with the start timestamp, then undefined', () => {
    const sender = new TelephoneEventSender({ clockRateHz: 8000 });
    expect(sender.busy).toBe(false);
    expect(sender.next()).toBeUndefined();
    sender.start('7', 0xfffffff0 + 0x20); // wraps to 0x10
    expect(sender.busy).toBe(true);
    const packets = drain(sender);
    expect(packets).toHaveLength(7);
    expect(packets.every((p) => p.timestamp === 0x10 && p.digit === '7')).toBe(true);
    expect(packets.map((p) => p.marker)).toEqual([true, false, false, false, false, false, false]);
    expect(packets.map((p) => p.final)).toEqual([false, false, false, false, false, false, true]);
    expect(packets.filter((p) => p.end)).toHaveLength(3);
    expect(sender.busy).toBe(false);
  });

  it('per-press options override the defaults', () => {
    const sender = new TelephoneEventSender({ clockRateHz: 8000, durationMs: 200, volume: 12 });
    sender.start('1', 0, { durationMs: 40, clockRateHz: 16000 });
    const packets = drain(sender);
    expect(packets.map((p) => parseTelephoneEvent(p.payload)?.durationUnits)).toEqual([
      320, 640, 640, 640,
    ]);
    expect(parseTelephoneEvent(packets[0]!.payload)?.volume).toBe(12);
  });

  it('stop() ends a press early with three end packets carrying the duration so far', () => {
    const sender = new TelephoneEventSender();
    sender.start('2', 100, { durationMs: 1000 });
    sender.next();
    sender.next();
    sender.stop();
    const rest = drain(sender);
    expect(
      rest.map((p) => [p.end, parseTelephoneEvent(p.payload)?.durationUnits, p.final]),
    ).toEqual([
      [true, 320, false],
      [true, 320, false],
      [true, 320, true],
    ]);
    sender.start('3', 200);
    sender.stop(); // nothing sent yet: nothing to end
    expect(sender.next()).toBeUndefined();
  });
});
