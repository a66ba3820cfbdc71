import { describe, expect, it } from 'vitest';
import { ScriptRunner, type ScriptInput } from './script-runner.js';
import { renderPlaceholders, type ScriptTree } from './script-tree.js';
import { validateScriptTree } from './validate-script-tree.js';

const L = (en: string, zh: string) => ({ 'en-US': en, 'zh-CN': zh });
const turn = (intent: string, extra: Partial<ScriptInput> = {}): ScriptInput => ({
  intent,
  score: 0.9,
  text: intent,
  ...extra,
});

/** A tree exercising every rule; validated so the tests cannot drift from what the validator allows. */
function tree(): ScriptTree {
  const t: ScriptTree = {
    name: 'test',
    languages: ['en-US', 'zh-CN'],
    start: 'greet',
    global: { human: 'agent', goodbye: 'bye' },
    objections: {
      too_expensive: { lines: L('It is cheap.', '很便宜。') },
      busy: { lines: L('No problem.', '没关系。'), next: 'callback' },
      not_interested: { lines: L('Just a minute?', '就一分钟？'), maxTimes: 1, onExhausted: 'bye' },
    },
    nodes: [
      {
        id: 'greet',
        lines: L('Hello, interested?', '您好，有兴趣吗？'),
        expect: { affirm: 'intro', deny: 'bye', '*': 'other' },
        sentimentTransferBelow: -0.6,
      },
      { id: 'intro', lines: L('Great.', '太好了。'), next: 'ask' },
      {
        id: 'ask',
        lines: L('Your policy number?', '您的保单号？'),
        collect: 'policyNumber',
        next: 'confirm',
        retries: 1,
        onNoMatch: 'bye',
        objections: { too_expensive: { lines: L('Free today.', '今天免费。'), next: 'bye' } },
      },
      {
        id: 'confirm',
        lines: L('Policy {{claim.policyNumber}}, right?', '保单{{claim.policyNumber}}，对吗？'),
        expect: { affirm: 'bye', deny: 'ask' },
        retryLines: L('Yes or no?', '是还是不是？'),
      },
      { id: 'other', lines: L('Anything else?', '还有别的吗？'), expect: { deny: 'bye' } },
      { id: 'callback', lines: L('When?', '什么时候？'), collect: 'callbackTime', next: 'bye' },
      { id: 'agent', lines: L('Connecting you.', '正在转接。'), transfer: true },
      { id: 'bye', lines: L('Goodbye.', '再见。'), end: true },
    ],
  };
  const r = validateScriptTree(t);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return t;
}

