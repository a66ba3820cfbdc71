/**
 * Call recording: a leg's two directions — what the party said (left) and what it heard
 * (right) — written tick by tick, so the channels stay aligned and silences are kept. For a
 * bridged call, recording the caller's leg captures both parties.
 */
import path from 'node:path';
import type { Leg } from '../channels/index.js';
import { CallRecorder, type RecordingMode } from '../media/index.js';

/** Where and how to record. */
export interface RecordOptions {
  /** Directory of recordings; files go to `<dir>/<YYYY-MM-DD>/<name>.wav`. */
  dir: string;
  /** File name without extension; default the leg id. */
  name?: string;
  mode?: RecordingMode;
  /** Default: 16 kHz for wideband legs, else 8 kHz. */
  sampleRateHz?: 8000 | 16000;
}

/** A running recording. */
export interface Recording {
  /** Path of the (stereo or mono) file. */
  readonly path: string;
  /** Stops recording and finalises the file(s). Idempotent. */
  stop(): Promise<{ path: string; durationMs: number; bytes: number }>;
}

/** Starts recording `leg`; stops by itself when the leg ends. */
export async function recordLeg(leg: Leg, options: RecordOptions): Promise<Recording> {
  const day = new Date().toISOString().slice(0, 10);
  const file = path.join(options.dir, day, `${options.name ?? leg.id}.wav`);
  const recorder = await CallRecorder.start({
    path: file,
    mode: options.mode ?? 'stereo',
    sampleRateHz: options.sampleRateHz ?? (leg.sampleRateHz >= 16_000 ? 16_000 : 8000),
  });
  const onTick = (
    inbound: Parameters<typeof recorder.writeFrames>[0],
    outbound: Parameters<typeof recorder.writeFrames>[1],
  ): void => recorder.writeFrames(inbound, outbound);
  leg.on('tick', onTick);
  let stopped: ReturnType<Recording['stop']> | undefined;
  const stop = (): ReturnType<Recording['stop']> => {
    stopped ??= (async () => {
      leg.off('tick', onTick);
      return recorder.stop();
    })();
    return stopped;
  };
  // A failure to finalise (disk full) reaches whoever awaits stop(); this call on its own must
  // not leave an unhandled rejection, which would end the process.
  void leg.ended.then(() => stop()).catch(() => undefined);
  return { path: file, stop };
}
