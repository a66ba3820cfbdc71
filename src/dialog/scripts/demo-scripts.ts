/**
 * The demo tenant's script trees, in en-US and zh-CN. Their intents are the demo NLU's
 * (`greeting`, `goodbye`, `affirm`, `deny`, `repeat`, `human`, `file_claim`, `claim_status`,
 * `policy_question`, `complaint`) plus the sales objections `too_expensive`, `not_interested`
 * and `busy`. The claim fields collected are the demo claim schema's (`fullName`,
 * `policyNumber`, `incidentDate`, `location`); `{{vars.…}}` values are filled by the agent.
 */
import type { ScriptTree } from './script-tree.js';

const L = (en: string, zh: string) => ({ 'en-US': en, 'zh-CN': zh });

/** The questions the service line answers from its menu, wherever the caller is in it. */
const SERVICE_MENU = {
  file_claim: 'claim_intro',
  claim_status: 'status',
  policy_question: 'policy',
};

/**
 * The insurance service line: a greeting menu (file a claim, a claim's status, a policy
 * question), the claim's fields collected one by one and confirmed, `human` and very negative
 * sentiment to a person, a complaint answered once and then transferred, `goodbye` to the end.
 */
export const DEMO_SERVICE_SCRIPT: ScriptTree = {
  name: 'demo-service',
  languages: ['en-US', 'zh-CN'],
  start: 'greet',
  global: { human: 'agent', goodbye: 'bye' },
  objections: {
    complaint: {
      lines: L(
        "I'm sorry to hear that. I've noted your complaint, and a supervisor will review it.",
        '非常抱歉给您带来不便。我已记录您的投诉，主管会尽快处理。',
      ),
      maxTimes: 1,
    },
  },
  nodes: [
    {
      id: 'greet',
      lines: L(
        'Thank you for calling Switchboard Insurance. I can help you file a claim, check on a claim, or answer a question about your policy. What can I do for you?',
        '您好，欢迎致电Switchboard保险。我可以帮您报案理赔、查询理赔进度或解答保单问题。请问有什么可以帮您？',
      ),
      expect: { ...SERVICE_MENU, greeting: 'menu' },
      sentimentTransferBelow: -0.6,
    },
    {
      id: 'menu',
      lines: L(
        'What can I help you with: a new claim, the status of a claim, or your policy?',
        '请问您需要报案理赔、查询理赔进度，还是咨询保单？',
      ),
      expect: SERVICE_MENU,
      sentimentTransferBelow: -0.6,
    },
    {
      id: 'claim_intro',
      lines: L(
        "I'm sorry that happened. I'll take a few details for your claim.",
        '很抱歉发生这样的事，我来为您登记几项理赔信息。',
      ),
      next: 'claim_name',
    },
    {
      id: 'claim_name',
      lines: L('What is your full name?', '请问您的全名是？'),
      collect: 'fullName',
      next: 'claim_policy',
    },
    {
      id: 'claim_policy',
      lines: L(
        'What is your policy number? It starts with P O L.',
        '请问您的保单号是多少？保单号以POL开头。',
      ),
      collect: 'policyNumber',
      next: 'claim_date',
      retryLines: L(
        'Sorry, that does not look like a policy number.',
        '抱歉，这好像不是有效的保单号。',
      ),
    },
    {
      id: 'claim_date',
      lines: L('On what date did it happen?', '事故是哪一天发生的？'),
      collect: 'incidentDate',
      next: 'claim_location',
    },
    {
      id: 'claim_location',
      lines: L('Where did it happen?', '事故发生在哪里？'),
      collect: 'location',
      next: 'claim_confirm',
    },
    {
      id: 'claim_confirm',
      lines: L(
        'Thank you, {{claim.fullName}}. Policy {{claim.policyNumber}}, on {{claim.incidentDate}}, at {{claim.location}}. Is that right?',
        '{{claim.fullName}}，谢谢。保单号{{claim.policyNumber}}，{{claim.incidentDate}}在{{claim.location}}发生事故。以上信息正确吗？',
      ),
      expect: { affirm: 'claim_done', deny: 'claim_fix' },
    },
    {
      id: 'claim_done',
      lines: L(
        'Your claim is filed. Your reference number is {{vars.claimReference}}.',
        '您的理赔已登记，报案号是{{vars.claimReference}}。',
      ),
      next: 'anything_else',
    },
    {
      id: 'claim_fix',
      lines: L(
        'Let me connect you with a colleague who can correct the details with you.',
        '我为您转接人工客服，由同事帮您更正信息。',
      ),
      transfer: true,
    },
    {
      id: 'status',
      lines: L(
        'Your latest claim, {{vars.claimReference}}, is {{vars.claimStatus}}.',
        '您最近的理赔{{vars.claimReference}}目前状态为：{{vars.claimStatus}}。',
      ),
      next: 'anything_else',
    },
    {
      id: 'policy',
      lines: L(
        'Your policy documents list what is covered and your excess. An advisor can go through your cover with you. Shall I connect you?',
        '您的保单条款列明了保障范围和免赔额。顾问可以为您详细讲解。需要为您转接吗？',
      ),
      expect: { affirm: 'agent', deny: 'anything_else' },
    },
    {
      id: 'anything_else',
      lines: L('Is there anything else I can help with?', '请问还有其他可以帮您的吗？'),
      expect: { ...SERVICE_MENU, affirm: 'menu', deny: 'bye' },
    },
    {
      id: 'agent',
      lines: L(
        'Please hold while I connect you with a colleague.',
        '请稍候，正在为您转接人工客服。',
      ),
      transfer: true,
    },
    {
      id: 'bye',
      lines: L('Thank you for calling. Goodbye.', '感谢您的来电，再见。'),
      end: true,
    },
  ],
};

