/**
 * A flow on a phone call: the {@link FlowIO} over an answered voice leg. Text is spoken with
 * the configured synthesiser (sentence by sentence, the bundled apology when it fails), files
 * are played, input is collected as DTMF keys and/or one spoken answer (VAD + recogniser), and
 * agents, transfers, queues and recordings are delegated to the app, which owns them.
 *
 * A key pressed while a prompt plays cuts the prompt (the caller knows the menu); speech is
 * listened for after the prompt, so the bot's own voice is never taken for an answer.
 */
import type { Leg } from '../../channels/index.js';
import {
  Speaker,
  type SpeechToText,
  type TextToSpeech,
  type VoiceActivityDetector,
} from '../../voice/index.js';
import type {
  AgentOutcome,
  CollectRequest,
  CollectResult,
  FlowIO,
  FlowRunContext,
} from '../flows/engine/flow-io.js';
import { listenForSpeech } from './speech-listener.js';

/** Settings of a {@link VoiceFlowIO}. */
export interface VoiceFlowIOOptions {
  leg: Leg;
  tts: TextToSpeech;
  /** The flow's language when a step names none. */
  language: string;
  voice?: string;
  /** Played when synthesis fails, so the caller never hears silence. */
  apologyFile: string;
  /** Speech input; without it a gather that takes speech waits for keys only. */
  listening?: { vad: () => VoiceActivityDetector; stt: () => SpeechToText };
  /** Plays a file to the leg; resolves when it has finished or was cut. */
  play(file: string): Promise<void>;
  runAgent(agentId: string, context: FlowRunContext): Promise<AgentOutcome>;
  transfer(to: string): Promise<{ ok: boolean; reason?: string }>;
  record(request: {
    maxS?: number;
    beep?: boolean;
  }): Promise<{ recordingId?: string; durationMs?: number }>;
  /** Queues (the contact-center room); absent: every queue is unavailable. */
  enqueue?(request: {
    queue: string;
    priority?: number;
    skills?: string[];
  }): Promise<'queued' | 'unavailable'>;
  /** Pause between keys that ends an entry without a finish key (default 3000 ms). */
  interDigitTimeoutMs?: number;
}

/** See the module comment. */
export class VoiceFlowIO implements FlowIO {
  readonly channel = 'voice' as const;
  private readonly speaker: Speaker;

  constructor(private readonly options: VoiceFlowIOOptions) {
    this.speaker = new Speaker({
      leg: options.leg,
      tts: options.tts,
      voice: { language: options.language, voice: options.voice },
      apologyFile: options.apologyFile,
    });
  }

  get ended(): boolean {
    return this.options.leg.isEnded;
  }

  /** The leg is answered before the flow starts: nothing to do. */
  async answer(): Promise<void> {}

  async say(text: string, options: { language?: string; voice?: string } = {}): Promise<void> {
    if (this.ended) return;
    await this.speakerFor(options).speak(text).done;
  }

  async play(file: string): Promise<void> {
    if (this.ended) return;
    await this.options.play(file);
  }

  collect(request: CollectRequest): Promise<CollectResult> {
    const { leg } = this.options;
    if (leg.isEnded) return Promise.resolve({ kind: 'hangup' });
    return new Promise<CollectResult>((resolve) => {
      let digits = '';
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const listening = new AbortController();
      const prompt = request.prompt
        ? this.speakerFor(request.prompt).speak(request.prompt.text)
        : undefined;

      const finish = (result: CollectResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        leg.off('dtmf', onKey);
        listening.abort();
        prompt?.stop();
        resolve(result);
      };
      const arm = (ms: number, onExpiry: () => void): void => {
        clearTimeout(timer);
        timer = setTimeout(onExpiry, ms);
      };
      // Without a digit count or finish key, like Twilio's gather: digits until # or a pause,
      // so a keyed number reads the same on a call as typed in the text channel.
      const finishKey = request.finishOnKey ?? (request.numDigits === undefined ? '#' : undefined);
      const onKey = ({ digit }: { digit: string }): void => {
        if (!request.dtmf) return;
        // The caller knows what to press: stop talking, stop listening for speech.
        prompt?.stop();
        listening.abort();
        if (finishKey !== undefined && digit === finishKey) {
          return finish(digits === '' ? { kind: 'timeout' } : { kind: 'dtmf', digits });
        }
        digits += digit;
        if (request.numDigits !== undefined && digits.length >= request.numDigits) {
          return finish({ kind: 'dtmf', digits });
        }
        arm(this.options.interDigitTimeoutMs ?? 3000, () => finish({ kind: 'dtmf', digits }));
      };
      leg.on('dtmf', onKey);
      void leg.ended.then(() => finish({ kind: 'hangup' }));

      void (async () => {
        await prompt?.done;
        if (settled || digits !== '') return;
        const speech = request.speech ? this.options.listening : undefined;
        if (!speech) {
          arm(request.timeoutMs, () => finish({ kind: 'timeout' }));
          return;
        }
        const heard = await listenForSpeech({
          leg,
          vad: speech.vad(),
          stt: speech.stt(),
          language: request.prompt?.language ?? this.options.language,
          timeoutMs: request.timeoutMs,
          hints: request.hints,
          signal: listening.signal,
        });
        if (settled || digits !== '') return;
        finish(
          heard
            ? { kind: 'speech', text: heard.text, confidence: heard.confidence }
            : { kind: 'timeout' },
        );
      })();
    });
  }

  runAgent(agentId: string, context: FlowRunContext): Promise<AgentOutcome> {
    return this.options.runAgent(agentId, context);
  }

  async enqueue(request: {
    queue: string;
    priority?: number;
    skills?: string[];
  }): Promise<'queued' | 'unavailable'> {
    return this.options.enqueue ? this.options.enqueue(request) : 'unavailable';
  }

  transfer(to: string): Promise<{ ok: boolean; reason?: string }> {
    return this.options.transfer(to);
  }

  record(request: {
    maxS?: number;
    beep?: boolean;
  }): Promise<{ recordingId?: string; durationMs?: number }> {
    return this.options.record(request);
  }

  async hangup(reason?: string): Promise<void> {
    this.speaker.stopAll();
    if (!this.options.leg.isEnded) await this.options.leg.hangup(reason ?? 'flow-hangup');
  }

  /** The speaker for a step's language and voice (a step may switch language mid-flow). */
  private speakerFor(options: { language?: string; voice?: string }): Speaker {
    const language = options.language ?? this.options.language;
    const voice = options.voice ?? this.options.voice;
    if (language === this.options.language && voice === this.options.voice) return this.speaker;
    return new Speaker({
      leg: this.options.leg,
      tts: this.options.tts,
      voice: { language, voice },
      apologyFile: this.options.apologyFile,
    });
  }
}
