/**
 * One spoken answer for a flow's `gather`/`menu` on a voice leg: the VAD finds where the
 * caller's utterance starts and ends, and only that stretch (plus a little lead-in, so the
 * first syllable is not clipped) goes to the recogniser. It is the IVR's small cousin of the
 * VoiceSession's listening loop: no barge-in, no echo guard, one utterance and done.
 */
import type { Leg } from '../../channels/index.js';
import type { AudioFrame } from '../../media/index.js';
import {
  ListenPaths,
  type SpeechToText,
  type SttStream,
  type VoiceActivityDetector,
} from '../../voice/index.js';

/** Settings of {@link listenForSpeech}. */
export interface ListenOptions {
  leg: Leg;
  vad: VoiceActivityDetector;
  stt: SpeechToText;
  language: string;
  /** No speech starts within this long → `undefined` (a timeout). */
  timeoutMs: number;
  /** An utterance is cut after this long, so a noisy line cannot hold the flow (default 15 s). */
  maxSpeechMs?: number;
  /** Phrases to favour (the gather's hints). */
  hints?: string[];
  /** Lead-in kept before the VAD's onset (default 250 ms). */
  prefixPaddingMs?: number;
  /** Stops listening (a DTMF key won, the caller hung up). */
  signal?: AbortSignal;
  /** Told when the caller starts speaking (the prompt is cut then). */
  onSpeechStart?: () => void;
}

/** What was heard. */
export interface HeardSpeech {
  text: string;
  confidence?: number;
}

/**
 * Listens for one utterance. Resolves with its text, or `undefined` on a timeout, an abort,
 * the leg ending, or an utterance the recogniser made nothing of.
 */
export function listenForSpeech(options: ListenOptions): Promise<HeardSpeech | undefined> {
  const { leg, vad, stt } = options;
  const paths = new ListenPaths(leg.sampleRateHz, stt, vad);
  const keepFrames = Math.ceil((options.prefixPaddingMs ?? 250) / 20);
  vad.reset();

  return new Promise((resolve) => {
    const prefix: AudioFrame[] = [];
    const queue: AudioFrame[] = [];
    let stream: SttStream | undefined;
    let results: Promise<HeardSpeech | undefined> | undefined;
    let speechTimer: NodeJS.Timeout | undefined;
    let settled = false;
    let draining = false;

    const finish = (value: HeardSpeech | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(startTimer);
      clearTimeout(speechTimer);
      leg.off('tick', onTick);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = (): void => {
      stream?.close();
      finish(undefined);
    };
    const endUtterance = (): void => {
      if (!stream || !results) return;
      stream.end();
      void results.then(finish, () => finish(undefined));
    };
    const startTimer = setTimeout(() => {
      if (!stream) finish(undefined);
    }, options.timeoutMs);

    const hear = async (said: AudioFrame): Promise<void> => {
      const sttFrame = paths.forStt(said);
      const events = await vad.process(paths.forVad(said));
      if (stream) stream.write(sttFrame);
      else {
        prefix.push(sttFrame);
        while (prefix.length > keepFrames) prefix.shift();
      }
      for (const event of events) {
        if (event.type === 'speech-start' && !stream) {
          options.onSpeechStart?.();
          stream = stt.stream({
            sampleRateHz: paths.sttRateHz,
            language: options.language,
            phrases: options.hints,
            signal: options.signal,
          });
          for (const frame of prefix.splice(0)) stream.write(frame);
          results = collectFinals(stream);
          speechTimer = setTimeout(endUtterance, options.maxSpeechMs ?? 15_000);
        } else if (event.type === 'speech-end' && stream) {
          endUtterance();
        }
      }
    };

    // Frames are handled one at a time in order (the VAD may be asynchronous).
    const drain = async (): Promise<void> => {
      if (draining) return;
      draining = true;
      try {
        for (let frame = queue.shift(); frame && !settled; frame = queue.shift()) {
          await hear(frame);
        }
      } catch {
        stream?.close();
        finish(undefined);
      } finally {
        draining = false;
      }
    };
    const onTick = (said: AudioFrame): void => {
      queue.push(said);
      void drain();
    };

    if (options.signal?.aborted || leg.isEnded) return finish(undefined);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    leg.on('tick', onTick);
    void leg.ended.then(() => {
      stream?.close();
      finish(undefined);
    });
  });
}

/** The final results of a stream joined; `undefined` when nothing was recognised. */
async function collectFinals(stream: SttStream): Promise<HeardSpeech | undefined> {
  let text = '';
  let confidence: number | undefined;
  for await (const result of stream.results) {
    if (result.type !== 'final') continue;
    text = `${text} ${result.text}`.trim();
    confidence = result.confidence;
  }
  return text === '' ? undefined : { text, confidence };
}
