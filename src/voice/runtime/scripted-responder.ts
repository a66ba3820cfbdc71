/**
 * A responder that follows a small script of keyword rules: the stand-in for the dialog engine
 * (flows, NLU, LLM agents arrive with the dialog issue), and what the built-in `demo` agent and
 * the speech tests talk to. It answers in the conversation's language, offline.
 */
import type { Responder, ResponderAction, UserTurn } from '../session/types.js';

/** One rule: when the caller's words match, say `reply` (and maybe act). */
export interface ScriptRule {
  /** Matched case-insensitively against the turn's text. */
  when: RegExp;
  reply: string;
  action?: ResponderAction;
}

/** A scripted conversation. */
export interface Script {
  greeting?: string;
  rules: ScriptRule[];
  /** When no rule matches; `{text}` is replaced by what the caller said. */
  otherwise: string;
}

/** The built-in demo agent's script (English). */
export const DEMO_SCRIPT: Script = {
  greeting: 'Hello, this is the Switchboard demo agent. How can I help you?',
  rules: [
    {
      when: /\bweather\b/i,
      reply: 'It is sunny and warm today. Is there anything else I can do for you?',
    },
    { when: /\b(agent|person|human|operator)\b/i, reply: 'Let me find a person for you.' },
    {
      when: /\b(bye|goodbye|that is all|nothing else)\b/i,
      reply: 'Thank you for calling. Goodbye.',
      action: { type: 'hangup', reason: 'caller-done' },
    },
  ],
  otherwise: 'You said: {text}. Tell me more, or ask about the weather.',
};

/** See the module comment. */
export class ScriptedResponder implements Responder {
  constructor(private readonly script: Script) {}

  greeting(): string | undefined {
    return this.script.greeting;
  }

  async respond(turn: UserTurn): Promise<{ text: string; action?: ResponderAction }> {
    const rule = this.script.rules.find((r) => r.when.test(turn.text));
    if (rule) return { text: rule.reply, ...(rule.action ? { action: rule.action } : {}) };
    return { text: this.script.otherwise.replace('{text}', turn.text) };
  }
}
