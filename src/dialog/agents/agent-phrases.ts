/** What an agent says on its own, in English and Mandarin (the claim and transfer phrases). */

/** The agent's own phrases in one language. */
export interface AgentPhrases {
  transferring: string;
  transferringUpset: string;
  transferringStuck: string;
  cannotHelp: string;
  goodbye: string;
  claimFiled: (reference: string) => string;
  letsCorrect: string;
  yesOrNo: string;
  notValid: string;
  welcomeBack: string;
  readBack: (claim: string) => string;
  claimStatusOpen: string;
  llmTrouble: string;
}

const EN: AgentPhrases = {
  transferring: 'Of course. Let me connect you with a colleague.',
  transferringUpset: "I'm sorry about this. Let me connect you with a colleague who can help.",
  transferringStuck: "I'm having trouble understanding. Let me connect you with a colleague.",
  cannotHelp: "Sorry, I can't help with that here.",
  goodbye: 'Thank you for calling. Goodbye.',
  claimFiled: (reference) => `Your claim is filed. Your reference is ${spell(reference)}.`,
  letsCorrect: "Let's correct that.",
  yesOrNo: 'Please say yes or no, or press 1 for yes and 2 for no.',
  notValid: "Sorry, that doesn't look right",
  welcomeBack: 'Welcome back. Let us continue where we left off.',
  readBack: (claim) => `I have ${claim}. Is that correct? Say yes, or press 1.`,
  claimStatusOpen: 'being reviewed',
  llmTrouble: 'Sorry, I am having trouble right now.',
};

const ZH: AgentPhrases = {
  transferring: '好的，我为您转接人工客服。',
  transferringUpset: '非常抱歉，我为您转接人工客服。',
  transferringStuck: '抱歉，我没能理解您的意思，为您转接人工客服。',
  cannotHelp: '抱歉，这个问题我暂时无法处理。',
  goodbye: '感谢您的来电，再见。',
  claimFiled: (reference) => `您的理赔已登记，报案号是${reference}。`,
  letsCorrect: '好的，我们来更正一下。',
  yesOrNo: '请回答是或不是，或者按1表示是，按2表示不是。',
  notValid: '抱歉，这个信息好像不对',
  welcomeBack: '欢迎回来，我们接着刚才的继续。',
  readBack: (claim) => `我记录的信息是：${claim}。请问正确吗？正确请说是，或按1。`,
  claimStatusOpen: '审核中',
  llmTrouble: '抱歉，系统暂时出现问题。',
};

/** Letters and digits of a reference spaced out, so a synthesiser reads them one by one. */
function spell(reference: string): string {
  return reference.split('').join(' ');
}

/** The phrases for a BCP 47 language (Chinese variants → Mandarin, anything else → English). */
export function agentPhrases(language: string): AgentPhrases {
  return /^(zh|cmn)/i.test(language) ? ZH : EN;
}
