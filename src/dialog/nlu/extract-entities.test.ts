import { describe, expect, it } from 'vitest';
import { extractEntities } from './extract-entities.js';
import type { NluEntity } from './nlu-result.js';

// A Wednesday.
const now = new Date('2026-03-11T10:00:00Z');
const opts = { now, timeZone: 'UTC' };

function found(text: string, language = 'en-US'): Array<[string, string, string | number]> {
  return extractEntities(text, language, opts).map((e) => [e.type, e.text, e.value]);
}

describe('extractEntities: numbers', () => {
  it('reads digits, separators, decimals and scales', () => {
    expect(found('1,234.5 and 42 and 3 thousand and 2.5 million')).toEqual([
      ['number', '1,234.5', 1234.5],
      ['number', '42', 42],
      ['number', '3 thousand', 3000],
      ['number', '2.5 million', 2_500_000],
    ]);
  });

  it('reads English number words without gluing digits said one by one', () => {
    expect(found('twenty three, one hundred and five, a thousand, twenty-one')).toEqual([
      ['number', 'twenty three', 23],
      ['number', 'one hundred and five', 105],
      ['number', 'a thousand', 1000],
      ['number', 'twenty-one', 21],
    ]);
    expect(found('four one five')).toEqual([
      ['number', 'four', 4],
      ['number', 'one', 1],
      ['number', 'five', 5],
    ]);
    expect(found('three point five')).toEqual([['number', 'three point five', 3.5]]);
    expect(found('two thousand twenty six')).toEqual([['number', 'two thousand twenty six', 2026]]);
    // Ordinals are not counts.
    expect(found('the third option')).toEqual([]);
  });

  it('reads Chinese numerals, colloquial forms and digit runs', () => {
    expect(found('二十三，两百，一千零五，三百五，一万五，十五，两万三千', 'zh-CN')).toEqual([
      ['number', '二十三', 23],
      ['number', '两百', 200],
      ['number', '一千零五', 1005],
      ['number', '三百五', 350],
      ['number', '一万五', 15000],
      ['number', '十五', 15],
      ['number', '两万三千', 23000],
    ]);
    expect(found('3万辆，三点五', 'zh-CN')).toEqual([
      ['number', '3万', 30000],
      ['number', '三点五', 3.5],
    ]);
  });

  it('skips Chinese words that only look like numbers', () => {
    expect(found('请再说一遍，帮我查一下，万一不行，周一，十分感谢，千万别挂', 'zh-CN')).toEqual(
      [],
    );
    expect(found('等了十分钟', 'zh-CN')).toEqual([['number', '十', 10]]);
  });

  it('folds full-width digits but reports the original text', () => {
    expect(extractEntities('１２３个', 'zh-CN', opts)).toEqual([
      { type: 'number', text: '１２３', value: 123, start: 0, end: 3 },
    ]);
  });
});

describe('extractEntities: phone numbers', () => {
  it('reads E.164 and national forms', () => {
    expect(found('call +44 20 7946 0958 or (415) 555-2671 or 415.555.2671')).toEqual([
      ['phone', '+44 20 7946 0958', '+442079460958'],
      ['phone', '(415) 555-2671', '4155552671'],
      ['phone', '415.555.2671', '4155552671'],
    ]);
    expect(found('0044 20 7946 0958')).toEqual([['phone', '0044 20 7946 0958', '+442079460958']]);
  });

  it('reads digits said one by one, with double and oh', () => {
    expect(found('it is four one five, double five five, two six seven oh')).toEqual([
      ['phone', 'four one five, double five five, two six seven oh', '4155552670'],
    ]);
  });

  it('reads Chinese mobile numbers in digits and in characters', () => {
    expect(found('我的电话是13812345678，或者幺三八一二三四五六七八', 'zh-CN')).toEqual([
      ['phone', '13812345678', '13812345678'],
      ['phone', '幺三八一二三四五六七八', '13812345678'],
    ]);
  });

  it('leaves short numbers and long serials alone', () => {
    expect(found('room 123456')).toEqual([['number', '123456', 123456]]);
    expect(found('1234567890123456789').map(([type]) => type)).toEqual(['number']);
  });
});

