/**
 * One agent conversation's state and its record: the claim being filled, the agent's working
 * memory (script position, failed turns, confirmations), the state machine, and the writes —
 * every caller turn is persisted with the claim and memory in one transaction, each reply once
 * it is known what the caller heard of it (all of it, or the part before a barge-in).
 */
import type {
  ConversationMessageInput,
  ConversationRecord,
  ConversationStateName,
} from '../../store/index.js';
import type { Logger } from '../../observability/index.js';
import type { LanguageModel } from '../../voice/index.js';
import { Claim } from '../claims/index.js';
import {
  extractiveSynthesis,
  llmSynthesis,
  nextState,
  type ConversationEvent,
  type ConversationManager,
} from '../conversation/index.js';
import type { NluResult } from '../nlu/index.js';
import type { ScriptState } from '../scripts/index.js';
import type { AgentDefinitionDocument } from './agent-definition.js';

/** A domain event the agent reports (the app puts it on the bus). */
export interface AgentEvent {
  type:
    'claim.completed' | 'conversation.resumed' | 'conversation.transferred' | 'conversation.closed';
  callId?: string;
  data: Record<string, unknown>;
}

/** What the agent keeps between turns (persisted as the conversation's `memory`). */
export interface AgentMemory {
  script?: ScriptState;
  /** Turns in a row the agent could not use (unrecognised, refused values). */
  failedTurns: number;
  /** Claim fields the caller confirmed. */
  confirmed: string[];
  /** The reference given to the caller once the claim was confirmed. */
  claimReference?: string;
  /** Sentiment scores of the caller's turns (for the synthesis). */
  sentiments: number[];
  /** Why the agent handed the caller over (caller-asked, sentiment, failed-turns, script…). */
  transferReason?: string;
}

/** Settings of an {@link AgentConversation}. */
export interface AgentConversationOptions {
  agentId: string;
  definition: AgentDefinitionDocument;
  record: ConversationRecord;
  resumed: boolean;
  manager: ConversationManager;
  language: string;
  publish?: (event: AgentEvent) => void;
  /** The agent's language model: it writes the synthesis (the extractive one when it fails). */
  llm?: LanguageModel;
  logger?: Logger;
  now?: () => Date;
}

/** See the module comment. */
export class AgentConversation {
  readonly claim?: Claim;
  readonly memory: AgentMemory;
  private record: ConversationRecord;
  /** Writes of this conversation, in order (a reply's write must follow its turn's). */
  private writes: Promise<unknown> = Promise.resolve();
  /** The reply said last, until the voice session says what of it was heard. */
  private pendingReply?: { text: string; index: number };
  private closed = false;
  /** The agent itself decided to end the call (claim filed, goodbye): the conversation is done. */
  endRequested = false;

  constructor(private readonly options: AgentConversationOptions) {
    this.record = options.record;
    const saved = options.record.memory as Partial<AgentMemory>;
    this.memory = {
      script: saved.script,
      failedTurns: saved.failedTurns ?? 0,
      confirmed: saved.confirmed ?? [],
      claimReference: saved.claimReference,
      sentiments: saved.sentiments ?? [],
      transferReason: saved.transferReason,
    };
    if (options.definition.claim) {
      this.claim = new Claim(options.definition.claim, options.record.claim, this.memory.confirmed);
    }
  }

  get id(): string {
    return this.record.id;
  }

  get state(): ConversationStateName {
    return this.record.state;
  }

  get resumed(): boolean {
    return this.options.resumed;
  }

  get language(): string {
    return this.options.language;
  }

  get callId(): string | undefined {
    return this.record.callId;
  }

  /** Options for the claim's normaliser: the caller's language, now, the agent's time zone. */
  normaliseOptions(): { language: string; now: Date; timeZone: string } {
    return {
      language: this.options.language,
      now: this.now(),
      // Relative dates are the caller's days, not UTC's: the agent's zone, else the server's.
      timeZone:
        this.options.definition.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    };
  }

  /** Moves the state machine; a move the machine refuses leaves the state as it is. */
  move(event: ConversationEvent): void {
    try {
      this.record = { ...this.record, state: nextState(this.record.state, event) };
    } catch {
      this.options.logger?.debug({ event, state: this.record.state }, 'state move ignored');
    }
  }

  /**
   * Persists one caller turn with the claim, memory and state (one transaction), and the
   * previous reply if the session never said what was heard of it.
   */
  recordCallerTurn(
    turn: { text: string; source?: 'speech' | 'dtmf' },
    nlu?: Pick<NluResult, 'intent' | 'score' | 'sentiment'>,
    nextAction?: string,
  ): Promise<void> {
    if (nlu) this.memory.sentiments.push(nlu.sentiment.score);
    const messages: ConversationMessageInput[] = [];
    const reply = this.pendingReply;
    this.pendingReply = undefined;
    if (reply) messages.push({ persona: 'assistant' as const, content: reply.text, heard: true });
    messages.push({
      persona: 'human' as const,
      content: turn.source === 'dtmf' ? `[keys] ${turn.text}` : turn.text,
      callId: this.record.callId,
    });
    return this.write((id) =>
      this.options.manager.recordTurn(id, messages, { ...this.patch(), nextAction }),
    );
  }

