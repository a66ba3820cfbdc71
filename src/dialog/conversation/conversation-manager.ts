/**
 * Conversations with callers over time: opened (or resumed when the same caller comes back to
 * the same agent within the callback window), persisted on every turn, kept hot in the cache
 * for the next turn, moved through the state machine, closed with a synthesis or transferred.
 *
 * The store is the truth; the cache holds a copy under `dialog:conversation:<id>` so a turn
 * does not start with a database read. Every write goes to the store first and then refreshes
 * the copy, so a cache shared between nodes (Redis) never holds something the store does not.
 */
import type { Logger } from '../../observability/index.js';
import {
  NotFoundError,
  type Cache,
  type ConversationMessageInput,
  type ConversationMessageRecord,
  type ConversationPatch,
  type ConversationRecord,
  type ConversationRepository,
  type ConversationSynthesis,
} from '../../store/index.js';
import { nextState, type ConversationEvent } from './conversation-state.js';

/** Options of {@link ConversationManager}. */
export interface ConversationManagerOptions {
  repository: ConversationRepository;
  cache: Cache;
  /** How long an untouched conversation stays in the cache; default one hour. */
  hotTtlMs?: number;
  /** How long after its last update a conversation can be resumed; default three hours. */
  callbackWindowMs?: number;
  /** The clock (tests); default `new Date()`. */
  now?: () => Date;
  logger?: Logger;
}

/** What {@link ConversationManager.open} is asked for. */
export interface OpenConversationRequest {
  /** Resume key: the caller's number or SIP user, or a chat/stream session id. */
  key: string;
  agentId: string;
  channel: 'voice' | 'text';
  /** The call it runs on now (none for text chats). */
  callId?: string;
  /** The language a new conversation starts in; a resumed one keeps its own. */
  language: string;
  /** Whether to pick up an earlier conversation; default true. */
  resume?: boolean;
  /** This agent's callback window, when it has its own (default: the manager's). */
  callbackWindowMs?: number;
}

/** What {@link ConversationManager.open} found or made. */
export interface OpenedConversation {
  conversation: ConversationRecord;
  /** Whether an earlier conversation was picked up. */
  resumed: boolean;
  /** Its messages so far, in order (empty for a new one). */
  history: ConversationMessageRecord[];
}

const DEFAULT_HOT_TTL_MS = 3_600_000;
const DEFAULT_CALLBACK_WINDOW_MS = 10_800_000;

/** The cache key of a conversation's hot copy. */
export function conversationCacheKey(id: string): string {
  return `dialog:conversation:${id}`;
}

type CachedConversation = Omit<ConversationRecord, 'createdAt' | 'updatedAt' | 'closedAt'> & {
  createdAt: string;
  updatedAt: string;
  closedAt?: string;
};

/** The cache hands back JSON: dates arrive as ISO strings. */
function revive(cached: CachedConversation): ConversationRecord {
  const record: ConversationRecord = {
    ...cached,
    createdAt: new Date(cached.createdAt),
    updatedAt: new Date(cached.updatedAt),
    closedAt: cached.closedAt === undefined ? undefined : new Date(cached.closedAt),
  };
  if (record.closedAt === undefined) delete record.closedAt;
  return record;
}

/**
 * Opens, records and moves conversations. Writes to one conversation are applied one at a time
 * in the order they were asked for (a per-conversation queue in this process), so concurrent
 * turns get their message numbers in call order.
 */
export class ConversationManager {
  private readonly repository: ConversationRepository;
  private readonly cache: Cache;
  private readonly hotTtlMs: number;
  private readonly callbackWindowMs: number;
  private readonly now: () => Date;
  private readonly logger: Logger | undefined;
  /** The tail of each conversation's write queue; removed when the queue drains. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(options: ConversationManagerOptions) {
    this.repository = options.repository;
    this.cache = options.cache;
    this.hotTtlMs = options.hotTtlMs ?? DEFAULT_HOT_TTL_MS;
    this.callbackWindowMs = options.callbackWindowMs ?? DEFAULT_CALLBACK_WINDOW_MS;
    this.now = options.now ?? (() => new Date());
    this.logger = options.logger;
    for (const [name, value] of [
      ['hotTtlMs', this.hotTtlMs],
      ['callbackWindowMs', this.callbackWindowMs],
    ] as const) {
      if (!Number.isInteger(value) || value <= 0) {
        throw new RangeError(`${name} must be a positive whole number of ms (got ${value})`);
      }
    }
  }

  /**
   * Resumes the newest resumable conversation for (key, agent) updated within the callback
   * window — bumping its resume count and moving it to this call — or starts a new one.
   */
  async open(request: OpenConversationRequest): Promise<OpenedConversation> {
    if (request.resume !== false) {
      const since = new Date(
        this.now().getTime() - (request.callbackWindowMs ?? this.callbackWindowMs),
      );
      const found = await this.repository.findResumable(request.key, request.agentId, since);
      if (found) {
        const conversation = await this.serially(found.id, async () => {
          const patch: ConversationPatch = {
            state: nextState(found.state, 'resume'),
            resumeCount: found.resumeCount + 1,
          };
          if (request.callId !== undefined) patch.callId = request.callId;
          return this.remember(await this.repository.update(found.id, patch));
        });
        const history = await this.repository.messages(found.id);
        this.logger?.info(
          {
            conversationId: conversation.id,
            agentId: request.agentId,
            callId: request.callId,
            resumeCount: conversation.resumeCount,
            state: conversation.state,
            pii: { key: request.key },
          },
          'conversation resumed',
        );
        return { conversation, resumed: true, history };
      }
    }
    const created = await this.repository.create({
      key: request.key,
      agentId: request.agentId,
      channel: request.channel,
      language: request.language,
      callId: request.callId,
      state: 'initiate',
    });
    const conversation = await this.remember(created);
    this.logger?.info(
      {
        conversationId: conversation.id,
        agentId: request.agentId,
        callId: request.callId,
        pii: { key: request.key },
      },
      'conversation started',
    );
    return { conversation, resumed: false, history: [] };
  }

