/**
 * The settings and events of a VoiceSession, apart from the session itself so the session's
 * file holds only its behaviour.
 */
import type { Leg } from '../../channels/index.js';
import type {
  SpeechToText,
  TextToSpeech,
  TtsOptions,
  VoiceActivityDetector,
} from '../providers/types.js';
import type { TurnDetectorOptions } from './turn-detector.js';
import type {
  // For the {@link} in the backchannels option.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  BACKCHANNELS,
  Responder,
  ResponderAction,
  SessionPhrases,
  SessionTimeouts,
  TurnTrace,
} from './types.js';

/** Settings of a VoiceSession. */
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
  /** Pause that ends a keyed-in (DTMF) turn when no `#` comes (default 3000). */
  dtmfInterDigitMs?: number;
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

/** Events of a VoiceSession. */
export interface VoiceSessionEvents {
  /** A finished turn with its trace. */
  turn: [TurnTrace];
  /** Something worth logging: a provider error, a fallback, a timeout. */
  notice: [{ type: string; detail?: string }];
  /** The responder asked for an action. */
  action: [ResponderAction];
  ended: [{ reason: string }];
}
