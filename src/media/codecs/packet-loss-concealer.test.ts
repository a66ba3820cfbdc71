import { describe, expect, it } from 'vitest';
import { PacketLossConcealer } from './packet-loss-concealer.js';

function voiced(sampleRateHz: number, start: number, length: number): Int16Array {
  // 100 Hz fundamental with two harmonics: a crude voiced sound.
  return Int16Array.from({ length }, (_, i) => {
    const t = (start + i) / sampleRateHz;
    return Math.round(
      7000 * Math.sin(2 * Math.PI * 100 * t) +
        3000 * Math.sin(2 * Math.PI * 200 * t + 0.5) +
        1000 * Math.sin(2 * Math.PI * 300 * t + 1),
    );
  });
}

function maxStep(samples: Int16Array): number {
  let max = 0;
  for (let i = 1; i < samples.length; i++) {
    max = Math.max(max, Math.abs(samples[i]! - samples[i - 1]!));
  }
  return max;
}

describe.each([8000, 16000])('PacketLossConcealer at %i Hz', (rateHz) => {
  const frame = rateHz / 50;

  function primed(): PacketLossConcealer {
    const plc = new PacketLossConcealer(rateHz);
    for (let k = 0; k < 10; k++) plc.receive(voiced(rateHz, k * frame, frame));
    return plc;
  }

  it('repeats the pitch period: the first 10 ms nearly continue the signal', () => {
    const concealed = primed().conceal(frame);
    const truth = voiced(rateHz, 10 * frame, frame);
    let error = 0;
    let power = 0;
    for (let i = 0; i < frame / 2; i++) {
      error += (concealed[i]! - truth[i]!) ** 2;
      power += truth[i]! ** 2;
    }
    expect(10 * Math.log10(power / error)).toBeGreaterThan(25);
  });

  it('fades to silence 60 ms into the loss, whatever the chunking', () => {
    const a = primed();
    const b = primed();
    const inOne = a.conceal(4 * frame);
    const inPieces = [7, frame - 7, frame, 2 * frame].flatMap((n) => Array.from(b.conceal(n)));
    expect(Array.from(inOne)).toEqual(inPieces);
    expect(inOne.subarray(3 * frame).every((v) => v === 0)).toBe(true);
    expect(inOne.subarray(0, 3 * frame).some((v) => v !== 0)).toBe(true);
    expect(a.concealing).toBe(true);
  });

  it('cross-fades back into real audio without a click', () => {
    const plc = primed();
    const concealed = plc.conceal(frame);
    // Resume with the true signal 30 ms later: a phase jump that a hard switch would expose.
    const resumed = plc.receive(voiced(rateHz, 11.5 * frame, frame));
    expect(plc.concealing).toBe(false);
    const joined = Int16Array.from([...concealed, ...resumed]);
    const steadyStep = maxStep(voiced(rateHz, 0, 4 * frame));
    expect(maxStep(joined)).toBeLessThan(steadyStep * 2);
  });

  it('reset() makes concealment silent again', () => {
    const plc = primed();
    plc.reset();
    expect(plc.conceal(frame).every((v) => v === 0)).toBe(true);
  });
});
