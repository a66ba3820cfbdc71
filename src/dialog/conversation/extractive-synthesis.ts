/**
 * The end-of-conversation summary without a language model: the claim as collected, the
 * caller's most telling sentences, a satisfaction guess and the follow-ups a person should do.
 * It is the fallback when no LLM is configured or it fails, so it must never throw on odd input.
 *
 * Pure: no I/O.
 */
import type {
  ConversationMessageRecord,
  ConversationStateName,
  ConversationSynthesis,
} from '../../store/index.js';
import { Claim, isChinese, labelFor, type ClaimSchema } from '../claims/index.js';

/** What {@link extractiveSynthesis} works from. */
export interface ExtractiveSynthesisInput {
  messages: ConversationMessageRecord[];
  claim: Record<string, unknown>;
  state: ConversationStateName;
  /** Language of the summary (`zh*` → Chinese, else English). */
  language: string;
  /** Mean sentiment of the caller's turns, −1..1, when something measured it. */
  sentiment?: number;
  /**
   * The claim's schema: labels for the summary and the required fields still missing. Without
   * it field names are spelled out and only fields holding null or "" count as missing.
   */
  schema?: ClaimSchema;
}

/** How many of the caller's sentences the summary quotes. */
const QUOTED_SENTENCES = 2;
/** Longest quote, in characters. */
const QUOTE_MAX_CHARS = 140;

const EN_KEYWORDS =
  /\b(accident|crash|damage[ds]?|broken|stolen|theft|fire|flood|injur(ed|y|ies)|hurt|hospital|police|urgent|emergency|leak|collision|hit|lost|complain(t)?|refund)\b/i;
const ZH_KEYWORDS =
  /事故|撞|损坏|坏了|被盗|丢了|失窃|火灾|着火|水淹|漏水|受伤|医院|报警|警察|紧急|投诉|退款/u;
const EN_UNHAPPY =
  /\b(terrible|awful|angry|upset|frustrat(ed|ing)|ridiculous|useless|unacceptable|worst|complain(t)?|disappointed)\b/i;
const ZH_UNHAPPY = /太差|生气|气死|垃圾|没用|不满意|失望|投诉|离谱|什么破/u;
const FILLER =
  /^(yes|yeah|yep|no|nope|ok(ay)?|sure|thanks?( you)?|hello|hi|bye|goodbye|right|correct)\b[\s\S]{0,12}$/i;
const ZH_FILLER = /^(是|是的|对|对的|好|好的|嗯|谢谢|不是|没有|喂|你好|再见)[啊呀吧的了]?$/u;

function hasHan(text: string): boolean {
  return /[\u4e00-\u9fff]/u.test(text);
}

function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[.!?。！？])\s*/u)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function scoreOf(sentence: string): number {
  const han = hasHan(sentence);
  // About two Han characters make a word.
  const size = han ? [...sentence].length / 2 : sentence.split(/\s+/).length;
  if (size < 3) return -1;
  if ((han ? ZH_FILLER : FILLER).test(sentence.replace(/[.!?。！？]+$/u, ''))) return -1;
  let score = Math.min(size, 20) / 10;
  if ((han ? ZH_KEYWORDS : EN_KEYWORDS).test(sentence)) score += 2;
  if (/\d/.test(sentence)) score += 1;
  return score;
}

/** The caller's most informative sentences, in the order they were said. */
function keySentences(messages: ConversationMessageRecord[]): string[] {
  const candidates = messages
    .filter((m) => m.persona === 'human')
    .flatMap((m) => sentencesOf(m.content))
    .map((text, order) => ({ text, order, score: scoreOf(text) }))
    .filter((c) => c.score > 0);
  return candidates
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, QUOTED_SENTENCES)
    .sort((a, b) => a.order - b.order)
    .map((c) =>
      [...c.text].length > QUOTE_MAX_CHARS
        ? `${[...c.text].slice(0, QUOTE_MAX_CHARS - 1).join('')}…`
        : c.text,
    );
}