/**
 * A short outbound sales pitch: ask for a minute, pitch, send a quote by email or call back
 * later. `too_expensive` is answered twice in place, `not_interested` once before a polite
 * goodbye, `busy` jumps to booking a callback.
 */
export const DEMO_SALES_SCRIPT: ScriptTree = {
  name: 'demo-sales',
  languages: ['en-US', 'zh-CN'],
  start: 'intro',
  global: { human: 'agent', goodbye: 'bye' },
  objections: {
    too_expensive: {
      lines: L(
        'I understand. Most families pay less than they do today, and the first month is free.',
        '理解您的顾虑。大多数家庭换过来后保费更低，而且首月免费。',
      ),
    },
    not_interested: {
      lines: L(
        'I understand. It only takes a minute, and there is no obligation.',
        '理解。只需占用您一分钟，没有任何义务。',
      ),
      maxTimes: 1,
      onExhausted: 'bye',
    },
    busy: {
      lines: L("No problem, I won't keep you.", '没关系，不打扰您了。'),
      next: 'callback',
    },
  },
  nodes: [
    {
      id: 'intro',
      lines: L(
        'Hello, this is Mia from Switchboard Insurance. We have a home cover plan that could lower what you pay. Do you have a minute?',
        '您好，我是Switchboard保险的小米。我们有一款家庭财产保险，可能帮您节省保费。您现在方便聊一分钟吗？',
      ),
      expect: { affirm: 'pitch', deny: 'callback' },
    },
    {
      id: 'pitch',
      lines: L(
        'The plan covers fire, theft and water damage from {{vars.monthlyPrice}} a month, with no excess on your first claim. Shall I send you a quote?',
        '这款保险保障火灾、盗窃和水渍损失，每月仅需{{vars.monthlyPrice}}，首次理赔无免赔额。需要我给您发一份报价吗？',
      ),
      expect: { affirm: 'quote', deny: 'last_try' },
    },
    {
      id: 'last_try',
      lines: L(
        'Could I send you our brochure instead, so you can compare at your own pace?',
        '那我给您发一份产品手册，您可以慢慢比较，好吗？',
      ),
      expect: { affirm: 'quote', deny: 'bye' },
    },
    {
      id: 'quote',
      lines: L('Great. What email address should I send it to?', '好的。请问发送到哪个电子邮箱？'),
      collect: 'email',
      next: 'close',
    },
    {
      id: 'close',
      lines: L(
        "Thank you. It's on its way to {{claim.email}}. Have a nice day!",
        '谢谢，已发送到{{claim.email}}。祝您生活愉快！',
      ),
      end: true,
    },
    {
      id: 'callback',
      lines: L('When would be a good time to call you back?', '请问什么时候方便再给您回电？'),
      collect: 'callbackTime',
      next: 'callback_done',
    },
    {
      id: 'callback_done',
      lines: L(
        'Thank you, we will call you back {{claim.callbackTime}}. Goodbye.',
        '谢谢，我们会在{{claim.callbackTime}}给您回电。再见。',
      ),
      end: true,
    },
    {
      id: 'agent',
      lines: L('Let me connect you with an advisor.', '我为您转接保险顾问。'),
      transfer: true,
    },
    {
      id: 'bye',
      lines: L('Thank you for your time. Goodbye.', '感谢您的时间，再见。'),
      end: true,
    },
  ],
};
