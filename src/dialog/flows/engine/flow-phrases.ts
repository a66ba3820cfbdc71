/**
 * What the flow engine says on its own, per language. Chinese variants get the Mandarin
 * phrases, anything else English (the same rule as the voice session's phrases).
 */

/** The engine's own prompts. */
export interface FlowPhrases {
  /** A step failed (handler error, agent failure, loop guard). */
  apology: string;
  /** A menu key that is not an option. */
  invalidOption: string;
  /** A menu that got no key in time, before it is repeated. */
  menuTimeout: string;
  /** An `enqueue` that found no queue taking calls. */
  noOneAvailable: string;
  /** A `transfer` the IO could not complete. */
  transferFailed: string;
}

/** Built-in phrases: English and Mandarin. */
export const FLOW_PHRASES: Record<'en' | 'zh', FlowPhrases> = {
  en: {
    apology: 'Sorry, something went wrong.',
    invalidOption: 'Sorry, that is not a valid option.',
    menuTimeout: 'Sorry, I did not receive your selection.',
    noOneAvailable: 'Sorry, no one is available to take your call right now.',
    transferFailed: 'Sorry, I could not transfer your call.',
  },
  zh: {
    apology: '抱歉，系统出现了问题。',
    invalidOption: '抱歉，这不是有效的选项。',
    menuTimeout: '抱歉，没有收到您的选择。',
    noOneAvailable: '抱歉，目前没有人可以接听您的电话。',
    transferFailed: '抱歉，无法为您转接电话。',
  },
};

/** The flow phrases for a BCP 47 language (Chinese variants → zh, anything else → en). */
export function flowPhrasesFor(language: string | undefined): FlowPhrases {
  return /^(zh|cmn|yue)/i.test(language ?? '') ? FLOW_PHRASES.zh : FLOW_PHRASES.en;
}
