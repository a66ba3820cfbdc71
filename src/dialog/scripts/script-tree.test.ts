import { describe, expect, it } from 'vitest';
import {
  defaultRetryLine,
  pickLine,
  renderPlaceholders,
  resolveLanguage,
  transferNodeOf,
  type ScriptNode,
} from './script-tree.js';

describe('resolveLanguage and pickLine', () => {
  const langs = ['en-US', 'zh-CN'];

  it('matches exactly (any case), then by primary subtag, then falls back to the first', () => {
    expect(resolveLanguage(langs, 'ZH-cn')).toBe('zh-CN');
    expect(resolveLanguage(langs, 'zh-Hant-TW')).toBe('zh-CN');
    expect(resolveLanguage(langs, 'en')).toBe('en-US');
    expect(resolveLanguage(langs, 'es-ES')).toBe('en-US');
  });

  it('picks a line the same way, and says something from a half-translated map', () => {
    const lines = { 'en-US': 'Hi', 'zh-CN': '你好' };
    expect(pickLine(lines, 'zh-CN', langs)).toBe('你好');
    expect(pickLine(lines, 'zh-TW', langs)).toBe('你好');
    expect(pickLine(lines, 'de-DE', langs)).toBe('Hi');
    expect(pickLine({ 'zh-CN': '你好' }, 'en-US', langs)).toBe('你好');
    expect(pickLine({}, 'en-US', langs)).toBe('');
  });

  it('has a default retry line per language, English otherwise', () => {
    expect(defaultRetryLine('zh-CN')).toBe('抱歉，我没听清。');
    expect(defaultRetryLine('en-GB')).toBe("Sorry, I didn't get that.");
    expect(defaultRetryLine('fr-FR')).toBe("Sorry, I didn't get that.");
  });
});

describe('renderPlaceholders', () => {
  it('fills claim and vars values, with or without spaces inside the braces', () => {
    expect(
      renderPlaceholders('Hi {{ claim.fullName }}, ref {{vars.ref}}, {{vars.n}} items.', {
        claim: { fullName: 'Ana' },
        vars: { ref: 'R1', n: 0 },
      }),
    ).toBe('Hi Ana, ref R1, 0 items.');
  });

  it('leaves a missing value empty and tidies the spaces and punctuation around it', () => {
    expect(renderPlaceholders('Your reference is {{vars.ref}}.')).toBe('Your reference is.');
    expect(renderPlaceholders('Policy {{claim.p}} on {{claim.d}} , right?')).toBe(
      'Policy on, right?',
    );
    expect(renderPlaceholders('保单{{claim.p}}，对吗？')).toBe('保单，对吗？');
  });
});

describe('transferNodeOf', () => {
  const n = (id: string, transfer?: boolean): ScriptNode => ({
    id,
    lines: {},
    ...(transfer === undefined ? { end: true } : { transfer }),
  });

  it("prefers the human global's target when it transfers, else the first transfer node", () => {
    const nodes = [n('a'), n('t1', true), n('t2', true)];
    expect(transferNodeOf({ global: { human: 't2' }, nodes })).toBe('t2');
    expect(transferNodeOf({ global: { human: 'a' }, nodes })).toBe('t1');
    expect(transferNodeOf({ nodes })).toBe('t1');
    expect(transferNodeOf({ nodes: [n('a')] })).toBeUndefined();
  });
});