  /**
   * Persists one turn — its messages and the state it led to — in one store transaction, then
   * refreshes the hot copy. @throws NotFoundError for an unknown conversation.
   */
  recordTurn(
    id: string,
    messages: ConversationMessageInput[],
    patch?: ConversationPatch,
  ): Promise<ConversationRecord> {
    return this.serially(id, async () =>
      this.remember(await this.repository.recordTurn(id, messages, patch)),
    );
  }

  /** The conversation's messages in order (`limit` keeps the last n). */
  messages(id: string, options?: { limit?: number }): Promise<ConversationMessageRecord[]> {
    return this.repository.messages(id, options);
  }

  /** The conversation: the hot copy when there is one, else the store's (then cached). */
  async get(id: string): Promise<ConversationRecord | undefined> {
    const cached = await this.cache.get<CachedConversation>(conversationCacheKey(id));
    if (cached !== undefined) return revive(cached);
    const stored = await this.repository.get(id);
    return stored === undefined ? undefined : this.remember(stored);
  }

  /**
   * Applies `event` through the state machine, with an optional patch written in the same
   * update. Closing stamps `closedAt`.
   * @throws InvalidTransitionError on an impossible move; NotFoundError for an unknown id.
   */
  transition(
    id: string,
    event: ConversationEvent,
    patch?: ConversationPatch,
  ): Promise<ConversationRecord> {
    return this.serially(id, () => this.applyEvent(id, event, patch));
  }

  /**
   * Closes the conversation, storing its synthesis. Closing a closed conversation changes
   * nothing (a hang-up and a goodbye may both close it) and returns it as it is.
   */
  close(id: string, synthesis?: ConversationSynthesis): Promise<ConversationRecord> {
    return this.serially(id, async () => {
      const current = await this.require(id);
      if (current.state === 'closed') return current;
      return this.applyEvent(id, 'close', synthesis === undefined ? {} : { synthesis }, current);
    });
  }

  /**
   * Hands the conversation to a person: state `transferred`, the reason kept in its memory
   * (`transferReason`) and `nextAction: 'transfer'` for whoever picks it up.
   */
  transfer(id: string, reason: string): Promise<ConversationRecord> {
    return this.serially(id, async () => {
      const current = await this.require(id);
      return this.applyEvent(
        id,
        'transfer',
        { nextAction: 'transfer', memory: { ...current.memory, transferReason: reason } },
        current,
      );
    });
  }

  private async applyEvent(
    id: string,
    event: ConversationEvent,
    patch: ConversationPatch = {},
    known?: ConversationRecord,
  ): Promise<ConversationRecord> {
    const current = known ?? (await this.require(id));
    const state = nextState(current.state, event);
    const full: ConversationPatch = { ...patch, state };
    if (state === 'closed' && full.closedAt === undefined) full.closedAt = this.now();
    const updated = await this.remember(await this.repository.update(id, full));
    this.logger?.debug(
      { conversationId: id, event, from: current.state, to: state },
      'conversation state',
    );
    return updated;
  }

  private async require(id: string): Promise<ConversationRecord> {
    const found = await this.get(id);
    if (!found) throw new NotFoundError('conversation', id);
    return found;
  }

  /** Refreshes the hot copy; a cache failure is logged, never fails a write the store kept. */
  private async remember(record: ConversationRecord): Promise<ConversationRecord> {
    try {
      await this.cache.set(conversationCacheKey(record.id), record, { ttlMs: this.hotTtlMs });
    } catch (error) {
      // The stale copy must not outlive a write it missed.
      await this.cache.delete(conversationCacheKey(record.id)).catch(() => false);
      this.logger?.warn(
        { err: error, conversationId: record.id },
        'conversation cache write failed',
      );
    }
    return record;
  }

  /** Runs `work` after every earlier write to the same conversation has settled. */
  private serially<T>(id: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    this.queues.set(id, tail);
    void tail.then(() => {
      if (this.queues.get(id) === tail) this.queues.delete(id);
    });
    return run;
  }
}
