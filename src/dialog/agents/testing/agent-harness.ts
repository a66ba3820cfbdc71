/**
 * A real store (embedded PGlite in a temporary directory) with the demo documents, a
 * conversation manager and the agents over it — and a tiny driver that talks to an opened
 * agent turn by turn the way the voice session does (greeting, respond, heard).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryCache, openStore, type Store } from '../../../store/index.js';
import type { LanguageModel, ResponderAction } from '../../../voice/index.js';
import { ConversationManager } from '../../conversation/index.js';
import { writeDemoDialogDocuments } from '../../demo/demo-documents.js';
import type { AgentEvent } from '../agent-conversation.js';
import { DialogAgents, type OpenedConversation } from '../dialog-agents.js';

/** A store with the demo documents, torn down by `close`. */
export interface AgentHarness {
  store: Store;
  events: AgentEvent[];
  agents(options?: { llm?: LanguageModel; now?: () => Date }): DialogAgents;
  close(): Promise<void>;
}

/** Opens the harness (a few seconds: PGlite runs initdb and the migrations). */
export async function openAgentHarness(): Promise<AgentHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sb-agents-'));
  const store = await openStore({ dataDir });
  await store.transaction((tx) => writeDemoDialogDocuments(tx));
  const events: AgentEvent[] = [];
  const cache = new MemoryCache({ sweepIntervalMs: 0 });
  return {
    store,
    events,
    agents: (options = {}) =>
      new DialogAgents({
        documents: store.dialogDocuments,
        conversations: new ConversationManager({
          repository: store.conversations,
          cache,
          now: options.now,
        }),
        llm: options.llm,
        publish: (event) => events.push(event),
        now: options.now,
      }),
    close: async () => {
      await cache.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** One reply of an agent. */
export interface AgentReply {
  text: string;
  action?: ResponderAction;
}

/** Talks to an opened agent as a voice session would: every reply is heard in full. */
export class AgentDriver {
  private index = 0;

  constructor(readonly opened: OpenedConversation) {}

  greeting(): string {
    return this.opened.responder.greeting?.() ?? '';
  }

  /** One caller turn; `keys` for keyed-in digits. */
  async say(
    text: string,
    options: { keys?: boolean; signal?: AbortSignal } = {},
  ): Promise<AgentReply> {
    const index = this.index++;
    const { responder } = this.opened;
    const answer = responder.respond(
      { text, index, source: options.keys ? 'dtmf' : 'speech' },
      { history: [], signal: options.signal ?? new AbortController().signal },
    );
    let reply: AgentReply;
    if (Symbol.asyncIterator in (answer as object)) {
      let out = '';
      for await (const chunk of answer as AsyncIterable<string>) out += chunk;
      reply = { text: out, action: responder.takeAction?.() };
    } else {
      const value = await (answer as Promise<string | AgentReply>);
      reply = typeof value === 'string' ? { text: value } : value;
    }
    responder.heard?.({ index, text: reply.text, fullText: reply.text, interrupted: false });
    return reply;
  }
}
