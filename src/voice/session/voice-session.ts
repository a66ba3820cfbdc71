/**
 * A voice session: one per leg that talks to a bot. It listens (caller frames → VAD → STT per
 * utterance), decides when the caller has finished (turn detection), hands the turn to the
 * responder, speaks the reply sentence by sentence, and stops within one frame when the caller
 * barges in — behind an echo guard and ignoring backchannels. Timeouts keep the caller from
 * ever sitting in silence, and every turn leaves a latency trace.
 */
import { EventEmitter } from 'node:events';
import type { AudioFrame } from '../../media/index.js';
import type { ChatMessage, SttStream } from '../providers/types.js';
import { Speaker, type Speech } from './speaker.js';
import { EchoGuard } from './echo-guard.js';
import { KeyedEntry } from './keyed-entry.js';
import { ListenPaths } from './listen-paths.js';
import { replyText } from './reply-text.js';
import { rms, TraceBuilder, watchFirstPacket } from './trace.js';
import { TurnDetector } from './turn-detector.js';
import {
  BACKCHANNELS,
  isBackchannel,
  DEFAULT_TIMEOUTS,
  phrasesFor,
  type ResponderAction,
  type SessionPhrases,
  type SessionTimeouts,
} from './types.js';

import type { VoiceSessionEvents, VoiceSessionOptions } from './session-options.js';

export type { VoiceSessionEvents, VoiceSessionOptions } from './session-options.js';

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
  private readonly paths: ListenPaths;
  private readonly prefix: AudioFrame[] = [];
  private readonly echoGuard: EchoGuard;
  private utterance: Utterance | undefined;
  private pendingText = '';
  private pendingTimer: NodeJS.Timeout | undefined;
  private turnIndex = 0;
  private retries = 0;
  private silencePrompts = 0;
  private silenceTimer: NodeJS.Timeout | undefined;
  /** Keys pressed so far in a DTMF turn, and the pause that ends it. */
  private readonly keys: KeyedEntry;
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
    this.echoGuard = new EchoGuard(options.bargeIn?.echoRatio ?? 0.3);
    this.speaker = new Speaker({
      leg: options.leg,
      tts: options.tts,
      voice: { ...options.voice, language: options.language },
      apologyFile: options.apologyFile,
      onError: (err) => this.emit('notice', { type: 'tts-error', detail: err.message }),
    });
    this.paths = new ListenPaths(options.leg.sampleRateHz, options.stt, options.vad);
    this.finished = new Promise((r) => (this.finish = r));
    this.keys = new KeyedEntry(options.dtmfInterDigitMs ?? 3000, (digits) =>
      this.keyedTurn(digits),
    );
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
    const onDtmf = ({ digit }: { digit: string }): void => this.keyed(digit);
    leg.on('tick', onTick);
    leg.on('dtmf', onDtmf);
    void leg.ended.then(() => this.end('leg-ended'));
    void this.finished.then(() => {
      leg.off('tick', onTick);
      leg.off('dtmf', onDtmf);
    });
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
    this.keys.cancel();
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
    this.echoGuard.noteSent(sentRms);
    const sttFrame = this.paths.forStt(said);
    const vadFrame = this.paths.forVad(said);
    const events = await this.options.vad.process(vadFrame);
    const utterance = this.utterance;
    if (utterance) {
      utterance.stream.write(sttFrame);
      const speech = this.options.vad.lastProbability >= 0.5;
      // The echo verdict is provisional: one frame as loud as real speech over the bot's recent
      // audio clears it (the frame that confirmed speech may be a stop closure or an "s").
      if (utterance.echo && speech && !this.echoGuard.isEcho(rms(said.samples))) {
        utterance.echo = false;
      }
      // Speech only: not the trailing silence the VAD waits through before it ends an utterance.
      if (speech) utterance.speechMs += 20;
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

  private speechStarted(said: AudioFrame, startedAtMs: number): void {
    clearTimeout(this.silenceTimer);
    clearTimeout(this.pendingTimer);
    this.silencePrompts = 0;
    const duringPlayback = this.speaker.speaking;
    const loudest = Math.max(rms(said.samples), ...this.prefix.map((f) => rms(f.samples)));
    const echo = duringPlayback && this.echoGuard.isEcho(loudest);
    const stream = this.options.stt.stream({
      sampleRateHz: this.paths.sttRateHz,
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
    return isBackchannel(text, this.options.bargeIn?.backchannels ?? BACKCHANNELS);
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

  /**
   * A key press: keys interrupt the bot like speech does, and are gathered into one turn that
   * ends with `#` or after a pause (callers key in policy numbers, dates, "1 for yes").
   */
  private keyed(digit: string): void {
    if (this.stopped) return;
    clearTimeout(this.silenceTimer);
    const reply = this.reply;
    if (reply) {
      reply.speech.stop();
      reply.abort.abort();
      reply.trace.event({ type: 'barge-in', by: 'dtmf' });
    }
    this.keys.press(digit);
  }

  /** A finished keyed entry is the caller's turn (a lone `#` is nothing). */
  private keyedTurn(digits: string): void {
    if (this.stopped) return;
    if (digits === '') return this.idle();
    this.speechEndAt = this.now();
    this.endpointMs = 0;
    void this.takeTurn(digits, { sttFinalAt: this.now(), sttMs: 0 }, 'dtmf');
  }

  private async takeTurn(
    text: string,
    stt: { sttFinalAt: number; sttMs: number; confidence?: number },
    source: 'speech' | 'dtmf' = 'speech',
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
    await this.answer(text, trace, source);
  }

  private async answer(
    text: string,
    trace: TraceBuilder,
    source: 'speech' | 'dtmf',
  ): Promise<void> {
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
      { text, index: trace.index, source },
      { history: [...this.history], signal: abort.signal },
    );
    const markToken = (): void => {
      firstToken = true;
      clearTimeout(soft);
      // The answer has come: saying it may take longer than the timeout.
      clearTimeout(hard);
      trace.mark('responderFirstToken');
    };
    const text$ = replyText(reply, {
      signal: abort.signal,
      onFirstToken: markToken,
      onAction: (a) => (action = a),
      onError: (err) => trace.event({ type: 'responder-error', detail: err.message }),
    });
    const speech = this.speaker.speak(text$, {
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
    action ??= this.options.responder.takeAction?.();
    this.options.responder.heard?.({
      index: trace.index,
      text: result.heardText,
      fullText: result.fullText,
      interrupted,
    });
    if (result.failed) trace.event({ type: 'tts-error', detail: result.failed.message });
    if (hardTimedOut) trace.event({ type: 'fallback', reason: 'answer-timeout' });
    this.emit('turn', trace.build(result.heardText, interrupted));
    if (hardTimedOut) return this.fallback('answer-timeout');
    if (action && !interrupted) {
      this.emit('action', action);
      // The responder said its own farewell in the reply: hang up without another goodbye.
      if (action.type === 'hangup') {
        const reason = action.reason ?? 'bot-hangup';
        this.end(reason);
        if (!this.options.leg.isEnded) await this.options.leg.hangup(reason);
        return;
      }
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
