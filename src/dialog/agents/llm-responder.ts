/**
 * The agent with a language model: the caller's turn goes to the model (streamed back as it is
 * written, so speech starts with the first sentence) with the agent's system prompt, the claim
 * so far and the tools it may call. Tool calls fill the claim, hand the caller over, end the
 * call, send keys, look things up or search the knowledge base; their arguments are validated
 * before use. When the model fails (down, slow, malformed) the turn is answered by the offline
 * agent instead, and the failure is logged on the call — the caller never hears silence.
 */
import type { Logger } from '../../observability/index.js';
import type {
  ChatMessage,
  LanguageModel,
  Responder,
  ResponderAction,
  ResponderContext,
  UserTurn,
} from '../../voice/index.js';
import { promptFor } from '../claims/index.js';
import type { KnowledgeBase } from '../knowledge/index.js';
import { runLlmTurn } from '../llm/index.js';
import type { Tool, ToolActions } from '../tools/index.js';
import type { AgentConversation } from './agent-conversation.js';
import type { AgentDefinitionDocument } from './agent-definition.js';
import type { OfflineResponder } from './offline-responder.js';
import { agentPhrases } from './agent-phrases.js';

/** Settings of an {@link LlmResponder}. */
export interface LlmResponderOptions {
  definition: AgentDefinitionDocument;
  conversation: AgentConversation;
  llm: LanguageModel;
  tools: Tool[];
  knowledge?: KnowledgeBase;
  /** Answers a turn when the model fails (the offline agent). */
  fallback: Pick<OfflineResponder, 'answer'>;
  /** The first words (the offline agent's opening: greeting or welcome back). */
  opening: string;
  /** Earlier messages of a resumed conversation, oldest first. */
  history: ChatMessage[];
  /** Sends keys on the call (the send_dtmf tool). */
  sendDtmf?: (digits: string) => Promise<void>;
  /** Told about a model failure (the app logs it on the call). */
  onError?: (err: Error) => void;
  logger?: Logger;
}

/** See the module comment. */
export class LlmResponder implements Responder {
  private readonly messages: ChatMessage[];
  private action?: ResponderAction;

  constructor(private readonly options: LlmResponderOptions) {
    this.messages = [{ role: 'system', content: this.systemPrompt() }, ...options.history];
    if (options.opening !== '') this.messages.push({ role: 'assistant', content: options.opening });
  }

  greeting(): string {
    return this.options.opening;
  }

  heard(reply: { index: number; text: string; fullText: string; interrupted: boolean }): void {
    this.options.conversation.heard(reply);
    // The model should know what the caller really heard, not what it meant to say.
    if (reply.interrupted) {
      const last = this.messages.findLast((m) => m.role === 'assistant');
      if (last && last.content === reply.fullText) last.content = reply.text;
    }
  }

  takeAction(): ResponderAction | undefined {
    const action = this.action;
    this.action = undefined;
    return action;
  }

  respond(turn: UserTurn, context: ResponderContext): AsyncIterable<string> {
    return this.stream(turn, context);
  }

  private async *stream(turn: UserTurn, context: ResponderContext): AsyncIterable<string> {
    const { conversation, llm, tools, knowledge } = this.options;
    const content =
      turn.source === 'dtmf' ? `(keyed in on the phone keypad) ${turn.text}` : turn.text;
    this.messages.push({ role: 'user', content });
    // The system prompt carries the claim's state: refresh it for this turn.
    this.messages[0] = { role: 'system', content: this.systemPrompt() };
    const recorded = conversation.recordCallerTurn(turn);
    let text = '';
    try {
      for await (const chunk of runLlmTurn({
        llm,
        messages: this.messages,
        tools,
        context: {
          conversationId: conversation.id,
          callId: conversation.callId,
          language: conversation.language,
          signal: context.signal,
          actions: this.actions(),
          knowledge,
          logger: this.options.logger,
        },
        signal: context.signal,
      })) {
        text += chunk;
        yield chunk;
      }
    } catch (err) {
      if (context.signal.aborted) return;
      this.options.onError?.(err as Error);
      this.options.logger?.warn(
        {
          err: (err as Error).message,
          conversationId: conversation.id,
          callId: conversation.callId,
        },
        'language model failed; the offline agent answers this turn',
      );
      // Whatever the model said before failing has been heard; the fallback goes on from there.
      const fallback = await this.fallbackReply(turn);
      if (fallback.action) this.action = fallback.action;
      if (fallback.action?.type === 'hangup') conversation.endRequested = true;
      const said =
        text === ''
          ? fallback.text
          : ` ${agentPhrases(conversation.language).llmTrouble} ${fallback.text}`;
      text += said;
      yield said;
    }
    await recorded;
    conversation.replied(text, turn.index);
  }