describe('extractEntities: e-mail', () => {
  it('lower-cases the address', () => {
    expect(found('mail John.Doe+claims@Example.co.uk please')).toEqual([
      ['email', 'John.Doe+claims@Example.co.uk', 'john.doe+claims@example.co.uk'],
    ]);
    expect(found('邮箱是wang@qq.com', 'zh-CN')).toEqual([['email', 'wang@qq.com', 'wang@qq.com']]);
  });
});

describe('extractEntities: amounts', () => {
  it('reads currency symbols, words and cents', () => {
    expect(found('$120.50, €3k, 120 dollars, fifty bucks, five dollars and fifty cents')).toEqual([
      ['amount', '$120.50', 120.5],
      ['amount', '€3k', 3000],
      ['amount', '120 dollars', 120],
      ['amount', 'fifty bucks', 50],
      ['amount', 'five dollars and fifty cents', 5.5],
    ]);
    expect(found('about 2,500 euros')).toEqual([['amount', '2,500 euros', 2500]]);
  });

  it('reads Chinese amounts', () => {
    expect(found('三百块，300元，1.5万元，五块五，人民币两千元，3000多块钱', 'zh-CN')).toEqual([
      ['amount', '三百块', 300],
      ['amount', '300元', 300],
      ['amount', '1.5万元', 15000],
      ['amount', '五块五', 5.5],
      ['amount', '人民币两千元', 2000],
      ['amount', '3000多块钱', 3000],
    ]);
  });
});

describe('extractEntities: dates', () => {
  it('reads ISO and English month-day forms, nearest year when none is said', () => {
    expect(found('2026-03-05, March 3, 3rd of March, the twenty first of May 2025')).toEqual([
      ['date', '2026-03-05', '2026-03-05'],
      ['date', 'March 3', '2026-03-03'],
      ['date', '3rd of March', '2026-03-03'],
      ['date', 'the twenty first of May 2025', '2025-05-21'],
    ]);
    // Said in March: December is last December, April is next month.
    expect(found('December 28 or April 2')).toEqual([
      ['date', 'December 28', '2025-12-28'],
      ['date', 'April 2', '2026-04-02'],
    ]);
  });

  it('refuses impossible dates', () => {
    expect(found('February 30').map(([type]) => type)).not.toContain('date');
    expect(found('2026-02-30').map(([type]) => type)).not.toContain('date');
  });

  it('reads English relative dates', () => {
    expect(
      found(
        'yesterday, today, tomorrow, the day before yesterday, last Friday, next Monday, this Friday, two days ago, a week ago',
      ),
    ).toEqual([
      ['date', 'yesterday', '2026-03-10'],
      ['date', 'today', '2026-03-11'],
      ['date', 'tomorrow', '2026-03-12'],
      ['date', 'the day before yesterday', '2026-03-09'],
      ['date', 'last Friday', '2026-03-06'],
      ['date', 'next Monday', '2026-03-16'],
      ['date', 'this Friday', '2026-03-13'],
      ['date', 'two days ago', '2026-03-09'],
      ['date', 'a week ago', '2026-03-04'],
    ]);
    expect(found('last Wednesday')).toEqual([['date', 'last Wednesday', '2026-03-04']]);
  });

  it('reads Chinese dates', () => {
    expect(found('2026年3月5日，3月5号，三月五号，二〇二五年十二月三十一日', 'zh-CN')).toEqual([
      ['date', '2026年3月5日', '2026-03-05'],
      ['date', '3月5号', '2026-03-05'],
      ['date', '三月五号', '2026-03-05'],
      ['date', '二〇二五年十二月三十一日', '2025-12-31'],
    ]);
    expect(found('昨天，前天，大前天，明天，上周五，这周一，下星期天，三天前', 'zh-CN')).toEqual([
      ['date', '昨天', '2026-03-10'],
      ['date', '前天', '2026-03-09'],
      ['date', '大前天', '2026-03-08'],
      ['date', '明天', '2026-03-12'],
      ['date', '上周五', '2026-03-06'],
      ['date', '这周一', '2026-03-09'],
      ['date', '下星期天', '2026-03-22'],
      ['date', '三天前', '2026-03-08'],
    ]);
  });

  it('reads the forms the claim normaliser reads, where a sentence leaves no doubt', () => {
    expect(
      found('it was three months ago, or March 3rd twenty twenty six, and I call back in two days'),
    ).toEqual([
      ['date', 'three months ago', '2025-12-11'],
      ['date', 'March 3rd twenty twenty six', '2026-03-03'],
      ['date', 'in two days', '2026-03-13'],
    ]);
    expect(found('去年11月19日，上个月5号，一年前', 'zh-CN')).toEqual([
      ['date', '去年11月19日', '2025-11-19'],
      ['date', '上个月5号', '2026-02-05'],
      ['date', '一年前', '2025-03-11'],
    ]);
    // A bare weekday or day number is left to the numbers: "see you Friday", "5号线".
    expect(found('see you Friday')).toEqual([]);
    expect(found('坐5号线', 'zh-CN')).toEqual([['number', '5', 5]]);
  });

  it('counts "today" in the caller’s zone', () => {
    const late = { now: new Date('2026-03-11T23:30:00Z'), timeZone: 'Asia/Shanghai' };
    expect(extractEntities('昨天', 'zh-CN', late)[0]!.value).toBe('2026-03-11');
  });
});