function spelledOut(name: string): string {
  return name
    .replace(/_/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

interface ClaimView {
  described: string;
  missingLabels: string[];
  hasValues: boolean;
}

function viewClaim(input: ExtractiveSynthesisInput, zh: boolean): ClaimView {
  const values = Object.fromEntries(Object.entries(input.claim).filter(([, v]) => !isEmpty(v)));
  if (input.schema) {
    const claim = new Claim(input.schema, values);
    const byName = new Map(input.schema.fields.map((f) => [f.name, f]));
    return {
      described: claim.describe(input.language),
      missingLabels: claim.missing().map((n) => labelFor(byName.get(n)!, input.language)),
      hasValues: Object.keys(claim.values()).length > 0,
    };
  }
  const described = Object.entries(values)
    .map(([k, v]) => `${spelledOut(k)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(zh ? '，' : ', ');
  return {
    described,
    missingLabels: Object.keys(input.claim)
      .filter((k) => isEmpty(input.claim[k]))
      .map(spelledOut),
    hasValues: Object.keys(values).length > 0,
  };
}

function satisfactionOf(
  input: ExtractiveSynthesisInput,
  complete: boolean,
): ConversationSynthesis['satisfaction'] {
  const callerText = input.messages
    .filter((m) => m.persona === 'human')
    .map((m) => m.content)
    .join('\n');
  const unhappy = EN_UNHAPPY.test(callerText) || ZH_UNHAPPY.test(callerText);
  const { sentiment, state } = input;
  if (sentiment === undefined || !Number.isFinite(sentiment)) {
    if (unhappy || state === 'transferred') return 'low';
    return state === 'closed' && complete ? 'medium' : 'unknown';
  }
  // A claim filed to the end lifts the mood; a hand-over means the bot did not manage.
  let score = Math.max(-1, Math.min(1, sentiment));
  if (state === 'closed' && complete) score += 0.15;
  if (state === 'transferred') score -= 0.25;
  if (unhappy) score -= 0.25;
  if (score >= 0.3) return 'high';
  if (score <= -0.3) return 'low';
  return 'medium';
}

const TEXT = {
  en: {
    outcome: {
      closedComplete: 'The claim was confirmed and the conversation closed.',
      closed: 'The conversation was closed before the claim was complete.',
      transferred: 'The caller was transferred to a human agent.',
      confirming: 'The conversation stopped while the claim was being read back.',
      gathering: 'The conversation stopped while the claim was being collected.',
      initiate: 'The conversation stopped before any claim details were given.',
    },
    claim: (d: string) => `Claim: ${d}.`,
    missing: (l: string[]) => `Missing: ${l.join(', ')}.`,
    said: (q: string[]) => `Caller said: ${q.map((s) => `"${s}"`).join(' ')}`,
    collect: (l: string[]) => `Collect the missing ${l.join(', ')}.`,
    callBack: 'Call the caller back to finish the claim.',
    sendForm: 'Send the claim form to the caller.',
    transfer: 'Check that the human agent has taken over the claim.',
    review: 'Review the call: the caller seemed dissatisfied.',
  },
  zh: {
    outcome: {
      closedComplete: '理赔信息已确认，对话结束。',
      closed: '理赔信息未收集完整，对话已结束。',
      transferred: '来电者已转接人工客服。',
      confirming: '核对理赔信息时对话中断。',
      gathering: '收集理赔信息时对话中断。',
      initiate: '来电者尚未提供理赔信息，对话即中断。',
    },
    claim: (d: string) => `理赔信息：${d}。`,
    missing: (l: string[]) => `缺少：${l.join('、')}。`,
    said: (q: string[]) => `来电者说：${q.map((s) => `“${s}”`).join('')}`,
    collect: (l: string[]) => `补充缺少的信息：${l.join('、')}。`,
    callBack: '回电来电者，完成理赔登记。',
    sendForm: '向来电者发送理赔申请表。',
    transfer: '跟进人工客服是否已接手该理赔。',
    review: '回访：来电者似乎不满意。',
  },
} as const;

/**
 * Summarises a finished (or abandoned) conversation from the claim and the caller's own
 * sentences; `by: 'extractive'`.
 */
export function extractiveSynthesis(input: ExtractiveSynthesisInput): ConversationSynthesis {
  const zh = isChinese(input.language);
  const t = zh ? TEXT.zh : TEXT.en;
  const view = viewClaim(input, zh);
  const complete = view.missingLabels.length === 0 && view.hasValues;

  const outcome =
    input.state === 'closed'
      ? complete
        ? t.outcome.closedComplete
        : t.outcome.closed
      : t.outcome[input.state];
  const parts: string[] = [outcome];
  if (view.described !== '') parts.push(t.claim(view.described));
  if (view.missingLabels.length > 0) parts.push(t.missing(view.missingLabels));
  const quotes = keySentences(input.messages);
  if (quotes.length > 0) parts.push(t.said(quotes));

  const satisfaction = satisfactionOf(input, complete);
  const suggestions: string[] = [];
  if (view.missingLabels.length > 0) suggestions.push(t.collect(view.missingLabels));
  if (input.state === 'transferred') suggestions.push(t.transfer);
  else if (input.state !== 'closed') suggestions.push(t.callBack);
  if (complete && input.state !== 'transferred') suggestions.push(t.sendForm);
  if (satisfaction === 'low') suggestions.push(t.review);

  return { summary: parts.join(zh ? '' : ' '), satisfaction, suggestions, by: 'extractive' };
}