describe('ScriptRunner', () => {
  it('starts at the start node and follows expect, through nodes that expect nothing', () => {
    const r = new ScriptRunner(tree(), { language: 'en-US' });
    expect(r.start()).toEqual({ nodeId: 'greet', say: ['Hello, interested?'], reason: 'start' });
    expect(r.next(turn('affirm'))).toEqual({
      nodeId: 'ask',
      say: ['Great.', 'Your policy number?'],
      collect: 'policyNumber',
      reason: 'expect',
    });
    expect(r.state.visited).toEqual(['greet', 'intro', 'ask']);
  });

  it('speaks the requested language, else the primary subtag, else the first language', () => {
    expect(new ScriptRunner(tree(), { language: 'zh-CN' }).start().say).toEqual([
      '您好，有兴趣吗？',
    ]);
    expect(new ScriptRunner(tree(), { language: 'zh-TW' }).start().say).toEqual([
      '您好，有兴趣吗？',
    ]);
    expect(new ScriptRunner(tree(), { language: 'zh' }).language).toBe('zh-CN');
    expect(new ScriptRunner(tree(), { language: 'en-GB' }).language).toBe('en-US');
    expect(new ScriptRunner(tree(), { language: 'fr-FR' }).start().say).toEqual([
      'Hello, interested?',
    ]);
  });

  it('takes "*" for any recognised intent but not for the fallback', () => {
    const r = new ScriptRunner(tree(), { language: 'en-US' });
    r.start();
    expect(r.next(turn('None'))).toMatchObject({ nodeId: 'greet', reason: 'no-match' });
    expect(r.next(turn('weather'))).toMatchObject({ nodeId: 'other', reason: 'wildcard' });
  });

  it('repeats the line on "repeat" without counting a retry', () => {
    const r = new ScriptRunner(tree(), { language: 'en-US' });
    r.start();
    r.next(turn('affirm'));
    expect(r.next(turn('repeat'))).toEqual({
      nodeId: 'ask',
      say: ['Your policy number?'],
      collect: 'policyNumber',
      reason: 'repeat',
    });
    expect(r.repeat().say).toEqual(['Your policy number?']);
    expect(r.state.retries).toBe(0);
  });

  it('retries with the default line, then goes to onNoMatch', () => {
    const r = new ScriptRunner(tree(), { language: 'zh-CN' });
    r.start();
    r.next(turn('affirm'));
    // ask: retries 1, onNoMatch bye.
    expect(r.next(turn('None'))).toEqual({
      nodeId: 'ask',
      say: ['抱歉，我没听清。', '您的保单号？'],
      collect: 'policyNumber',
      reason: 'no-match',
    });
    expect(r.state.retries).toBe(1);
    expect(r.next(turn('None'))).toEqual({
      nodeId: 'bye',
      say: ['再见。'],
      action: 'end',
      reason: 'retries-exhausted',
    });
  });

  it('retries with the node retryLines, an unexpected intent counting too; default 2 retries then the transfer node', () => {
    const r = new ScriptRunner(tree(), {
      language: 'en-US',
      state: { nodeId: 'confirm', retries: 0, objectionCounts: {}, visited: ['confirm'] },
    });
    expect(r.next(turn('file_claim')).say).toEqual(['Yes or no?', 'Policy, right?']);
    expect(r.next(turn('None')).reason).toBe('no-match');
    expect(r.next(turn('None'))).toEqual({
      nodeId: 'agent',
      say: ['Connecting you.'],
      action: 'transfer',
      reason: 'retries-exhausted',
    });
  });

  it('moves the retries back to zero on a new node', () => {
    const r = new ScriptRunner(tree(), { language: 'en-US' });
    r.start();
    r.next(turn('None'));
    expect(r.state.retries).toBe(1);
    r.next(turn('affirm'));
    expect(r.state).toMatchObject({ nodeId: 'ask', retries: 0 });
  });

  it('answers an objection and stays, then transfers once it is exhausted (default maxTimes 2)', () => {
    const r = new ScriptRunner(tree(), { language: 'en-US' });
    r.start();
    const stay = {
      nodeId: 'greet',
      say: ['It is cheap.', 'Hello, interested?'],
      reason: 'objection',
    };
    expect(r.next(turn('too_expensive'))).toEqual(stay);
    expect(r.next(turn('too_expensive'))).toEqual(stay);
    expect(r.state.objectionCounts).toEqual({ too_expensive: 2 });
    expect(r.next(turn('too_expensive'))).toEqual({
      nodeId: 'agent',
      say: ['Connecting you.'],
      action: 'transfer',
      reason: 'objection-exhausted',
    });
  });

  it('answers an objection and jumps, and goes to onExhausted when it has one', () => {
    const r = new ScriptRunner(tree(), { language: 'en-US' });
    r.start();
    expect(r.next(turn('not_interested')).say).toEqual(['Just a minute?', 'Hello, interested?']);
    expect(r.next(turn('not_interested'))).toMatchObject({
      nodeId: 'bye',
      action: 'end',
      reason: 'objection-exhausted',
    });

    const j = new ScriptRunner(tree(), { language: 'zh-CN' });
    j.start();
    expect(j.next(turn('busy'))).toEqual({
      nodeId: 'callback',
      say: ['没关系。', '什么时候？'],
      collect: 'callbackTime',
      reason: 'objection',
    });
  });

  it("lets a node's objection override the tree's", () => {
    const r = new ScriptRunner(tree(), { language: 'en-US' });
    r.start();
    r.next(turn('affirm'));
    expect(r.next(turn('too_expensive'))).toMatchObject({
      nodeId: 'bye',
      say: ['Free today.', 'Goodbye.'],
    });
  });

  it('applies global intents on every node', () => {
    const r = new ScriptRunner(tree(), { language: 'en-US' });
    r.start();
    r.next(turn('affirm'));
    expect(r.next(turn('human'))).toEqual({
      nodeId: 'agent',
      say: ['Connecting you.'],
      action: 'transfer',
      reason: 'global',
    });
    // After leaving the script the runner says nothing more.
    expect(r.next(turn('affirm'))).toEqual({
      nodeId: 'agent',
      say: [],
      action: 'transfer',
      reason: 'finished',
    });
    expect(r.repeat()).toMatchObject({ say: [], reason: 'finished' });
  });

  it('transfers when the sentiment is below the node floor, not at or above it', () => {
    const r = new ScriptRunner(tree(), { language: 'en-US' });
    r.start();
    expect(r.next(turn('None', { sentiment: -0.6 })).reason).toBe('no-match');
    expect(r.next(turn('affirm', { sentiment: -0.61 }))).toEqual({
      nodeId: 'agent',
      say: ['Connecting you.'],
      action: 'transfer',
      reason: 'sentiment',
    });
  });

  it('goes to next on an accepted value and retries with the agent message on a refused one', () => {
    const r = new ScriptRunner(tree(), {
      language: 'en-US',
      render: (line) => renderPlaceholders(line, { claim: { policyNumber: 'POL123456' } }),
    });
    r.start();
    r.next(turn('affirm'));
    expect(
      r.next(turn('None', { text: 'P O L one' }), {
        accepted: false,
        message: 'That is too short.',
      }),
    ).toEqual({
      nodeId: 'ask',
      say: ['That is too short.', 'Your policy number?'],
      collect: 'policyNumber',
      reason: 'not-collected',
    });
    expect(r.next(turn('None', { text: 'POL123456' }), { accepted: true })).toEqual({
      nodeId: 'confirm',
      say: ['Policy POL123456, right?'],
      reason: 'collected',
    });
  });

  it('still honours an explicit intent on a collect node the agent did not accept', () => {
    const r = new ScriptRunner(tree(), { language: 'en-US' });
    r.start();
    r.next(turn('affirm'));
    expect(r.next(turn('goodbye'), { accepted: false })).toMatchObject({
      nodeId: 'bye',
      action: 'end',
      reason: 'global',
    });
  });

  it('resumes from a saved state and keeps counting where it left off', () => {
    const first = new ScriptRunner(tree(), { language: 'en-US' });
    first.start();
    first.next(turn('too_expensive'));
    first.next(turn('affirm'));
    first.next(turn('None'), { accepted: false });
    const saved = JSON.parse(JSON.stringify(first.state));
    expect(saved).toEqual({
      nodeId: 'ask',
      retries: 1,
      objectionCounts: { too_expensive: 1 },
      visited: ['greet', 'intro', 'ask'],
    });

    const second = new ScriptRunner(tree(), { language: 'en-US', state: saved });
    expect(second.start()).toEqual({
      nodeId: 'ask',
      say: ['Your policy number?'],
      collect: 'policyNumber',
      reason: 'resume',
    });
    // ask allows one retry, already used before the restart.
    expect(second.next(turn('None'))).toMatchObject({ nodeId: 'bye', reason: 'retries-exhausted' });
    // The saved object is not the runner's own.
    expect(saved.nodeId).toBe('ask');
  });

  it('refuses a saved state at a node the tree does not have', () => {
    expect(
      () =>
        new ScriptRunner(tree(), {
          language: 'en-US',
          state: { nodeId: 'gone', retries: 0, objectionCounts: {}, visited: [] },
        }),
    ).toThrow('unknown node "gone"');
  });

  it('leaves placeholders empty by default and tidies the spaces', () => {
    const r = new ScriptRunner(tree(), {
      language: 'en-US',
      state: { nodeId: 'confirm', retries: 0, objectionCounts: {}, visited: [] },
    });
    expect(r.start().say).toEqual(['Policy, right?']);
  });

  it('transfers without a line when the tree has no transfer node', () => {
    const t = tree();
    t.nodes = t.nodes.filter((n) => n.id !== 'agent');
    delete t.global;
    const r = new ScriptRunner(t, { language: 'en-US' });
    r.start();
    expect(r.next(turn('x', { sentiment: -1 }))).toEqual({
      nodeId: 'greet',
      say: [],
      action: 'transfer',
      reason: 'sentiment',
    });
    expect(r.state.finished).toBe('transfer');
  });

  it('hands over instead of spinning on a loop of nodes that never wait (unvalidated tree)', () => {
    const t: ScriptTree = {
      name: 'loop',
      languages: ['en-US'],
      start: 'a',
      nodes: [
        { id: 'a', lines: { 'en-US': 'A' }, next: 'b' },
        { id: 'b', lines: { 'en-US': 'B' }, next: 'a' },
      ],
    };
    const step = new ScriptRunner(t, { language: 'en-US' }).start();
    expect(step).toMatchObject({ action: 'transfer', reason: 'loop' });
    expect(step.say.length).toBe(3);
  });
});
