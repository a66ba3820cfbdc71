import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IntentModel } from './intent-model.js';
import { Nlu } from './nlu.js';

const BILLING: IntentModel = {
  language: 'en-US',
  intents: [
    {
      name: 'pay_bill',
      utterances: [
        'I want to pay my bill',
        'pay my invoice',
        'make a payment',
        'settle my balance',
      ],
    },
    {
      name: 'opening_hours',
      utterances: ['when are you open', 'what are your opening hours', 'are you open on sunday'],
    },
    {
      name: 'cancel',
      utterances: ['cancel my subscription', 'I want to cancel', 'stop my plan', 'end my contract'],
    },
  ],
  entities: [
    { name: 'plate', regex: '\\b([A-Z]{2}-\\d{3})\\b' },
    { name: 'vehicle', values: { car: ['auto', 'sedan'], motorbike: ['motorcycle', 'bike'] } },
  ],
};

const ZH: IntentModel = {
  language: 'zh-CN',
  threshold: 0.6,
  fallbackIntent: 'unknown',
  intents: [
    { name: 'pay_bill', utterances: ['我要交费', '缴纳账单', '我想付款', '帮我交一下费用'] },
    { name: 'cancel', utterances: ['我要退订', '取消我的套餐', '不想续了', '帮我注销'] },
  ],
  entities: [{ name: 'vehicle', values: { car: ['汽车', '小车'], motorbike: ['摩托车'] } }],
};

describe('Nlu', () => {
  it('trains per language and classifies unseen phrasings', async () => {
    const nlu = await Nlu.train([BILLING, ZH]);
    expect(nlu.languages()).toEqual(['en-US', 'zh-CN']);
    const r = await nlu.parse('I would like to pay the bill please');
    expect(r).toMatchObject({ language: 'en-US', intent: 'pay_bill', fallback: false });
    expect(r.score).toBeGreaterThan(0.5);
    expect((await nlu.parse('please cancel my contract', 'en-US')).intent).toBe('cancel');
    expect((await nlu.parse('我想取消套餐', 'zh-CN')).intent).toBe('cancel');
  });

  it('picks the model by tag, then primary subtag, else the first', async () => {
    const nlu = await Nlu.train([BILLING, ZH]);
    expect((await nlu.parse('我要交费', 'zh-TW')).language).toBe('zh-CN');
    expect((await nlu.parse('pay my bill', 'en-GB')).language).toBe('en-US');
    expect((await nlu.parse('pay my bill', 'fr-FR')).language).toBe('en-US');
  });

  it('falls back below the threshold, with the model fallback name and its score', async () => {
    const nlu = await Nlu.train([BILLING, ZH]);
    const r = await nlu.parse('purple elephants dance quietly');
    expect(r).toMatchObject({ intent: 'None', fallback: true });
    expect(r.score).toBeLessThan(0.5);
    const zh = await nlu.parse('今天天气怎么样', 'zh-CN');
    expect(zh).toMatchObject({ intent: 'unknown', fallback: true });
    const empty = await nlu.parse('   ');
    expect(empty).toMatchObject({ intent: 'None', fallback: true, score: 0 });
  });

  it('falls back when most content words were never trained, whatever the score', async () => {
    const nlu = await Nlu.train([BILLING, ZH]);
    // "I want to ..." is in the training data; "order", "pizza", "tonight" are not.
    const r = await nlu.parse('I want to order a pizza tonight');
    expect(r).toMatchObject({ intent: 'None', fallback: true });
    expect((await nlu.parse('I want to pay a bill tonight')).intent).toBe('pay_bill');
    expect((await nlu.parse('帮我订一张机票', 'zh-CN')).fallback).toBe(true);
  });

  it('a higher threshold turns a weak match into the fallback', async () => {
    const strict = await Nlu.train([{ ...BILLING, threshold: 1 }]);
    const loose = await Nlu.train([{ ...BILLING, threshold: 0 }]);
    const text = 'open payment';
    const a = await strict.parse(text);
    const b = await loose.parse(text);
    expect(a.score).toBe(b.score);
    expect(a.score).toBeLessThan(1);
    expect(a.fallback).toBe(true);
    expect(b.fallback).toBe(false);
  });

  it('finds custom regex and enum entities, ahead of built-ins, with sentiment', async () => {
    const nlu = await Nlu.train([BILLING, ZH]);
    const r = await nlu.parse('My sedan AB-123 and a Motorcycle, I paid $120 — thank you!');
    expect(r.entities).toEqual([
      { type: 'vehicle', text: 'sedan', value: 'car', start: 3, end: 8 },
      { type: 'plate', text: 'AB-123', value: 'AB-123', start: 9, end: 15 },
      { type: 'vehicle', text: 'Motorcycle', value: 'motorbike', start: 22, end: 32 },
      { type: 'amount', text: '$120', value: 120, start: 41, end: 45 },
    ]);
    expect(r.sentiment.label).toBe('positive');
    // "bike" inside "motorbike" is not a separate match; whole words only in Latin text.
    expect((await nlu.parse('my motorbikes')).entities).toEqual([]);
    const zh = await nlu.parse('我的小车被撞了', 'zh-CN');
    expect(zh.entities).toEqual([
      { type: 'vehicle', text: '小车', value: 'car', start: 2, end: 4 },
    ]);
  });

  it('reads relative dates with the configured clock and zone', async () => {
    const nlu = await Nlu.train([BILLING], {
      now: () => new Date('2026-03-01T02:00:00Z'),
      timeZone: 'America/New_York',
    });
    const r = await nlu.parse('I paid yesterday');
    // 02:00 UTC on 1 March is still 28 February in New York.
    expect(r.entities).toEqual([
      { type: 'date', text: 'yesterday', value: '2026-02-27', start: 7, end: 16 },
    ]);
  });

  it('refuses invalid models, none at all, and two for one tag', async () => {
    await expect(Nlu.train([])).rejects.toThrow(/at least one/);
    await expect(
      Nlu.train([{ language: 'en', intents: [{ name: 'x', utterances: [] }] }]),
    ).rejects.toThrow('intents[x].utterances: needs at least one utterance');
    await expect(Nlu.train([BILLING, { ...BILLING }])).rejects.toThrow(/two intent models/);
  });

  it('never writes a model file', async () => {
    const file = path.join(process.cwd(), 'model.nlp');
    expect(existsSync(file)).toBe(false);
    await Nlu.train([BILLING, ZH]);
    expect(existsSync(file)).toBe(false);
  });
});
