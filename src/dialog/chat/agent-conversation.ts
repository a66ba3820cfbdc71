/**
 * An AI agent's conversation over text: the greeting, then one responder turn per user
 * message, until the responder asks to hang up or transfer, the user leaves, or the user stays
 * silent through two "Are you still there?" prompts. Streamed answers are sent as one message
 * once complete (a chat bubble that grows is the client's business, not the flow's).
 */
import {
  DEFAULT_TIMEOUTS,
  phrasesFor,
  type ChatMessage,
  type ResponderAction,
} from '../../voice/index.js';
import type { AgentSession } from '../flows/engine/agent-host.js';
import type { AgentOutcome } from '../flows/engine/flow-io.js';

/** What {@link converseWithAgent} needs from the channel. */
export interface TextTurns {
  say(text: string): Promise<void>;
  /** The next user message, or why there is none. */
  receive(timeoutMs: number): Promise<string | 'timeout' | 'hangup'>;
}

/** Timeouts of an agent conversation over text. */
export interface AgentConversationOptions {
  /** User silence before "Are you still there?" (default: the voice session's 20 s). */
  silenceMs?: number;
  /** Longest wait for the responder's answer before an apology (default 15 s). */
  answerTimeoutMs?: number;
}

/** Prompts for silence before the conversation is given up. */
const SILENCE_PROMPTS = 2;

/** See the module comment. */
export async function converseWithAgent(
  session: AgentSession,
  turns: TextTurns,
  options: AgentConversationOptions = {},
): Promise<AgentOutcome> {
  const silenceMs = options.silenceMs ?? DEFAULT_TIMEOUTS.callerSilenceMs;
  const answerTimeoutMs = options.answerTimeoutMs ?? DEFAULT_TIMEOUTS.answerHardMs;
  const phrases = phrasesFor(session.language);
  const { responder } = session;
  const history: ChatMessage[] = [];
  const greeting = responder.greeting?.();
  if (greeting) {
    history.push({ role: 'assistant', content: greeting });
    await turns.say(greeting);
  }
  let silences = 0;
  let index = 0;
  for (;;) {
    const input = await turns.receive(silenceMs);
    if (input === 'hangup') return { type: 'hangup' };
    if (input === 'timeout') {
      if (++silences > SILENCE_PROMPTS) {
        await turns.say(phrases.goodbye);
        return { type: 'hangup' };
      }
      await turns.say(phrases.stillThere);
      continue;
    }
    silences = 0;
    history.push({ role: 'user', content: input });
    const turnIndex = index++;
    const reply = await answer(
      session,
      { text: input, index: turnIndex },
      history,
      answerTimeoutMs,
    );
    if (reply === undefined) {
      await turns.say(phrases.apology);
      continue;
    }
    if (reply.text !== '') {
      history.push({ role: 'assistant', content: reply.text });
      await turns.say(reply.text);
    }
    // A text reply is read whole: it was "heard" in full.
    responder.heard?.({
      index: turnIndex,
      text: reply.text,
      fullText: reply.text,
      interrupted: false,
    });
    const action = reply.action;
    if (action?.type === 'hangup') return { type: 'hangup' };
    if (action?.type === 'transfer') {
      return action.to === undefined ? { type: 'transfer' } : { type: 'transfer', to: action.to };
    }
  }
}

/** The whole answer to one turn, or undefined when the responder failed or took too long. */
async function answer(
  session: AgentSession,
  turn: { text: string; index: number },
  history: ChatMessage[],
  timeoutMs: number,
): Promise<{ text: string; action?: ResponderAction } | undefined> {
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      abort.abort();
      resolve(undefined);
    }, timeoutMs);
  });
  const produce = async (): Promise<{ text: string; action?: ResponderAction } | undefined> => {
    const reply = session.responder.respond(turn, { history: [...history], signal: abort.signal });
    if (Symbol.asyncIterator in (reply as object)) {
      let text = '';
      for await (const chunk of reply as AsyncIterable<string>) {
        if (abort.signal.aborted) return undefined;
        text += chunk;
      }
      // A streamed reply's action (a model's tool call) comes after its text.
      const action = session.responder.takeAction?.();
      return action ? { text: text.trim(), action } : { text: text.trim() };
    }
    const value = await (reply as Promise<string | { text: string; action?: ResponderAction }>);
    return typeof value === 'string'
      ? { text: value.trim() }
      : { ...value, text: value.text.trim() };
  };
  try {
    return await Promise.race([produce(), timedOut]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
