/**
 * A voice session: one per leg that talks to a bot. It listens (caller frames → VAD → STT per
 * utterance), decides when the caller has finished (turn detection), hands the turn to the
 * responder, speaks the reply sentence by sentence, and stops within one frame when the caller
 * barges in — behind an echo guard and ignoring backchannels. Timeouts keep the caller from
 * ever sitting in silence, and every turn leaves a latency trace.
 */
import { EventEmitter } from 'node:events';
import type { Leg } from '../../channels/index.js';
import { Resampler, type AudioFrame } from '../../media/index.js';
import type {
  ChatMessage,
  SpeechToText,
  SttStream,
  TextToSpeech,
  TtsOptions,
  VoiceActivityDetector,
} from '../providers/types.js';
import { Speaker, type Speech } from './speaker.js';
import { rms, TraceBuilder, watchFirstPacket } from './trace.js';
import { TurnDetector, type TurnDetectorOptions } from './turn-detector.js';
import {
  BACKCHANNELS,
  DEFAULT_TIMEOUTS,
  phrasesFor,
  type Responder,
  type ResponderAction,
  type SessionPhrases,
  type SessionTimeouts,
  type TurnTrace,
} from './types.js';

/** Settings of a {@link VoiceSession}. */
export interface VoiceSessionOptions {
  leg: Leg;
  vad: VoiceActivityDetector;
  stt: SpeechToText;
  tts: TextToSpeech;
  responder: Responder;
  /** BCP 47 language of the conversation (default en-US). */
  language?: string;
  /** Voice settings for the TTS. */
  voice?: Omit<TtsOptions, 'sampleRateHz' | 'signal' | 'language'>;
  timeouts?: Partial<SessionTimeouts>;
  /** Overrides of the built-in phrases. */
  phrases?: Partial<SessionPhrases>;
  turns?: TurnDetectorOptions;
  bargeIn?: {
    /** Caller speech this long during playback interrupts it (default 400 ms). */
    minSpeechMs?: number;
    /**
     * Echo guard: during playback, caller audio must be at least this share of the level of
     * what was sent recently (default 0.3, about −10 dB) to count as speech, so the bot's own
     * voice coming back down the line does not interrupt it.
     */
    echoRatio?: number;
    /** Words that acknowledge rather than interrupt (default {@link BACKCHANNELS}). */
    backchannels?: string[];
  };
  /** Speech kept from before the VAD's start, so the first syllable reaches STT (250 ms). */
  prefixPaddingMs?: number;
  /** Played when speech synthesis fails. */
  apologyFile: string;
  /**
   * The fallback after a hard timeout or too many failed recognitions: resolve true when it
   * took the call (a transfer), false to let the session apologise and hang up.
   */
  onFallback?: (reason: string) => Promise<boolean>;
  /** Clock for traces (tests inject one); default Date.now. */
  now?: () => number;
}

/** Events of a session. */
export interface VoiceSessionEvents {
  /** A finished turn with its trace. */
  turn: [TurnTrace];
  /** Something worth logging: a provider error, a fallback, a timeout. */
  notice: [{ type: string; detail?: string }];
  /** The responder asked for an action. */
  action: [ResponderAction];
  ended: [{ reason: string }];
}

/** One caller utterance being recognised. */
interface Utterance {
  stream: SttStream;
  text: string;
  confidence?: number;
  speechMs: number;
  /** Started while the bot was speaking. */
  duringPlayback: boolean;
  /** Judged to be the bot's own echo: dropped. */
  echo: boolean;
  interrupted: boolean;
  results: Promise<void>;
  sttStartedAt: number;
}

