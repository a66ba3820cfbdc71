/**
 * Shared by `gather` and `menu`: text normalisation for matching what the caller said, and
 * asking the NLU for an intent without letting its failure break the step.
 */
import type { FlowScope } from '../verb-handler.js';

/** Lower-cased, punctuation dropped, spaces collapsed: "Sales, please!" → "sales please". */
export function normaliseSpeech(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The classifier's intent for `text`, or undefined (none given, none found, or it failed). */
export async function classifyQuietly(
  scope: FlowScope,
  text: string,
): Promise<{ intent: string; score: number } | undefined> {
  const classify = scope.options.classify;
  if (!classify) return undefined;
  try {
    return await classify(text, scope.context.language);
  } catch (error) {
    scope.reportError(`classify failed: ${(error as Error).message}`);
    return undefined;
  }
}
