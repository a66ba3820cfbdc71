import { describe, expect, it } from 'vitest';
import { DEMO_SALES_SCRIPT, DEMO_SERVICE_SCRIPT } from './demo-scripts.js';
import { validateScriptTree } from './validate-script-tree.js';
import { parse } from 'yaml';

const L = (en: string, zh: string) => ({ 'en-US': en, 'zh-CN': zh });

/** A small valid tree; each test breaks one thing in a copy, so it is typed loosely on purpose. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests write invalid shapes into it
function tree(): Record<string, any> {
  return {
    name: 'test',
    languages: ['en-US', 'zh-CN'],
    start: 'greet',
    global: { human: 'agent' },
    objections: { busy: { lines: L('No problem.', '没关系。'), next: 'bye' } },
    nodes: [
      {
        id: 'greet',
        lines: L('Hello {{vars.name}}, interested?', '您好{{vars.name}}，有兴趣吗？'),
        expect: { affirm: 'ask', deny: 'bye' },
      },
      {
        id: 'ask',
        lines: L('Your policy number?', '您的保单号？'),
        collect: 'policyNumber',
        next: 'bye',
      },
      { id: 'agent', lines: L('Connecting you.', '正在转接。'), transfer: true },
      { id: 'bye', lines: L('Goodbye.', '再见。'), end: true },
    ],
  };
}

function problemsOf(doc: unknown) {
  const r = validateScriptTree(doc);
  if (r.ok) throw new Error('expected problems');
  return r.problems;
}

describe('validateScriptTree', () => {
  it('accepts a valid tree and returns it', () => {
    const r = validateScriptTree(tree());
    expect(r).toEqual({ ok: true, value: tree() });
  });

  it('accepts both demo scripts', () => {
    expect(validateScriptTree(DEMO_SERVICE_SCRIPT)).toMatchObject({ ok: true });
    expect(validateScriptTree(DEMO_SALES_SCRIPT)).toMatchObject({ ok: true });
  });

  it('refuses a non-object', () => {
    expect(problemsOf([])).toEqual([{ path: '', message: 'a script tree must be an object' }]);
  });

  it('names a reference to an unknown node by node id and intent', () => {
    const t = tree();
    t.nodes[0].expect.affirm = 'x';
    expect(problemsOf(t)).toEqual([
      { path: 'nodes[greet].expect.affirm', message: 'points at unknown node "x"' },
      // `ask` was only reachable through that edge.
      { path: 'nodes[ask]', message: 'unreachable from start' },
    ]);
  });

  it('checks every other reference: start, global, objections, next, onNoMatch', () => {
    const t = tree();
    t.start = 'nowhere';
    t.global.human = 'gone';
    t.objections.busy.next = 'later';
    t.objections.busy.onExhausted = 'never';
    t.nodes[1].next = 'missing';
    t.nodes[1].onNoMatch = 'lost';
    t.nodes[0].objections = { too_expensive: { lines: L('a', 'b'), next: 'cheap' } };
    expect(problemsOf(t)).toEqual([
      { path: 'start', message: 'points at unknown node "nowhere"' },
      { path: 'global.human', message: 'points at unknown node "gone"' },
      { path: 'objections.busy.next', message: 'points at unknown node "later"' },
      { path: 'objections.busy.onExhausted', message: 'points at unknown node "never"' },
      {
        path: 'nodes[greet].objections.too_expensive.next',
        message: 'points at unknown node "cheap"',
      },
      { path: 'nodes[ask].next', message: 'points at unknown node "missing"' },
      { path: 'nodes[ask].onNoMatch', message: 'points at unknown node "lost"' },
    ]);
  });

  it('names a missing translation, an undeclared language and an unknown placeholder', () => {
    const t = tree();
    delete t.nodes[0].lines['zh-CN'];
    t.nodes[1].lines['fr-FR'] = 'Votre numéro ?';
    t.nodes[3].lines['en-US'] = 'Bye {{caller.name}}.';
    t.nodes[1].retryLines = { 'en-US': 'Again?' };
    t.objections.busy.lines = { 'zh-CN': '没关系。' };
    expect(problemsOf(t)).toEqual([
      { path: 'objections.busy.lines.en-US', message: 'missing the en-US translation' },
      { path: 'nodes[greet].lines.zh-CN', message: 'missing the zh-CN translation' },
      {
        path: 'nodes[ask].lines.fr-FR',
        message: '"fr-FR" is not one of the script\'s languages (en-US, zh-CN)',
      },
      { path: 'nodes[ask].retryLines.zh-CN', message: 'missing the zh-CN translation' },
      {
        path: 'nodes[bye].lines.en-US',
        message: 'unknown placeholder "{{caller.name}}"; use {{claim.field}} or {{vars.name}}',
      },
    ]);
  });

  it('names duplicate ids, bad ids and unknown keys', () => {
    const t = tree();
    t.nodes.push({ id: 'bye', lines: L('Again.', '再次。'), end: true });
    t.nodes.push({ id: 'Bad Id', lines: L('x', 'y'), end: true });
    t.nodes.push({ lines: L('x', 'y'), end: true });
    t.nodes[0].colour = 'blue';
    t.extra = 1;
    expect(problemsOf(t)).toEqual([
      { path: 'extra', message: 'unknown key' },
      { path: 'nodes[greet].colour', message: 'unknown key' },
      { path: 'nodes[bye].id', message: 'duplicate node id "bye" (nodes 3 and 4)' },
      {
        path: 'nodes[5].id',
        message: 'must be lower-case letters, digits, "_" or "-", starting with a letter or digit',
      },
      { path: 'nodes[6].id', message: 'is required' },
    ]);
  });

  it('names missing and mistyped fields of the header and nodes', () => {
    expect(
      problemsOf({ languages: [], nodes: [{ id: 'a', retries: -1, transfer: 'yes' }] }),
    ).toEqual([
      { path: 'name', message: 'is required' },
      { path: 'languages', message: 'must list at least one language' },
      { path: 'start', message: 'is required' },
      { path: 'nodes[a].lines', message: 'is required' },
      { path: 'nodes[a].retries', message: 'Too small: expected number to be >=0' },
      { path: 'nodes[a].transfer', message: 'Invalid input: expected boolean, received string' },
    ]);
  });

  it('finds dead ends and nodes whose settings a transfer or end would ignore', () => {
    const t = tree();
    t.nodes[0].expect = {};
    t.nodes[0].next = 'ask';
    t.nodes[2].expect = { affirm: 'bye' };
    t.nodes[3].transfer = true;
    t.nodes.push({ id: 'stuck', lines: L('Hm.', '嗯。') });
    t.nodes[1].expect = { affirm: 'stuck' };
    expect(problemsOf(t)).toEqual([
      {
        path: 'nodes[agent].expect',
        message: 'is never used: the call leaves the script at this node',
      },
      { path: 'nodes[bye].end', message: 'a node cannot both transfer and end' },
      {
        path: 'nodes[stuck]',
        message: 'dead end: the node needs expect, collect, next, transfer or end',
      },
    ]);
  });

  it('needs next after a collect, and refuses "*" there and an expect on the fallback intent', () => {
    const t = tree();
    delete t.nodes[1].next;
    t.nodes[1].expect = { '*': 'bye', None: 'bye', deny: 'bye' };
    expect(problemsOf(t)).toEqual([
      {
        path: 'nodes[ask].next',
        message: 'is required: where the call goes once the value is collected',
      },
      {
        path: 'nodes[ask].expect.*',
        message: 'a collect node cannot take "*": it would swallow every answer',
      },
      {
        path: 'nodes[ask].expect.None',
        message: 'the fallback intent counts as a retry; use onNoMatch',
      },
    ]);
  });

  it('refuses globals and objections on intents the runner handles, and objections a global hides', () => {
    const t = tree();
    t.global.repeat = 'greet';
    t.global.busy = 'bye';
    t.objections.None = { lines: L('a', 'b') };
    expect(problemsOf(t)).toEqual([
      {
        path: 'objections.None',
        message: '"None" is handled by the runner and cannot be an objection',
      },
      { path: 'global.repeat', message: '"repeat" is handled by the runner and cannot be global' },
      { path: 'objections.busy', message: 'is never used: global.busy handles this intent first' },
    ]);
  });

  it('finds a loop of nodes that never wait for the caller', () => {
    const t = tree();
    t.nodes[0].expect.affirm = 'loop_a';
    t.nodes.push({ id: 'loop_a', lines: L('a', 'a'), next: 'loop_b' });
    t.nodes.push({ id: 'loop_b', lines: L('b', 'b'), next: 'loop_a' });
    expect(problemsOf(t)).toEqual([
      {
        path: 'nodes[loop_a].next',
        message: 'loops without waiting for the caller (loop_a → loop_b → loop_a)',
      },
      { path: 'nodes[ask]', message: 'unreachable from start' },
    ]);
  });

  it('counts the implicit transfer (retries, objections, sentiment) as reaching the transfer node', () => {
    const t = tree();
    delete t.global;
    // Only the default onNoMatch leads to `agent` now: still reachable.
    expect(validateScriptTree(t)).toMatchObject({ ok: true });
    t.nodes.push({ id: 'orphan', lines: L('x', 'y'), end: true });
    expect(problemsOf(t)).toEqual([{ path: 'nodes[orphan]', message: 'unreachable from start' }]);
  });

  it('names a duplicate language', () => {
    const t = tree();
    t.languages = ['en-US', 'zh-CN', 'en-US'];
    expect(problemsOf(t)).toEqual([
      { path: 'languages[2]', message: 'duplicate language "en-US"' },
    ]);
  });
});

describe('validateScriptTree on YAML', () => {
  it('takes a tree written in YAML and names its problems the same way', () => {
    const doc = parse(`
name: yaml-tree
languages: [en-US, zh-CN]
start: greet
nodes:
  - id: greet
    lines:
      en-US: Hello, shall we start?
      zh-CN: 您好，开始吗？
    expect:
      affirm: bye
      deny: byee
  - id: bye
    lines: { en-US: Goodbye., zh-CN: 再见。 }
    end: true
`);
    expect(problemsOf(doc)).toEqual([
      { path: 'nodes[greet].expect.deny', message: 'points at unknown node "byee"' },
    ]);
  });
});