  /** The reply to the turn just recorded; written when the session says what was heard. */
  replied(text: string, index: number): void {
    if (text === '') return;
    this.pendingReply = { text, index };
  }

  /** What the caller heard of a reply (voice sessions call this after each reply). */
  heard(reply: { index: number; text: string; fullText: string; interrupted: boolean }): void {
    const pending = this.pendingReply;
    if (!pending || pending.index !== reply.index) return;
    this.pendingReply = undefined;
    const content = reply.interrupted ? reply.text : reply.fullText;
    if (content === '' && !reply.interrupted) return;
    this.write((id) =>
      this.options.manager.recordTurn(id, [
        { persona: 'assistant', content, heard: !reply.interrupted, callId: this.record.callId },
      ]),
    );
  }

  /** Writes a line the agent said on its own (greeting, resume), marked heard. */
  said(text: string): void {
    if (text === '') return;
    this.write((id) =>
      this.options.manager.recordTurn(id, [
        { persona: 'assistant', content: text, heard: true, callId: this.record.callId },
      ]),
    );
  }

  /** The claim was read back and confirmed: stored with the call and announced. */
  claimConfirmed(reference: string): void {
    if (!this.claim) return;
    this.claim.confirm();
    this.memory.confirmed = this.claim.confirmed();
    this.memory.claimReference = reference;
    this.move('confirmed');
    this.options.publish?.({
      type: 'claim.completed',
      callId: this.record.callId,
      data: {
        conversationId: this.record.id,
        agentId: this.options.agentId,
        reference,
        schema: this.claim.schema.name,
        claim: this.claim.values(),
      },
    });
  }

  /** Announces that this conversation continues a dropped one. */
  announceResume(): void {
    this.options.publish?.({
      type: 'conversation.resumed',
      callId: this.record.callId,
      data: {
        conversationId: this.record.id,
        agentId: this.options.agentId,
        resumeCount: this.record.resumeCount,
      },
    });
  }

  /**
   * Ends the conversation: writes the last reply, the synthesis and the final state (closed,
   * transferred, or — for a dropped call — as it was, so a call back can resume it).
   */
  async close(how: { reason: string; transferred?: boolean; completed?: boolean }): Promise<void> {
    if (this.closed) return this.writes.then(() => undefined);
    this.closed = true;
    const reply = this.pendingReply;
    this.pendingReply = undefined;
    if (how.transferred) this.move('transfer');
    else if (how.completed || this.endRequested) this.move('close');
    const messages = await this.options.manager.messages(this.record.id).catch(() => []);
    const written = this.options.llm
      ? await llmSynthesis(this.options.llm, {
          messages,
          claim: this.claim?.values() ?? {},
          state: this.record.state,
          language: this.options.language,
        })
      : undefined;
    const synthesis =
      written ??
      extractiveSynthesis({
        messages,
        claim: this.claim?.values() ?? {},
        state: this.record.state,
        language: this.options.language,
        sentiment: mean(this.memory.sentiments),
        schema: this.claim?.schema,
      });
    const finalState = this.record.state;
    // A caller who dropped halfway gets a reminder to call back once the resume window closes.
    const reminders = [...this.record.reminders];
    const open = finalState !== 'closed' && finalState !== 'transferred';
    if (open && this.claim && !this.memory.claimReference) {
      const windowMs = this.options.definition.callbackWindowMin * 60_000;
      reminders.push({
        at: new Date(this.now().getTime() + windowMs).toISOString(),
        text:
          this.claim.missing().length > 0
            ? `Claim not finished (missing ${this.claim.missing().join(', ')}): call the customer back`
            : 'Claim collected but not confirmed: call the customer back',
      });
    }
    await this.write((id) =>
      this.options.manager.recordTurn(
        id,
        reply ? [{ persona: 'assistant', content: reply.text, heard: false }] : [],
        {
          ...this.patch(),
          reminders,
          synthesis,
          ...(finalState === 'closed' || finalState === 'transferred'
            ? { closedAt: this.now() }
            : {}),
        },
      ),
    );
    if (how.transferred) {
      this.options.publish?.({
        type: 'conversation.transferred',
        callId: this.record.callId,
        data: {
          conversationId: this.record.id,
          agentId: this.options.agentId,
          reason: how.reason,
          synthesis,
        },
      });
    } else {
      this.options.publish?.({
        type: 'conversation.closed',
        callId: this.record.callId,
        data: {
          conversationId: this.record.id,
          agentId: this.options.agentId,
          reason: how.reason,
          state: finalState,
          synthesis,
        },
      });
    }
  }

  private patch(): {
    state: ConversationStateName;
    claim: Record<string, unknown>;
    memory: Record<string, unknown>;
    language: string;
  } {
    return {
      state: this.record.state,
      claim: this.claim?.values() ?? {},
      memory: { ...this.memory },
      language: this.options.language,
    };
  }

  /** Queues a write after the previous ones; a failed write is logged, never thrown at the caller. */
  private write(run: (id: string) => Promise<unknown>): Promise<void> {
    const next = this.writes.then(() => run(this.record.id));
    this.writes = next.catch((err: Error) =>
      this.options.logger?.error(
        { err: err.message, conversationId: this.record.id },
        'conversation write failed',
      ),
    );
    return this.writes.then(() => undefined);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

function mean(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  return values.reduce((a, b) => a + b, 0) / values.length;
}
