/**
 * The agents stored as documents, opened per conversation. Each conversation reads the agent's
 * latest version (edits apply to the next call, never to one in progress), opens or resumes
 * its conversation record (the same caller and agent within the callback window continue where
 * they left), and gets a responder: the language-model agent when the agent or the server has a
 * model, else the offline agent on NLU and the script tree. Trained NLU models and knowledge
 * indexes are cached by the versions they were built from.
 */
import type { DialogDocumentRepository } from '../../store/index.js';
import type { Logger } from '../../observability/index.js';
import type { ChatMessage, LanguageModel, Responder } from '../../voice/index.js';
import type { ConversationManager } from '../conversation/index.js';
import { KnowledgeBase } from '../knowledge/index.js';
import { OpenAiCompatibleLlm, LLM_PRESETS } from '../llm/index.js';
import { DEMO_INTENT_MODELS, Nlu, validateIntentModel, type IntentModel } from '../nlu/index.js';
import { validateScriptTree, type ScriptTree } from '../scripts/index.js';
import { builtInTools, httpTool, type Tool } from '../tools/index.js';
import { AgentConversation, type AgentEvent } from './agent-conversation.js';
import { validateAgentDefinition, type AgentDefinitionDocument } from './agent-definition.js';
import { LlmResponder } from './llm-responder.js';
import { OfflineResponder } from './offline-responder.js';

/** What opening a conversation needs to know. */
export interface AgentOpenRequest {
  agentId: string;
  /** The resume key: the caller's identity, or a chat/stream session id. */
  key: string;
  channel: 'voice' | 'text';
  callId?: string;
  /** The caller's language when known (else the agent's). */
  language?: string;
  /** Sends keys on the call (voice only). */
  sendDtmf?: (digits: string) => Promise<void>;
}

/** One opened agent conversation. */
export interface OpenedConversation {
  responder: Responder;
  definition: AgentDefinitionDocument;
  conversation: AgentConversation;
  language: string;
  /** Ends it: `transferred` when it was handed to a person, `completed` when it ran its course. */
  close(how: { reason: string; transferred?: boolean; completed?: boolean }): Promise<void>;
}

/** Settings of {@link DialogAgents}. */
export interface DialogAgentsOptions {
  documents: Pick<DialogDocumentRepository, 'latest' | 'list'>;
  conversations: ConversationManager;
  /** The server-wide model (SWITCHBOARD_LLM); an agent's own `providers.llm` wins over it. */
  llm?: LanguageModel;
  env?: NodeJS.ProcessEnv;
  publish?: (event: AgentEvent) => void;
  logger?: Logger;
  now?: () => Date;
}

/** See the module comment. */
export class DialogAgents {
  private readonly nluCache = new Map<string, Promise<Nlu>>();
  private readonly knowledgeCache = new Map<string, KnowledgeBase>();

  constructor(private readonly options: DialogAgentsOptions) {}

  /** The agent's latest valid definition, or undefined. */
  async definition(
    agentId: string,
  ): Promise<{ definition: AgentDefinitionDocument; version: number } | undefined> {
    const record = await this.options.documents.latest('agent', agentId);
    if (!record) return undefined;
    const r = validateAgentDefinition(record.document);
    if (!r.ok) {
      this.options.logger?.error(
        { agentId, problems: r.problems },
        'stored agent document is invalid',
      );
      return undefined;
    }
    return { definition: r.value, version: record.version };
  }

  async has(agentId: string): Promise<boolean> {
    return (await this.definition(agentId)) !== undefined;
  }

  /** Opens (or resumes) a conversation with the agent; undefined when there is no such agent. */
  async open(request: AgentOpenRequest): Promise<OpenedConversation | undefined> {
    const found = await this.definition(request.agentId);
    if (!found) return undefined;
    const { definition, version } = found;
    const language = request.language ?? definition.language;
    const windowMs = definition.callbackWindowMin * 60_000;
    const {
      conversation: record,
      resumed,
      history,
    } = await this.options.conversations.open({
      key: request.key,
      agentId: request.agentId,
      channel: request.channel,
      callId: request.callId,
      language,
      resume: windowMs > 0,
      callbackWindowMs: windowMs,
    });
    const llm = this.llmFor(definition);
    const conversation = new AgentConversation({
      agentId: request.agentId,
      llm,
      definition,
      record,
      resumed,
      manager: this.options.conversations,
      language: record.language ?? language,
      publish: this.options.publish,
      logger: this.options.logger,
      now: this.options.now,
    });
    if (resumed) conversation.announceResume();
    const [nlu, script] = await Promise.all([this.nluFor(definition), this.scriptFor(definition)]);
    const offline = new OfflineResponder({ definition, conversation, nlu, script });
    const responder: Responder = llm
      ? new LlmResponder({
          definition,
          conversation,
          llm,
          tools: this.toolsFor(definition),
          knowledge: this.knowledgeFor(request.agentId, version, definition),
          fallback: offline,
          opening: offline.greeting(),
          history: history.flatMap((m): ChatMessage[] =>
            m.persona === 'human'
              ? [{ role: 'user' as const, content: m.content }]
              : m.persona === 'assistant'
                ? [{ role: 'assistant' as const, content: m.content }]
                : [],
          ),
          sendDtmf: request.sendDtmf,
          logger: this.options.logger,
        })
      : offline;
    conversation.said(responder.greeting?.() ?? '');
    return {
      responder,
      definition,
      conversation,
      language: conversation.language,
      close: (how) => conversation.close(how),
    };
  }

