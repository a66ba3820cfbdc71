/**
 * The shapes around a voice session: the responder it hands turns to, its settings with seed
 * 001's defaults, the spoken phrases per language, and the per-turn trace it reports.
 */
import type { ChatMessage } from '../providers/types.js';

/** A finished caller turn. */
export interface UserTurn {
  text: string;
  /** 0-based order in the call. */
  index: number;
  confidence?: number;
  language?: string;
  /** How the caller gave it: spoken (default) or keyed in (DTMF digits, without the `#`). */
  source?: 'speech' | 'dtmf';
}

/** What a responder is given besides the turn. */
export interface ResponderContext {
  /** The conversation so far (assistant messages as heard, cut at barge-in). */
  history: ChatMessage[];
  /** Fires when the caller barges in or the turn times out: stop generating. */
  signal: AbortSignal;
}

/** What to do after the reply has been spoken. */
export type ResponderAction =
  { type: 'hangup'; reason?: string } | { type: 'transfer'; to?: string };

/**
 * The dialog engine's seam (a scripted responder until the dialog issue fills it): answers a
 * turn with text, streamed (an LLM's tokens) or whole, and optionally an action.
 */
export interface Responder {
  respond(
    turn: UserTurn,
    context: ResponderContext,
  ): AsyncIterable<string> | Promise<string | { text: string; action?: ResponderAction }>;
  /** The first thing said when the call starts (optional). */
  greeting?(): string | undefined;
  /**
   * Told what became of each reply once it has been spoken or cut: the caller heard `text`
   * (all of `fullText`, or the part before a barge-in), so the conversation record can keep
   * what was really said.
   */
  heard?(reply: { index: number; text: string; fullText: string; interrupted: boolean }): void;
  /**
   * The action a streamed reply decided on (a language model's tool call comes after its
   * text): asked once the reply has been spoken; returns it once.
   */
  takeAction?(): ResponderAction | undefined;
}

/** Timeouts of a session; seed 001's defaults. */
export interface SessionTimeouts {
  /** No first word of the answer after this long → a filler (default 4000). */
  answerSoftMs: number;
  /** No answer after this long → apology and the fallback (default 15000). */
  answerHardMs: number;
  /** Caller silent this long after the bot spoke → "are you still there?", twice → end (20000). */
  callerSilenceMs: number;
  /** Unrecognised turns in a row before the fallback (default 3). */
  recognitionRetries: number;
  /** Longest call; 0 = no limit (default 0). */
  maxCallMs: number;
}

/** Default {@link SessionTimeouts}. */
export const DEFAULT_TIMEOUTS: SessionTimeouts = {
  answerSoftMs: 4000,
  answerHardMs: 15000,
  callerSilenceMs: 20000,
  recognitionRetries: 3,
  maxCallMs: 0,
};

/** What the bot says on its own, per language. */
export interface SessionPhrases {
  filler: string;
  apology: string;
  stillThere: string;
  goodbye: string;
  notUnderstood: string;
}

/** Built-in phrases: English and Mandarin (seed 001's "请稍等"). */
export const PHRASES: Record<'en' | 'zh', SessionPhrases> = {
  en: {
    filler: 'One moment please.',
    apology: 'Sorry, I could not get an answer for you just now.',
    stillThere: 'Are you still there?',
    goodbye: 'Thank you for calling. Goodbye.',
    notUnderstood: 'Sorry, I did not catch that. Could you say it again?',
  },
  zh: {
    filler: '请稍等。',
    apology: '抱歉，我暂时无法回答您的问题。',
    stillThere: '您还在吗？',
    goodbye: '感谢您的来电，再见。',
    notUnderstood: '抱歉，我没有听清楚，请您再说一遍。',
  },
};

/** The phrases for a BCP 47 language (Chinese variants → zh, anything else → en). */
export function phrasesFor(language: string | undefined): SessionPhrases {
  return /^(zh|cmn|yue)/i.test(language ?? '') ? PHRASES.zh : PHRASES.en;
}

/**
 * Short replies that acknowledge rather than interrupt: said while the bot speaks, they do not
 * stop it (seed 001).
 */
export const BACKCHANNELS = [
  '嗯',
  '嗯嗯',
  '对',
  '对对',
  '好',
  '好的',
  '是',
  '是的',
  'ok',
  'okay',
  'uh-huh',
  'uh huh',
  'mhm',
  'mm',
  'hmm',
  'yeah',
  'yes',
  'right',
  'sure',
];

/** Whether `text` is only a backchannel (compared lower-cased, punctuation removed). */
export function isBackchannel(text: string, words: readonly string[] = BACKCHANNELS): boolean {
  const normalised = text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s'-]/gu, '')
    .trim();
  return words.includes(normalised);
}

/** Milliseconds from the caller's end of speech to each stage of one turn, and more. */
export interface TurnTrace {
  index: number;
  userText: string;
  assistantText: string;
  interrupted: boolean;
  /**
   * From the caller's end of speech: `sttFinal`, `responderFirstToken`, `ttsFirstAudio`,
   * `firstPacket`; and time spent inside providers: `sttMs`, `responderMs`, `ttsMs`.
   */
  latency: Record<string, number>;
  /** What happened out of the ordinary, in order (timeouts, retries, switches, barge-in). */
  events: Array<Record<string, unknown>>;
  startedAt: Date;
  endedAt: Date;
}