/** See the module comment. */
export class VoiceSession extends EventEmitter<VoiceSessionEvents> {
  private readonly timeouts: SessionTimeouts;
  private readonly phrases: SessionPhrases;
  private readonly speaker: Speaker;
  private readonly turnDetector: TurnDetector;
  private readonly now: () => number;
  private readonly history: ChatMessage[] = [];
  private readonly queue: Array<{ said: AudioFrame; sentRms: number }> = [];
  private wake: (() => void) | undefined;
  private vadResampler: Resampler | undefined;
  private sttResampler: Resampler | undefined;
  private readonly sttRateHz: number;
  private readonly prefix: AudioFrame[] = [];
  private sentLevels: number[] = [];
  private utterance: Utterance | undefined;
  private pendingText = '';
  private pendingTimer: NodeJS.Timeout | undefined;
  private turnIndex = 0;
  private retries = 0;
  private silencePrompts = 0;
  private silenceTimer: NodeJS.Timeout | undefined;
  private maxTimer: NodeJS.Timeout | undefined;
  private reply: { speech: Speech; abort: AbortController; trace: TraceBuilder } | undefined;
  private stopped = false;
  private readonly finished: Promise<{ reason: string }>;
  private finish!: (r: { reason: string }) => void;
  private speechEndAt = 0;
  /** Events for the next turn's trace (see recordEvent). */
  private readonly laterEvents: Array<Record<string, unknown>> = [];
  /** How long the VAD waited after the caller's last word before ending the utterance. */
  private endpointMs = 0;

  constructor(private readonly options: VoiceSessionOptions) {
    super();
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.phrases = { ...phrasesFor(options.language), ...options.phrases };
    this.now = options.now ?? Date.now;
    this.turnDetector = new TurnDetector(options.turns);
    this.speaker = new Speaker({
      leg: options.leg,
      tts: options.tts,
      voice: { ...options.voice, language: options.language },
      apologyFile: options.apologyFile,
      onError: (err) => this.emit('notice', { type: 'tts-error', detail: err.message }),
    });
    const legRate = options.leg.sampleRateHz;
    const sttRates = options.stt.capabilities.sampleRatesHz;
    this.sttRateHz = sttRates.includes(legRate)
      ? legRate
      : sttRates.includes(16000)
        ? 16000
        : sttRates[0]!;
    if (this.sttRateHz !== legRate) this.sttResampler = new Resampler(legRate, this.sttRateHz);
    const vadRates = options.vad.capabilities.sampleRatesHz;
    if (!vadRates.includes(legRate)) this.vadResampler = new Resampler(legRate, 16000);
    this.finished = new Promise((r) => (this.finish = r));
  }

  /**
   * Starts listening (and greets, when the responder has a greeting); resolves when the session
   * ends (the leg ended, or the session hung up).
   */
  start(): Promise<{ reason: string }> {
    const { leg } = this.options;
    const onTick = (said: AudioFrame, sent: AudioFrame | undefined): void => {
      this.queue.push({ said, sentRms: sent ? rms(sent.samples) : 0 });
      this.wake?.();
    };
    leg.on('tick', onTick);
    void leg.ended.then(() => this.end('leg-ended'));
    void this.finished.then(() => leg.off('tick', onTick));
    if (this.timeouts.maxCallMs > 0) {
      this.maxTimer = setTimeout(() => void this.goodbye('max-duration'), this.timeouts.maxCallMs);
    }
    const greeting = this.options.responder.greeting?.();
    if (greeting) this.say(greeting);
    else this.armSilence();
    void this.listen();
    return this.finished;
  }

  /**
   * Records something that happened to this conversation outside the session's own view (a
   * provider switch by a fallback adapter): into the reply in progress, else the next turn.
   */
  recordEvent(event: Record<string, unknown>): void {
    if (this.reply) this.reply.trace.event(event);
    else this.laterEvents.push(event);
  }

