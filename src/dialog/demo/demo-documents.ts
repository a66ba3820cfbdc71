/**
 * The demo tenant's dialog documents: the bilingual IVR on 2000 (1 the AI claims agent, 2 a
 * queue — a spoken placeholder until queues exist — 9 the menu again), the offline insurance
 * claims agent (name, policy number, incident date, location; speech or keypad; no key
 * needed), a service agent that follows the demo script tree, the demo intents in English and
 * Mandarin and the demo script trees. Written once, with the rest of the demo tenant.
 */
import type { Repositories } from '../../store/index.js';
import { DEMO_CLAIM_SCHEMA, type ClaimSchema } from '../claims/index.js';
import type { Flow } from '../flows/flow-schema.js';
import { DEMO_INTENT_MODELS } from '../nlu/index.js';
import { DEMO_SALES_SCRIPT, DEMO_SERVICE_SCRIPT } from '../scripts/index.js';

/** The demo IVR's name (the 2000 rule's flow). */
export const DEMO_IVR_NAME = 'demo-ivr';
/** The offline claims agent the IVR's option 1 reaches. */
export const DEMO_CLAIMS_AGENT = 'claims';

/** The bilingual demo IVR. */
export const DEMO_IVR: Flow = {
  name: DEMO_IVR_NAME,
  language: 'en-US',
  steps: [
    { id: 'welcome', say: { text: 'Welcome to Switchboard Insurance.', language: 'en-US' } },
    {
      id: 'welcome-zh',
      say: {
        text: '欢迎致电Switchboard保险。理赔请按1，人工服务请按2，重听请按9。',
        language: 'zh-CN',
      },
    },
    {
      id: 'main-menu',
      menu: {
        prompt:
          'To file a claim with our assistant, press 1. To speak to an agent, press 2. To hear this again, press 9.',
        // The targets are named after the demo intents, so "the assistant" or "an agent" said
        // (or typed) instead of a key picks the same option.
        options: { '1': 'menu_agent', '2': 'menu_queue', '9': 'welcome' },
        retries: 3,
        fallback: 'goodbye',
      },
    },
    { id: 'menu_agent', agent: { agentId: DEMO_CLAIMS_AGENT } },
    // The agent asked for a person (no transfer target in the demo): the queue, which today
    // says no one is available and goes back to the menu.
    {
      id: 'after-agent',
      if: {
        conditions: [{ when: { variable: 'agent.transfer', eq: true }, next: 'menu_queue' }],
        else: 'agent-done',
      },
    },
    { id: 'agent-done', hangup: { reason: 'agent-finished' } },
    { id: 'menu_queue', enqueue: { queue: 'support', priority: 5, fallback: 'back-to-menu' } },
    { id: 'back-to-menu', goto: { next: 'main-menu' } },
    { id: 'goodbye', say: { text: 'Thank you for calling. Goodbye.', language: 'en-US' } },
    { id: 'end', hangup: { reason: 'menu-fallback' } },
  ],
};

/** The demo claim, with prompts that say how to use the keypad. */
const DEMO_PHONE_CLAIM: ClaimSchema = {
  ...DEMO_CLAIM_SCHEMA,
  fields: DEMO_CLAIM_SCHEMA.fields.map((field) => {
    if (field.name === 'policyNumber') {
      return {
        ...field,
        prompt: {
          'en-US':
            'What is your policy number? It starts with P O L. You can key in its six digits, then press hash.',
          'zh-CN': '请告诉我您的保单号，以POL开头。也可以在键盘上输入六位数字，再按井号键。',
        },
      };
    }
    if (field.name === 'incidentDate') {
      return {
        ...field,
        prompt: {
          'en-US':
            'On what date did it happen? You can say it, or key in the year, month and day as eight digits, then press hash.',
          'zh-CN': '请问事故是哪天发生的？可以直接说，也可以输入八位数字的年月日，再按井号键。',
        },
      };
    }
    return field;
  }),
};

/** The offline insurance claims agent. */
export const DEMO_CLAIMS_AGENT_DOCUMENT = {
  name: 'Insurance claims assistant',
  description: 'Collects a claim: name, policy number, incident date and location. Works offline.',
  language: 'en-US',
  languages: ['en-US', 'zh-CN'],
  greeting: {
    'en-US': 'Hello, I am the claims assistant. I will take the details of your claim.',
    'zh-CN': '您好，我是理赔助手，我来为您登记理赔信息。',
  },
  resumeGreeting: {
    'en-US':
      'Welcome back. We were in the middle of your claim, so let us continue where we left off.',
    'zh-CN': '欢迎回来，我们接着刚才的理赔继续。',
  },
  systemPrompt:
    'You are the claims assistant of Switchboard Insurance. Collect the claim politely and briefly.',
  claim: DEMO_PHONE_CLAIM,
  confirmClaim: true,
  tools: ['update_claim', 'transfer_to_human', 'end_call'],
  transfer: { onRequest: true, sentimentBelow: -0.6, afterFailedTurns: 3 },
  callbackWindowMin: 180,
};

/** A service agent that follows the demo service script tree (claims, status, policy questions). */
export const DEMO_SERVICE_AGENT_DOCUMENT = {
  name: 'Insurance service line',
  language: 'en-US',
  languages: ['en-US', 'zh-CN'],
  script: DEMO_SERVICE_SCRIPT.name,
  claim: DEMO_CLAIM_SCHEMA,
  transfer: { onRequest: true, sentimentBelow: -0.6, afterFailedTurns: 3 },
};

/** Every demo document, by kind and name. */
export const DEMO_DIALOG_DOCUMENTS: Array<{
  kind: 'flow' | 'agent' | 'intents' | 'script';
  name: string;
  document: unknown;
}> = [
  ...DEMO_INTENT_MODELS.map((model) => ({
    kind: 'intents' as const,
    name: `demo-${model.language.split('-')[0]!.toLowerCase()}`,
    document: model,
  })),
  { kind: 'script', name: DEMO_SERVICE_SCRIPT.name, document: DEMO_SERVICE_SCRIPT },
  { kind: 'script', name: DEMO_SALES_SCRIPT.name, document: DEMO_SALES_SCRIPT },
  { kind: 'agent', name: DEMO_CLAIMS_AGENT, document: DEMO_CLAIMS_AGENT_DOCUMENT },
  { kind: 'agent', name: 'service', document: DEMO_SERVICE_AGENT_DOCUMENT },
  { kind: 'flow', name: DEMO_IVR_NAME, document: DEMO_IVR },
];

/** Writes the demo documents (inside the demo tenant's transaction). */
export async function writeDemoDialogDocuments(
  tx: Pick<Repositories, 'dialogDocuments'>,
): Promise<void> {
  for (const { kind, name, document } of DEMO_DIALOG_DOCUMENTS) {
    await tx.dialogDocuments.put(kind, name, document, { comment: 'demo tenant' });
  }
}
