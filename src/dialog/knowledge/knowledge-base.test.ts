import { describe, expect, it } from 'vitest';
import { KnowledgeBase, splitPassages } from './knowledge-base.js';

const ENGLISH = [
  {
    id: 'claims-docs',
    title: 'Documents for a car insurance claim',
    text:
      'To file a claim you need your policy number, a photo ID and the police report if there was one.\n\n' +
      'Photos of the damage help the adjuster. Repair estimates from two garages speed things up.',
  },
  {
    id: 'roadside',
    title: 'Roadside assistance',
    text: 'Roadside assistance tows your car to the nearest partner garage, day and night, at no cost.',
  },
  {
    id: 'billing',
    title: 'Paying your premium',
    text: 'Premiums are paid monthly by direct debit. You can change the payment date online.',
  },
];

const CHINESE = [
  {
    id: 'zh-claims',
    title: '车险理赔',
    language: 'zh-CN',
    text: '办理车险理赔时，请准备以下理赔材料：身份证、驾驶证、行驶证、保单号和事故证明。材料齐全后，理赔员会在三个工作日内联系您。',
  },
  {
    id: 'zh-billing',
    title: '保费缴纳',
    language: 'zh-CN',
    text: '保费可以按月缴纳，也可以按年缴纳。您可以在网上修改扣款日期。',
  },
  {
    id: 'zh-roadside',
    title: '道路救援',
    language: 'zh-CN',
    text: '道路救援服务全天候提供拖车服务，把您的车辆拖到最近的合作修理厂。',
  },
];

describe('KnowledgeBase', () => {
  it('finds the English passage a caller asks about, best first', () => {
    const kb = new KnowledgeBase();
    for (const doc of ENGLISH) kb.add(doc);
    expect(kb.size).toBe(3);
    const hits = kb.search('what documents do I need to file a claim?');
    expect(hits[0]!.docId).toBe('claims-docs');
    expect(hits[0]!.text).toMatch(/policy number, a photo ID/);
    expect(hits[0]!.score).toBeGreaterThan(0);
    const tow = kb.search('my car broke down, can you tow it?');
    expect(tow[0]!.docId).toBe('roadside');
    expect(tow.map((h) => h.score)).toEqual([...tow.map((h) => h.score)].sort((a, b) => b - a));
  });

  it('finds the Chinese passage about 理赔材料 from a Chinese question', () => {
    const kb = new KnowledgeBase();
    for (const doc of [...CHINESE, ...ENGLISH]) kb.add(doc);
    const hits = kb.search('理赔需要准备哪些材料？');
    expect(hits[0]!.docId).toBe('zh-claims');
    expect(hits[0]!.text).toContain('身份证');
    expect(kb.search('怎么修改扣款日期')[0]!.docId).toBe('zh-billing');
    expect(kb.search('车坏了需要拖车')[0]!.docId).toBe('zh-roadside');
  });

  it('returns nothing when no word matches, and honours the limit', () => {
    const kb = new KnowledgeBase();
    for (const doc of ENGLISH) kb.add(doc);
    expect(kb.search('zebra xylophone')).toEqual([]);
    expect(kb.search('garage car claim your', { limit: 1 })).toHaveLength(1);
    expect(new KnowledgeBase().search('anything')).toEqual([]);
  });

  it('replaces a document added again and forgets a removed one', () => {
    const kb = new KnowledgeBase();
    for (const doc of ENGLISH) kb.add(doc);
    kb.add({
      id: 'roadside',
      title: 'Roadside assistance',
      text: 'Call 24/7 for a replacement key.',
    });
    expect(kb.size).toBe(3);
    expect(kb.search('tow truck')).toEqual([]);
    expect(kb.search('replacement key')[0]!.docId).toBe('roadside');
    expect(kb.remove('roadside')).toBe(true);
    expect(kb.remove('roadside')).toBe(false);
    expect(kb.search('replacement key')).toEqual([]);
    expect(kb.size).toBe(2);
  });

  it('lets the title count for every passage of its document', () => {
    const kb = new KnowledgeBase();
    for (const doc of ENGLISH) kb.add(doc);
    expect(kb.search('premium')[0]!.docId).toBe('billing');
  });

  it('ranks a rare matching word above a common one (BM25 idf)', () => {
    const kb = new KnowledgeBase();
    kb.add({ id: 'a', title: 'A', text: 'car car car insurance' });
    kb.add({ id: 'b', title: 'B', text: 'car windscreen' });
    kb.add({ id: 'c', title: 'C', text: 'car rental' });
    expect(kb.search('car windscreen')[0]!.docId).toBe('b');
  });
});

describe('splitPassages', () => {
  it('keeps short paragraphs together and cuts long text between sentences near 80 words', () => {
    const sentence = 'This sentence has exactly ten words in it for counting. ';
    const text = `Heading\n\n${sentence.repeat(20)}\n\nShort closing paragraph.`;
    const passages = splitPassages(text);
    const words = passages.map((p) => p.split(/\s+/).length);
    expect(passages[0]!.startsWith('Heading This sentence')).toBe(true);
    expect(Math.max(...words)).toBeLessThanOrEqual(81);
    expect(passages.every((p) => /[.!?]$/.test(p))).toBe(true);
    expect(passages.join(' ').split(/\s+/).length).toBe(1 + 200 + 3);
  });

  it('cuts Chinese near 200 characters on sentence ends, without spaces', () => {
    const sentence = '理赔材料包括身份证驾驶证行驶证和事故证明以及维修发票。'; // 27 characters
    const passages = splitPassages(sentence.repeat(20));
    expect(passages.length).toBeGreaterThan(2);
    for (const p of passages) {
      expect([...p].length).toBeLessThanOrEqual(200);
      expect(p.endsWith('。')).toBe(true);
      expect(p).not.toContain(' ');
    }
    expect(passages.join('')).toBe(sentence.repeat(20));
  });

  it('cuts a sentence longer than a passage between words', () => {
    const passages = splitPassages(`${'word '.repeat(200).trim()}.`);
    expect(passages.map((p) => p.split(' ').length)).toEqual([80, 80, 40]);
  });
});
