/**
 * A responder's answer as one stream of text, whatever shape it came in (streamed chunks, a
 * string, or text with an action), stopping when the turn is aborted and reporting a failing
 * responder instead of throwing into the speaker.
 */
import type { Responder, ResponderAction } from './types.js';

/** Hooks of {@link replyText}. */
export interface ReplyTextHooks {
  signal: AbortSignal;
  /** The first text arrived (once). */
  onFirstToken: () => void;
  /** The responder asked for an action after this reply. */
  onAction: (action: ResponderAction) => void;
  /** The responder failed; what it produced so far is still spoken. */
  onError: (err: Error) => void;
}

/** See the module comment. */
export async function* replyText(
  reply: ReturnType<Responder['respond']>,
  hooks: ReplyTextHooks,
): AsyncIterable<string> {
  let first = true;
  const token = (): void => {
    if (!first) return;
    first = false;
    hooks.onFirstToken();
  };
  try {
    if (Symbol.asyncIterator in (reply as object)) {
      for await (const chunk of reply as AsyncIterable<string>) {
        if (hooks.signal.aborted) return;
        token();
        yield chunk;
      }
      return;
    }
    const value = await (reply as Promise<string | { text: string; action?: ResponderAction }>);
    if (hooks.signal.aborted) return;
    token();
    if (typeof value === 'string') {
      yield value;
      return;
    }
    if (value.action) hooks.onAction(value.action);
    yield value.text;
  } catch (err) {
    hooks.onError(err as Error);
  }
}
