/**
 * The conversation's synthesis written by the language model: a summary, the caller's
 * satisfaction and suggested follow-ups, asked for as JSON and checked before use. Any
 * failure — the model down or slow, an answer that is not the JSON asked for — gives
 * `undefined`, and the caller of this keeps the extractive synthesis.
 */
import { z } from 'zod';
import type { ConversationMessageRecord, ConversationSynthesis } from '../../store/index.js';
import type { LanguageModel } from '../../voice/index.js';

const answerSchema = z.object({
  summary: z.string().min(1).max(2000),
  satisfaction: z.enum(['low', 'medium', 'high', 'unknown']),
  suggestions: z.array(z.string().min(1).max(300)).max(10),
});

/** Asks `llm` for the synthesis of a conversation; undefined when it cannot be had. */
export async function llmSynthesis(
  llm: LanguageModel,
  input: {
    messages: ConversationMessageRecord[];
    claim: Record<string, unknown>;
    state: string;
    language: string;
  },
  options: { timeoutMs?: number } = {},
): Promise<ConversationSynthesis | undefined> {
  const transcript = input.messages
    .filter((m) => m.persona === 'human' || m.persona === 'assistant')
    .map((m) => `${m.persona === 'human' ? 'Caller' : 'Agent'}: ${m.content}`)
    .join('\n');
  const prompt = [
    'Summarise this call-center conversation for the human agent who takes over or follows up.',
    `Write in the conversation's language (${input.language}).`,
    'Answer with JSON only: {"summary": string (2-4 sentences), "satisfaction": "low"|"medium"|"high"|"unknown", "suggestions": string[] (follow-up actions, at most 3)}.',
    `Conversation state: ${input.state}. Claim collected: ${JSON.stringify(input.claim)}.`,
    'Transcript:',
    transcript,
  ].join('\n');
  const signal = AbortSignal.timeout(options.timeoutMs ?? 15_000);
  try {
    let text = '';
    for await (const chunk of llm.stream([{ role: 'user', content: prompt }], {
      signal,
      temperature: 0,
    })) {
      if (chunk.type === 'text') text += chunk.text;
    }
    // Models wrap JSON in prose or code fences now and then: take the outermost object.
    const json = text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
    const parsed = answerSchema.safeParse(JSON.parse(json));
    return parsed.success ? { ...parsed.data, by: 'llm' } : undefined;
  } catch {
    return undefined;
  }
}