  private async fallbackReply(turn: UserTurn): Promise<{ text: string; action?: ResponderAction }> {
    try {
      return (await this.options.fallback.answer(turn)).reply;
    } catch {
      const phrases = agentPhrases(this.options.conversation.language);
      return {
        text: phrases.transferringStuck,
        action: { type: 'transfer', to: this.options.definition.transfer.target },
      };
    }
  }

  /** What the tools do to this conversation. */
  private actions(): ToolActions {
    const { conversation, definition } = this.options;
    return {
      updateClaim: async (fields) => {
        const claim = conversation.claim;
        if (!claim)
          return { accepted: {}, rejected: { '*': 'this agent collects no claim' }, missing: [] };
        const { confirmed, ...values } = fields;
        const result = claim.set(values, conversation.normaliseOptions());
        if (Object.keys(result.accepted).length > 0) {
          if (conversation.state === 'initiate') conversation.move('start');
          conversation.move('collect');
        }
        if (result.missing.length === 0 && conversation.state === 'gathering') {
          conversation.move('all-collected');
        }
        if (confirmed === true) {
          if (result.missing.length > 0) {
            result.rejected.confirmed = `cannot confirm: missing ${result.missing.join(', ')}`;
          } else {
            conversation.claimConfirmed(
              conversation.memory.claimReference ?? `CLM${conversation.id.slice(-6).toUpperCase()}`,
            );
          }
        }
        return result;
      },
      transferToHuman: async ({ reason }) => {
        conversation.memory.transferReason = reason;
        this.action = { type: 'transfer', to: definition.transfer.target };
      },
      endCall: async (reason) => {
        conversation.endRequested = true;
        this.action = { type: 'hangup', reason };
      },
      sendDtmf: async (digits) => {
        if (!this.options.sendDtmf) throw new Error('this conversation cannot send keys');
        await this.options.sendDtmf(digits);
      },
    };
  }

  private systemPrompt(): string {
    const { definition, conversation } = this.options;
    const language = conversation.language;
    const lines = [
      definition.systemPrompt ?? 'You are a helpful, concise phone assistant.',
      `Speak ${language}. Answers are spoken on a phone call: short sentences, no lists, no markdown.`,
    ];
    const claim = conversation.claim;
    if (claim) {
      const values = claim.values();
      lines.push(
        `You are filling the claim "${claim.schema.name}". Fields:`,
        ...claim.schema.fields.map(
          (f) =>
            `- ${f.name} (${f.type}${f.required === false ? ', optional' : ''}): ${f.description ?? promptFor(f, language)}` +
            (values[f.name] !== undefined
              ? ` — collected: ${JSON.stringify(values[f.name])}`
              : ' — missing'),
        ),
        'Ask for one missing field at a time. Save every answer with update_claim; if it is refused, ask again explaining why.',
        'When nothing is missing, read the claim back and ask the caller to confirm; on a yes call update_claim with {"fields": {"confirmed": true}}.',
      );
    }
    lines.push(
      'If the caller asks for a person, or is upset, call transfer_to_human. When the conversation is over, call end_call.',
    );
    if (conversation.resumed) {
      lines.push(
        'This caller called back after the line dropped: the conversation continues from before.',
      );
    }
    return lines.join('\n');
  }
}