  /** Ends the session (the leg stays up unless the session hung it up). */
  end(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.silenceTimer);
    clearTimeout(this.maxTimer);
    clearTimeout(this.pendingTimer);
    this.reply?.abort.abort();
    this.speaker.stopAll();
    this.utterance?.stream.close();
    this.wake?.();
    this.emit('ended', { reason });
    this.finish({ reason });
  }

  // ---- listening ------------------------------------------------------------------------------

  private async listen(): Promise<void> {
    while (!this.stopped) {
      const item = this.queue.shift();
      if (!item) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      try {
        await this.hear(item.said, item.sentRms);
      } catch (err) {
        this.emit('notice', { type: 'listen-error', detail: (err as Error).message });
      }
    }
  }

  private async hear(said: AudioFrame, sentRms: number): Promise<void> {
    this.sentLevels.push(sentRms);
    // About 300 ms of what was sent: line echo comes back within that.
    if (this.sentLevels.length > 15) this.sentLevels.shift();
    const sttFrame = this.sttResampler
      ? { ...said, samples: this.sttResampler.process(said.samples), sampleRateHz: this.sttRateHz }
      : said;
    const vadFrame = this.vadResampler
      ? { ...said, samples: this.vadResampler.process(said.samples), sampleRateHz: 16000 }
      : said;
    const events = await this.options.vad.process(vadFrame);
    const utterance = this.utterance;
    if (utterance) {
      utterance.stream.write(sttFrame);
      // The echo verdict is provisional: one frame as loud as real speech over the bot's recent
      // audio clears it (the frame that confirmed speech may be a stop closure or an "s").
      if (
        utterance.echo &&
        this.options.vad.lastProbability >= 0.5 &&
        rms(said.samples) >= this.echoThreshold()
      ) {
        utterance.echo = false;
      }
      // Speech only: not the trailing silence the VAD waits through before it ends an utterance.
      if (this.options.vad.lastProbability >= 0.5) utterance.speechMs += 20;
      if (
        utterance.duringPlayback &&
        !utterance.echo &&
        !utterance.interrupted &&
        this.reply &&
        utterance.speechMs >= (this.options.bargeIn?.minSpeechMs ?? 400)
      ) {
        this.bargeIn(utterance, 'speech');
      }
    } else {
      this.prefix.push(sttFrame);
      const keep = Math.ceil((this.options.prefixPaddingMs ?? 250) / 20);
      while (this.prefix.length > keep) this.prefix.shift();
    }
    for (const event of events) {
      if (event.type === 'speech-start') this.speechStarted(said, event.atMs);
      // The VAD reports the end after its trailing silence: that wait is the endpointing delay.
      else this.speechEnded(Math.max(0, said.timestampMs - event.atMs));
    }
  }

  /** Level caller audio must reach during playback to count as speech, not the bot's echo. */
  private echoThreshold(): number {
    return (this.options.bargeIn?.echoRatio ?? 0.3) * Math.max(0, ...this.sentLevels);
  }

  private speechStarted(said: AudioFrame, startedAtMs: number): void {
    clearTimeout(this.silenceTimer);
    clearTimeout(this.pendingTimer);
    this.silencePrompts = 0;
    const duringPlayback = this.speaker.speaking;
    const recentSent = Math.max(0, ...this.sentLevels);
    const echoRatio = this.options.bargeIn?.echoRatio ?? 0.3;
    const loudest = Math.max(rms(said.samples), ...this.prefix.map((f) => rms(f.samples)));
    const echo = duringPlayback && loudest < echoRatio * recentSent;
    const stream = this.options.stt.stream({
      sampleRateHz: this.sttRateHz,
      language: this.options.language,
    });
    const utterance: Utterance = {
      stream,
      text: '',
      // The speech the VAD needed to be sure counts too.
      speechMs: Math.max(0, said.timestampMs + 20 - startedAtMs),
      duringPlayback,
      echo,
      interrupted: false,
      sttStartedAt: this.now(),
      results: Promise.resolve(),
    };
    for (const frame of this.prefix.splice(0)) stream.write(frame);
    utterance.results = (async () => {
      try {
        for await (const result of stream.results) {
          if (result.type === 'final') {
            utterance.text = `${utterance.text} ${result.text}`.trim();
            utterance.confidence = result.confidence;
          }
          // A real word (not a backchannel) during playback interrupts at once.
          if (
            utterance.duringPlayback &&
            !utterance.echo &&
            !utterance.interrupted &&
            this.reply &&
            result.text.trim() !== '' &&
            !this.isBackchannel(result.text)
          ) {
            this.bargeIn(utterance, 'words');
          }
        }
      } catch (err) {
        this.emit('notice', { type: 'stt-error', detail: (err as Error).message });
      }
    })();
    this.utterance = utterance;
  }

  private speechEnded(endpointMs: number): void {
    const utterance = this.utterance;
    if (!utterance) return;
    this.utterance = undefined;
    this.speechEndAt = this.now();
    this.endpointMs = endpointMs;
    utterance.stream.end();
    void utterance.results.then(() => this.utteranceDone(utterance));
  }

  private utteranceDone(utterance: Utterance): void {
    if (this.stopped) return;
    const text = utterance.text;
    if (utterance.echo && !utterance.interrupted) {
      this.emit('notice', { type: 'echo-ignored' });
      return this.idle();
    }
    if (utterance.duringPlayback && !utterance.interrupted) {
      // Short speech over the bot: a backchannel is ignored; anything else interrupts now.
      if (text === '' || this.isBackchannel(text)) {
        this.emit('notice', { type: 'backchannel-ignored' });
        return this.idle();
      }
      this.bargeIn(utterance, 'words');
    }
    this.pendingText = `${this.pendingText} ${text}`.trim();
    const sttFinalAt = this.now();
    const extra = this.turnDetector.extraWaitMs(this.pendingText);
    const commit = (): void => {
      // The caller has started again: this text joins what they are saying now.
      if (this.utterance) return;
      const turnText = this.pendingText;
      this.pendingText = '';
      void this.takeTurn(turnText, {
        sttFinalAt,
        sttMs: sttFinalAt - utterance.sttStartedAt,
        confidence: utterance.confidence,
      });
    };
    if (extra > 0) this.pendingTimer = setTimeout(commit, extra);
    else commit();
  }

  private isBackchannel(text: string): boolean {
    const words = this.options.bargeIn?.backchannels ?? BACKCHANNELS;
    const normalised = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s'-]/gu, '')
      .trim();
    return words.includes(normalised);
  }

  // ---- barge-in -------------------------------------------------------------------------------

  private bargeIn(utterance: Utterance, why: string): void {
    utterance.interrupted = true;
    const reply = this.reply;
    if (!reply) return;
    // Within one frame: the output is cleared now, the next tick sends nothing of the reply.
    reply.speech.stop();
    reply.abort.abort();
    reply.trace.event({ type: 'barge-in', by: why });
  }

  // ---- turns ----------------------------------------------------------------------------------

  private async takeTurn(
    text: string,
    stt: { sttFinalAt: number; sttMs: number; confidence?: number },
  ): Promise<void> {
    if (this.stopped) return;
    const trace = new TraceBuilder(this.turnIndex++, text, this.speechEndAt, this.now);
    trace.mark('sttFinal', stt.sttFinalAt);
    trace.set('sttMs', stt.sttMs);
    // Voice-to-voice = endpointMs + firstPacket (stages count from the VAD's end event).
    trace.set('endpointMs', this.endpointMs);
    for (const event of this.laterEvents.splice(0)) trace.event(event);
    if (text === '') {
      this.retries++;
      trace.event({ type: 'recognition-retry', attempt: this.retries });
      if (this.retries >= this.timeouts.recognitionRetries) {
        trace.event({ type: 'fallback', reason: 'recognition-failed' });
        this.emit('turn', trace.build('', false));
        return this.fallback('recognition-failed');
      }
      this.say(this.phrases.notUnderstood);
      this.emit('turn', trace.build('', false));
      return;
    }
    this.retries = 0;
    this.history.push({ role: 'user', content: text });
    await this.answer(text, trace);
  }

  private async answer(text: string, trace: TraceBuilder): Promise<void> {
    const abort = new AbortController();
    let firstToken = false;
    let hardTimedOut = false;
    const started = this.now();
    const soft = setTimeout(() => {
      if (firstToken || abort.signal.aborted) return;
      trace.event({ type: 'soft-timeout', atMs: this.now() - started });
      this.say(this.phrases.filler);
    }, this.timeouts.answerSoftMs);
    const hard = setTimeout(() => {
      if (abort.signal.aborted) return;
      hardTimedOut = true;
      trace.event({ type: 'hard-timeout', atMs: this.now() - started });
      abort.abort();
      // A responder that ignores the signal must not keep the turn (and the caller) waiting.
      if (this.reply?.abort === abort) this.reply.speech.stop();
    }, this.timeouts.answerHardMs);
    let action: ResponderAction | undefined;
    const reply = this.options.responder.respond(
      { text, index: trace.index },
      { history: [...this.history], signal: abort.signal },
    );
    const markToken = (): void => {
      if (firstToken) return;
      firstToken = true;
      clearTimeout(soft);
      // The answer has come: saying it may take longer than the timeout.
      clearTimeout(hard);
      trace.mark('responderFirstToken');
    };
    const textStream = async function* (): AsyncIterable<string> {
      if (Symbol.asyncIterator in (reply as object)) {
        for await (const chunk of reply as AsyncIterable<string>) {
          if (abort.signal.aborted) return;
          markToken();
          yield chunk;
        }
      } else {
        const value = await (reply as Promise<string | { text: string; action?: ResponderAction }>);
        if (abort.signal.aborted) return;
        markToken();
        if (typeof value === 'string') yield value;
        else {
          action = value.action;
          yield value.text;
        }
      }
    };
    const textIterable = textStream();
    const guarded = (async function* () {
      try {
        yield* textIterable;
      } catch (err) {
        trace.event({ type: 'responder-error', detail: (err as Error).message });
      }
    })();
    const speech = this.speaker.speak(guarded, {
      onFirstAudio: () => trace.mark('ttsFirstAudio'),
    });
    this.reply = { speech, abort, trace };
    const firstPacket = watchFirstPacket(this.options.leg, trace);
    const result = await speech.done;
    firstPacket();
    clearTimeout(soft);
    clearTimeout(hard);
    if (this.reply?.speech === speech) this.reply = undefined;
    trace.set(
      'responderMs',
      Math.max(0, (trace.at('responderFirstToken') ?? this.now()) - started),
    );
    const interrupted = !result.completed && !hardTimedOut && !this.stopped;
    if (interrupted) trace.event({ type: 'heard', heardMs: result.playedMs });
    if (result.heardText !== '') {
      this.history.push({ role: 'assistant', content: result.heardText });
    }
    if (result.failed) trace.event({ type: 'tts-error', detail: result.failed.message });
    if (hardTimedOut) trace.event({ type: 'fallback', reason: 'answer-timeout' });
    this.emit('turn', trace.build(result.heardText, interrupted));
    if (hardTimedOut) return this.fallback('answer-timeout');
    if (action && !interrupted) {
      this.emit('action', action);
      if (action.type === 'hangup') return this.goodbye(action.reason ?? 'bot-hangup', false);
    }
    if (!this.stopped && !this.utterance) this.armSilence();
  }

  // ---- speaking, silence, endings -------------------------------------------------------------

  /** Says a phrase of the session's own (filler, prompt), then waits for the caller again. */
  private say(text: string): Speech {
    const speech = this.speaker.speak(text);
    void speech.done.then(() => {
      if (!this.stopped && !this.reply && !this.utterance) this.armSilence();
    });
    return speech;
  }

  /** A dropped utterance (echo, backchannel) left nothing to wait for: the silence clock runs. */
  private idle(): void {
    if (!this.reply && !this.utterance && !this.speaker.speaking) this.armSilence();
  }

  private armSilence(): void {
    clearTimeout(this.silenceTimer);
    if (this.stopped) return;
    this.silenceTimer = setTimeout(() => {
      if (this.stopped || this.utterance || this.speaker.speaking) return;
      this.silencePrompts++;
      if (this.silencePrompts >= 2) return void this.goodbye('caller-silent');
      this.emit('notice', { type: 'caller-silence' });
      this.say(this.phrases.stillThere);
    }, this.timeouts.callerSilenceMs);
  }

  private async fallback(reason: string): Promise<void> {
    this.emit('notice', { type: 'fallback', detail: reason });
    if (this.options.onFallback) {
      const taken = await this.options.onFallback(reason).catch(() => false);
      if (taken) return this.end(`fallback:${reason}`);
    }
    await this.goodbye(reason, true);
  }

  /** Says goodbye (after an apology when something failed), then hangs up. */
  private async goodbye(reason: string, apologise = false): Promise<void> {
    if (this.stopped) return;
    clearTimeout(this.silenceTimer);
    this.reply?.speech.stop();
    const text = apologise
      ? `${this.phrases.apology} ${this.phrases.goodbye}`
      : this.phrases.goodbye;
    await this.speaker.speak(text).done;
    this.end(reason);
    if (!this.options.leg.isEnded) await this.options.leg.hangup(reason);
  }
}
