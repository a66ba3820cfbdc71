/**
 * The agent without a language model: each caller turn is classified by the offline NLU and
 * then either walks the agent's script tree (话术树), filling claim fields at the nodes that
 * collect them, or — for an agent with a claim and no script — asks for each missing field in
 * turn, reads the claim back and asks for a yes. Keyed-in answers count too: 1 and 2 are yes
 * and no, digits fill numeric fields. Asking for a person, a very negative turn or too many
 * unusable turns in a row hands the caller over (the agent's transfer policy).
 */
import type { Responder, ResponderAction, UserTurn } from '../../voice/index.js';
import { labelFor, promptFor } from '../claims/index.js';
import type { IntentClassifier, NluResult } from '../nlu/index.js';
import {
  renderPlaceholders,
  ScriptRunner,
  type ScriptStep,
  type ScriptTree,
} from '../scripts/index.js';
import type { AgentConversation } from './agent-conversation.js';
import { localizedText, type AgentDefinitionDocument } from './agent-definition.js';
import { fillField } from './claim-input.js';
import { agentPhrases } from './agent-phrases.js';

/** Intents that steer the conversation rather than answer the question asked. */
const CONTROL_INTENTS = new Set(['human', 'repeat', 'goodbye', 'complaint']);
/** How sure the NLU must be before a control intent wins over a field's answer. */
const CONTROL_SCORE = 0.7;

/** Settings of an {@link OfflineResponder}. */
export interface OfflineResponderOptions {
  definition: AgentDefinitionDocument;
  conversation: AgentConversation;
  nlu: IntentClassifier;
  script?: ScriptTree;
}

/** A reply: text plus, perhaps, an action. */
type Reply = { text: string; action?: ResponderAction };

/** See the module comment. */
export class OfflineResponder implements Responder {
  private readonly runner?: ScriptRunner;
  /** The claim field the caller's next answer fills (from the script, or the collector). */
  private collecting?: string;
  private readonly opening: string;

  constructor(private readonly options: OfflineResponderOptions) {
    const { conversation, script } = options;
    if (script) {
      this.runner = new ScriptRunner(script, {
        language: conversation.language,
        state: conversation.memory.script,
        render: (line) => this.render(line),
      });
    }
    this.opening = this.composeOpening();
  }

  greeting(): string {
    return this.opening;
  }

  heard(reply: { index: number; text: string; fullText: string; interrupted: boolean }): void {
    this.options.conversation.heard(reply);
  }

  async respond(turn: UserTurn): Promise<Reply> {
    const { conversation } = this.options;
    const { reply, nlu } = await this.answer(turn);
    if (reply.action?.type === 'hangup') conversation.endRequested = true;
    await conversation.recordCallerTurn(turn, nlu, reply.action?.type);
    conversation.replied(reply.text, turn.index);
    return reply;
  }