  /**
   * Classifies a caller's words for a flow's gather or menu: the stored intents (every
   * document), or the demo's when none is stored. Undefined when nothing matched.
   */
  async classify(
    text: string,
    language: string,
  ): Promise<{ intent: string; score: number } | undefined> {
    const nlu = await this.nluOf(await this.options.documents.list('intents'));
    const result = await nlu.parse(text, language);
    return result.fallback ? undefined : { intent: result.intent, score: result.score };
  }

  /** The agent's NLU: its intent documents, or every stored one, or the demo's. */
  private async nluFor(definition: AgentDefinitionDocument): Promise<Nlu> {
    const records = definition.intents
      ? (
          await Promise.all(
            definition.intents.map((n) => this.options.documents.latest('intents', n)),
          )
        ).filter((r) => r !== undefined)
      : await this.options.documents.list('intents');
    return this.nluOf(records);
  }

  /**
   * A model trained once per set of document versions. Documents for the same language are
   * merged (utterances joined by intent name): a tenant may split its intents over several.
   */
  private nluOf(
    records: Array<{ name: string; version: number; document: unknown }>,
  ): Promise<Nlu> {
    const byLanguage = new Map<string, IntentModel>();
    for (const record of records) {
      const r = validateIntentModel(record.document);
      if (!r.ok) continue;
      const model = r.value;
      const known = byLanguage.get(model.language);
      if (!known) {
        byLanguage.set(model.language, { ...model, intents: model.intents.map((i) => ({ ...i })) });
        continue;
      }
      for (const intent of model.intents) {
        const same = known.intents.find((i) => i.name === intent.name);
        if (same) same.utterances = [...same.utterances, ...intent.utterances];
        else known.intents.push({ ...intent });
      }
      known.entities = [...(known.entities ?? []), ...(model.entities ?? [])];
    }
    const key =
      records
        .map((r) => `${r.name}@${r.version}`)
        .sort()
        .join(',') || 'demo';
    let nlu = this.nluCache.get(key);
    if (!nlu) {
      const models = [...byLanguage.values()];
      nlu = Nlu.train(models.length > 0 ? models : DEMO_INTENT_MODELS);
      this.nluCache.set(key, nlu);
      nlu.catch(() => this.nluCache.delete(key));
    }
    return nlu;
  }

  private async scriptFor(definition: AgentDefinitionDocument): Promise<ScriptTree | undefined> {
    if (!definition.script) return undefined;
    const record = await this.options.documents.latest('script', definition.script);
    if (!record) {
      this.options.logger?.warn(
        { script: definition.script },
        'agent names a script that does not exist',
      );
      return undefined;
    }
    const r = validateScriptTree(record.document);
    return r.ok ? r.value : undefined;
  }

  private llmFor(definition: AgentDefinitionDocument): LanguageModel | undefined {
    const own = definition.providers?.llm;
    if (!own) return this.options.llm;
    const env = this.options.env ?? process.env;
    const baseUrl =
      own.baseUrl ?? (own.preset ? LLM_PRESETS[own.preset as keyof typeof LLM_PRESETS] : undefined);
    if (!baseUrl || !own.model) return this.options.llm;
    return new OpenAiCompatibleLlm({
      baseUrl,
      model: own.model,
      apiKey: own.apiKeyEnv ? env[own.apiKeyEnv] : undefined,
      temperature: own.temperature,
      ...(own.preset === 'azure'
        ? { azure: { apiVersion: env.SWITCHBOARD_LLM_API_VERSION ?? '2024-10-21' } }
        : {}),
    });
  }

  private toolsFor(definition: AgentDefinitionDocument): Tool[] {
    const names = definition.tools.filter((t): t is string => typeof t === 'string');
    const defaults = ['update_claim', 'transfer_to_human', 'end_call'];
    const tools = builtInTools(names.length > 0 ? names : defaults);
    for (const tool of definition.tools) if (typeof tool !== 'string') tools.push(httpTool(tool));
    return tools;
  }

  private knowledgeFor(
    agentId: string,
    version: number,
    definition: AgentDefinitionDocument,
  ): KnowledgeBase | undefined {
    if (!definition.knowledge?.length) return undefined;
    const key = `${agentId}@${version}`;
    let kb = this.knowledgeCache.get(key);
    if (!kb) {
      kb = new KnowledgeBase();
      for (const doc of definition.knowledge) kb.add(doc);
      this.knowledgeCache.set(key, kb);
    }
    return kb;
  }
}