describe('extractEntities: order and policy ids', () => {
  it('reads order ids written and said', () => {
    expect(found('order ORD-12345, ord 777, order number 123456, order no. 4567')).toEqual([
      ['order_id', 'ORD-12345', 'ORD-12345'],
      ['order_id', 'ord 777', 'ORD-777'],
      ['order_id', '123456', '123456'],
      ['order_id', '4567', '4567'],
    ]);
    expect(found('order number is one two three four five six')).toEqual([
      ['order_id', 'one two three four five six', '123456'],
    ]);
    expect(found('订单号是 123456，订单编号：一二三四五六', 'zh-CN')).toEqual([
      ['order_id', '123456', '123456'],
      ['order_id', '一二三四五六', '123456'],
    ]);
  });

  it('reads policy ids written, spelled and after a keyword', () => {
    expect(found('POL-123456, pol 998877, PN 12345678')).toEqual([
      ['policy_id', 'POL-123456', 'POL-123456'],
      ['policy_id', 'pol 998877', 'POL998877'],
      ['policy_id', 'PN 12345678', 'PN12345678'],
    ]);
    expect(found('it is P O L one two three four five six')).toEqual([
      ['policy_id', 'P O L one two three four five six', 'POL123456'],
    ]);
    expect(found('P. N. 8 7 6 5 4 3 2 1')).toEqual([
      ['policy_id', 'P. N. 8 7 6 5 4 3 2 1', 'PN87654321'],
    ]);
    expect(found('policy number is 87654321')).toEqual([['policy_id', '87654321', '87654321']]);
    expect(found('我的保单号是POL123456，保单号：一二三四五六七八', 'zh-CN')).toEqual([
      ['policy_id', 'POL123456', 'POL123456'],
      ['policy_id', '一二三四五六七八', '12345678'],
    ]);
  });
});

describe('extractEntities: overlaps', () => {
  it('keeps one entity per span, in text order, with offsets into the text', () => {
    const text = 'On March 3 I paid $200 for order ORD-555; call 415 555 2671.';
    const entities: NluEntity[] = extractEntities(text, 'en', opts);
    expect(entities.map((e) => e.type)).toEqual(['date', 'amount', 'order_id', 'phone']);
    for (const e of entities) expect(text.slice(e.start, e.end)).toBe(e.text);
  });
});