  /** Decides the reply to a turn without recording it (the LLM agent's fallback records its own). */
  async answer(input: UserTurn): Promise<{ reply: Reply; nlu: NluResult }> {
    // Digits typed in a chat are the keypad's answer too (1 yes, 2 no, 123456 a number).
    const typedKeys = input.source !== 'dtmf' && /^[0-9*#]+$/.test(input.text.trim());
    const turn: UserTurn = typedKeys
      ? { ...input, text: input.text.trim().replace(/#$/, ''), source: 'dtmf' }
      : input;
    const nlu = await this.classify(turn);
    return { reply: this.decide(turn, nlu), nlu };
  }

  // ---- deciding ---------------------------------------------------------------------------

  private decide(turn: UserTurn, nlu: NluResult): Reply {
    const { definition, conversation } = this.options;
    const phrases = agentPhrases(conversation.language);
    const policy = definition.transfer;
    const control = CONTROL_INTENTS.has(nlu.intent) && nlu.score >= CONTROL_SCORE;
    if (control && nlu.intent === 'human' && policy.onRequest) {
      return this.transfer(phrases.transferring, 'caller-asked');
    }
    if (nlu.sentiment.score < policy.sentimentBelow) {
      return this.transfer(phrases.transferringUpset, 'sentiment');
    }
    const reply = this.runner
      ? this.scripted(turn, nlu, control)
      : this.collect(turn, nlu, control);
    if (conversation.memory.failedTurns >= policy.afterFailedTurns) {
      return this.transfer(phrases.transferringStuck, 'failed-turns');
    }
    return reply;
  }

  /** A turn through the script tree. */
  private scripted(turn: UserTurn, nlu: NluResult, control: boolean): Reply {
    const { conversation } = this.options;
    const runner = this.runner!;
    const field = this.collecting;
    let collected: { accepted: boolean; message?: string } | undefined;
    if (field && conversation.claim && !control) {
      const r = fillField(conversation.claim, field, turn, conversation.normaliseOptions());
      collected = { accepted: r.accepted, message: r.message && `${r.message}.` };
      if (r.accepted) conversation.move('collect');
    }
    const confirming = conversation.state === 'confirming';
    // A claim complete and read back: its yes is the confirmation.
    if (confirming && nlu.intent === 'affirm' && conversation.claim?.isComplete()) {
      conversation.claimConfirmed(this.claimReference());
    }
    const step = runner.next(
      {
        intent: nlu.intent,
        score: nlu.score,
        text: turn.text,
        entities: nlu.entities,
        sentiment: nlu.sentiment.score,
      },
      collected,
    );
    this.afterStep(step);
    const progressed =
      collected?.accepted === true ||
      (step.reason !== 'no-match' && step.reason !== 'not-collected');
    conversation.memory.failedTurns = progressed ? 0 : conversation.memory.failedTurns + 1;
    return this.fromStep(step);
  }

  /** Notes what a script step asks for next, and the state it puts the conversation in. */
  private afterStep(step: ScriptStep): void {
    const { conversation } = this.options;
    this.collecting = step.collect;
    conversation.memory.script = this.runner!.state;
    const claim = conversation.claim;
    if (step.collect && conversation.state === 'initiate') conversation.move('start');
    if (claim?.isComplete() && conversation.state === 'gathering' && !step.collect) {
      conversation.move('all-collected');
    }
  }

  private fromStep(step: ScriptStep): Reply {
    const text = step.say.join(' ');
    if (step.action === 'transfer') return this.transfer(text, 'script');
    if (step.action === 'end') return { text, action: { type: 'hangup', reason: 'script-end' } };
    return { text };
  }

  /** A turn of the script-less claim collector. */
  private collect(turn: UserTurn, nlu: NluResult, control: boolean): Reply {
    const { conversation } = this.options;
    const phrases = agentPhrases(conversation.language);
    const claim = conversation.claim;
    if (!claim) {
      conversation.memory.failedTurns++;
      return { text: phrases.cannotHelp };
    }
    if (control && nlu.intent === 'repeat') return { text: this.nextQuestion() };
    if (control && nlu.intent === 'goodbye') {
      return { text: phrases.goodbye, action: { type: 'hangup', reason: 'caller-goodbye' } };
    }
    if (conversation.state === 'confirming') {
      if (nlu.intent === 'affirm') {
        const reference = this.claimReference();
        conversation.claimConfirmed(reference);
        conversation.memory.failedTurns = 0;
        return {
          text: `${phrases.claimFiled(reference)} ${phrases.goodbye}`,
          action: { type: 'hangup', reason: 'claim-filed' },
        };
      }
      if (nlu.intent === 'deny') {
        // Which detail is wrong? A field named in the answer is asked again, else all of them.
        const named = claim.schema.fields.filter((f) =>
          turn.text.toLowerCase().includes(labelFor(f, conversation.language).toLowerCase()),
        );
        claim.set(
          Object.fromEntries(
            (named.length > 0 ? named : claim.schema.fields).map((f) => [f.name, null]),
          ),
          conversation.normaliseOptions(),
        );
        conversation.move('correction');
        this.collecting = claim.missing()[0];
        return { text: `${phrases.letsCorrect} ${this.nextQuestion()}` };
      }
      conversation.memory.failedTurns++;
      return { text: `${phrases.yesOrNo} ${this.readBack()}` };
    }
    const field = this.collecting ?? claim.missing()[0];
    if (!field) return this.confirmOrFinish();
    const r = fillField(claim, field, turn, conversation.normaliseOptions());
    if (!r.accepted) {
      conversation.memory.failedTurns++;
      return { text: `${r.message ?? phrases.notValid}. ${this.nextQuestion()}` };
    }
    conversation.memory.failedTurns = 0;
    if (conversation.state === 'initiate') conversation.move('start');
    conversation.move('collect');
    this.collecting = claim.missing()[0];
    if (this.collecting) return { text: this.nextQuestion() };
    return this.confirmOrFinish();
  }

  private confirmOrFinish(): Reply {
    const { conversation, definition } = this.options;
    const phrases = agentPhrases(conversation.language);
    conversation.move('all-collected');
    if (definition.confirmClaim) return { text: this.readBack() };
    const reference = this.claimReference();
    conversation.claimConfirmed(reference);
    return {
      text: `${phrases.claimFiled(reference)} ${phrases.goodbye}`,
      action: { type: 'hangup', reason: 'claim-filed' },
    };
  }

  // ---- phrasing ---------------------------------------------------------------------------

  /** The first words: a greeting, or on a call back a welcome back and where we were. */
  private composeOpening(): string {
    const { definition, conversation } = this.options;
    const phrases = agentPhrases(conversation.language);
    const language = conversation.language;
    const parts: string[] = [];
    if (conversation.resumed) {
      parts.push(localizedText(definition.resumeGreeting, language) ?? phrases.welcomeBack);
    } else {
      const greeting = localizedText(definition.greeting, language);
      if (greeting) parts.push(greeting);
    }
    if (this.runner) {
      const step = this.runner.start();
      this.afterStep(step);
      parts.push(...step.say);
    } else if (conversation.claim) {
      if (conversation.state === 'confirming') parts.push(this.readBack());
      else {
        this.collecting = conversation.claim.missing()[0];
        if (this.collecting) parts.push(this.nextQuestion());
        else parts.push(this.readBack());
      }
    }
    return parts.filter((p) => p !== '').join(' ');
  }

  private nextQuestion(): string {
    const { conversation } = this.options;
    const claim = conversation.claim;
    const field = this.collecting && claim?.schema.fields.find((f) => f.name === this.collecting);
    if (!field) return this.readBack();
    return promptFor(field, conversation.language);
  }

  private readBack(): string {
    const { conversation } = this.options;
    const phrases = agentPhrases(conversation.language);
    return phrases.readBack(conversation.claim?.describe(conversation.language) ?? '');
  }

  private transfer(text: string, reason: string): Reply {
    const target = this.options.definition.transfer.target;
    this.options.conversation.memory.transferReason = reason;
    return { text, action: { type: 'transfer', to: target } };
  }

  private claimReference(): string {
    const { conversation } = this.options;
    return conversation.memory.claimReference ?? `CLM${conversation.id.slice(-6).toUpperCase()}`;
  }

  private render(line: string): string {
    const { conversation } = this.options;
    return renderPlaceholders(line, {
      claim: conversation.claim?.values(),
      vars: {
        claimReference: this.claimReference(),
        claimStatus: agentPhrases(conversation.language).claimStatusOpen,
      },
    });
  }

  private async classify(turn: UserTurn): Promise<NluResult> {
    const language = this.options.conversation.language;
    if (turn.source === 'dtmf') return keyedIntent(turn.text, language);
    return this.options.nlu.parse(turn.text, language);
  }
}

/** Keys as intents: 1 yes, 2 no, 9 repeat, 0 a person; anything else is an answer. */
function keyedIntent(digits: string, language: string): NluResult {
  const intent = { '1': 'affirm', '2': 'deny', '9': 'repeat', '0': 'human' }[digits] ?? 'None';
  return {
    text: digits,
    language,
    intent,
    score: intent === 'None' ? 0 : 1,
    fallback: intent === 'None',
    entities: [],
    sentiment: { score: 0, label: 'neutral' },
  };
}
