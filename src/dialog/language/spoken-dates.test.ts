import { describe, expect, it } from 'vitest';
import { formatDate, parseIsoInstant, type DateContext } from './calendar.js';
import { findSpokenDates, parseSpokenDate, parseSpokenDateTime } from './spoken-dates.js';

// Wednesday 11 March 2026, 10:00 UTC (18:00 in Shanghai).
const NOW = new Date('2026-03-11T10:00:00Z');
const UTC: DateContext = { now: NOW, timeZone: 'UTC' };
const SHANGHAI: DateContext = { now: NOW, timeZone: 'Asia/Shanghai' };

function day(text: string, context = UTC, language = 'en-US'): string | undefined {
  const date = parseSpokenDate(text, context, language);
  return date && formatDate(date);
}

describe('parseSpokenDate in English', () => {
  it.each([
    ['2026-03-05', '2026-03-05'],
    ['2026/3/5', '2026-03-05'],
    ['today', '2026-03-11'],
    ['yesterday', '2026-03-10'],
    ['Yesterday.', '2026-03-10'],
    ['it happened yesterday', '2026-03-10'],
    ['yesterday morning', '2026-03-10'],
    ['tomorrow', '2026-03-12'],
    ['the day before yesterday', '2026-03-09'],
    ['two days ago', '2026-03-09'],
    ['3 days ago', '2026-03-08'],
    ['a week ago', '2026-03-04'],
    ['a couple of days ago', '2026-03-09'],
    ['two weeks ago', '2026-02-25'],
    ['a month ago', '2026-02-11'],
    ['in two days', '2026-03-13'],
    ['last Friday', '2026-03-06'],
    ['on Friday', '2026-03-06'],
    ['Wednesday', '2026-03-11'],
    ['last Wednesday', '2026-03-04'],
    ['next Friday', '2026-03-13'],
    ['this Friday', '2026-03-13'],
    ['March 3rd', '2026-03-03'],
    ['March 3rd, 2026', '2026-03-03'],
    ['3 March 2026', '2026-03-03'],
    ['the third of March', '2026-03-03'],
    ['March the twenty first', '2026-03-21'],
    ['Mar 3 2025', '2025-03-03'],
    ['December 30', '2025-12-30'],
    ['29 February 2028', '2028-02-29'],
    ['March third twenty twenty six', '2026-03-03'],
    ['the first of May two thousand and twenty five', '2025-05-01'],
    ['November 19 nineteen ninety nine', '1999-11-19'],
    ['on the 5th', '2026-03-05'],
    ['the twentieth', '2026-02-20'],
    ['5th', '2026-03-05'],
    ['tonight', '2026-03-11'],
    ['this coming Friday', '2026-03-13'],
    ['this past Friday', '2026-03-06'],
    ['in a couple of days', '2026-03-13'],
    ['a few weeks ago', '2026-02-18'],
    ['last week', '2026-03-04'],
    ['sat', '2026-03-07'],
    ['Sept 12th 2025', '2025-09-12'],
    ['March twenty one', '2026-03-21'],
  ])('%s → %s', (text, expected) => {
    expect(day(text)).toBe(expected);
  });

  it('reads 3/5/2026 month first in the United States, day first elsewhere', () => {
    expect(day('3/5/2026', UTC, 'en-US')).toBe('2026-03-05');
    expect(day('3/5/2026', UTC, 'en-GB')).toBe('2026-05-03');
  });

  it.each([
    '',
    'banana',
    'February 30',
    '2026-02-30',
    '29 February 2026',
    'March',
    'soon',
    '5',
    'March third twenty',
    'one third of March',
  ])('refuses %j', (text) => {
    expect(day(text)).toBeUndefined();
  });
});

describe('parseSpokenDate in Chinese', () => {
  it.each([
    ['今天', '2026-03-11'],
    ['昨天', '2026-03-10'],
    ['是昨天。', '2026-03-10'],
    ['昨天下午', '2026-03-10'],
    ['前天', '2026-03-09'],
    ['大前天', '2026-03-08'],
    ['明天', '2026-03-12'],
    ['两天前', '2026-03-09'],
    ['3天前', '2026-03-08'],
    ['一个星期前', '2026-03-04'],
    ['3月5日', '2026-03-05'],
    ['3月5号', '2026-03-05'],
    ['三月五号', '2026-03-05'],
    ['十二月三十日', '2025-12-30'],
    ['2026年3月5日', '2026-03-05'],
    ['二零二五年十一月十九日', '2025-11-19'],
    ['5号', '2026-03-05'],
    ['20号', '2026-02-20'],
    // The previous Monday-to-Sunday week's Friday (this week began on Monday 9 March).
    ['上周五', '2026-03-06'],
    ['上星期三', '2026-03-04'],
    ['上个礼拜天', '2026-03-08'],
    ['这周一', '2026-03-09'],
    ['下周一', '2026-03-16'],
    ['周五', '2026-03-06'],
    ['星期三', '2026-03-11'],
    ['去年11月19日', '2025-11-19'],
    ['今年一月二号', '2026-01-02'],
    ['上个月5号', '2026-02-05'],
    ['这个月20号', '2026-03-20'],
    ['三天之前', '2026-03-08'],
    ['三个月前', '2025-12-11'],
    ['下下周三', '2026-03-25'],
    ['周7', '2026-03-08'],
    ['26年3月5日', '2026-03-05'],
    ['5日前', '2026-03-06'],
  ])('%s → %s', (text, expected) => {
    expect(day(text, UTC, 'zh-CN')).toBe(expected);
  });

  it.each(['香蕉', '2026年2月30日', '13月1日', '上个月31号'])('refuses %j', (text) => {
    expect(day(text, UTC, 'zh-CN')).toBeUndefined();
  });
});

describe('today is read in the caller time zone', () => {
  // 20:00 UTC on Wednesday is 04:00 on Thursday in Shanghai.
  const late = new Date('2026-03-11T20:00:00Z');

  it('yesterday in Shanghai is Wednesday', () => {
    expect(day('yesterday', { now: late, timeZone: 'Asia/Shanghai' })).toBe('2026-03-11');
    expect(day('昨天', { now: late, timeZone: 'Asia/Shanghai' }, 'zh-CN')).toBe('2026-03-11');
    expect(day('yesterday', { now: late, timeZone: 'UTC' })).toBe('2026-03-10');
  });

  it('takes the day of a full ISO timestamp in the zone', () => {
    expect(day('2026-03-05T20:00:00Z', SHANGHAI)).toBe('2026-03-06');
    expect(day('2026-03-05T20:00:00Z', UTC)).toBe('2026-03-05');
  });
});

describe('parseSpokenDateTime', () => {
  it.each([
    ['yesterday at 3pm', UTC, '2026-03-10T15:00:00Z'],
    ['yesterday at three pm', UTC, '2026-03-10T15:00:00Z'],
    ['March 3 at 3:30pm', UTC, '2026-03-03T15:30:00Z'],
    ['3 March 2026 15:45', UTC, '2026-03-03T15:45:00Z'],
    ["tomorrow 9 o'clock", UTC, '2026-03-12T09:00:00Z'],
    ['at noon', UTC, '2026-03-11T12:00:00Z'],
    ['12 am yesterday', UTC, '2026-03-10T00:00:00Z'],
    ['yesterday at 3pm', SHANGHAI, '2026-03-10T15:00:00+08:00'],
    ['昨天下午三点半', SHANGHAI, '2026-03-10T15:30:00+08:00'],
    ['3月5日上午10点30分', SHANGHAI, '2026-03-05T10:30:00+08:00'],
    ['前天晚上八点', SHANGHAI, '2026-03-09T20:00:00+08:00'],
    ['2026-03-05T10:00:00Z', SHANGHAI, '2026-03-05T18:00:00+08:00'],
    ['2026-03-05T10:00', SHANGHAI, '2026-03-05T10:00:00+08:00'],
    [
      'July 4 2026 at noon',
      { now: NOW, timeZone: 'America/New_York' },
      '2026-07-04T12:00:00-04:00',
    ],
    [
      'January 4 2026 at noon',
      { now: NOW, timeZone: 'America/New_York' },
      '2026-01-04T12:00:00-05:00',
    ],
  ])('%s (%o) → %s', (text, context, expected) => {
    expect(parseSpokenDateTime(text, context)).toBe(expected);
  });

  it('keeps the instant of ISO input', () => {
    const iso = parseSpokenDateTime('2026-03-05T10:00:00Z', SHANGHAI)!;
    expect(Date.parse(iso)).toBe(Date.parse('2026-03-05T10:00:00Z'));
  });

  it.each(['yesterday', 'March 3', '昨天', 'at 25:00', 'banana at 3pm', '2026-02-30T10:00'])(
    'refuses %j (no time of day, or no day)',
    (text) => {
      expect(parseSpokenDateTime(text, UTC)).toBeUndefined();
    },
  );
});

describe('parseIsoInstant', () => {
  it('reads a wall-clock time without offset in the zone', () => {
    expect(parseIsoInstant('2026-03-05T10:00:30', 'Asia/Shanghai')?.toISOString()).toBe(
      '2026-03-05T02:00:30.000Z',
    );
  });
});

describe('findSpokenDates in running text', () => {
  const today = { year: 2026, month: 3, day: 11 }; // a Wednesday

  function found(text: string, options = {}): Array<[string, string]> {
    return findSpokenDates(text, today, options).map((d) => [
      text.slice(d.start, d.end),
      formatDate(d.date),
    ]);
  }

  it('finds each date with its span', () => {
    expect(found('I paid on March 3rd, 2026 and again about two days ago.')).toEqual([
      ['two days ago', '2026-03-09'],
      ['March 3rd, 2026', '2026-03-03'],
    ]);
    expect(found('事故是去年11月19日发生的，三个月前报的案', 'zh-CN')).toEqual([
      ['去年11月19日', '2025-11-19'],
      ['三个月前', '2025-12-11'],
    ]);
  });

  it('reads a year said in words, and stops where the date stops', () => {
    expect(found('March 3rd twenty twenty six')).toEqual([
      ['March 3rd twenty twenty six', '2026-03-03'],
    ]);
    expect(found('on March 3rd two cars collided')).toEqual([['March 3rd', '2026-03-03']]);
    expect(found('one third of March')).toEqual([['third of March', '2026-03-03']]);
  });

  it('leaves out what means something else inside a sentence', () => {
    for (const text of [
      'see you Friday',
      'the 5th option',
      'they march ten miles',
      'I called last week',
      'weeks ago',
      '坐5号线',
      '请在5日前提交',
      '请在三月前提交',
      '周五见',
    ]) {
      expect(found(text), text).toEqual([]);
    }
  });

  it('reads "this Friday" as this week’s, or as the coming one when asked', () => {
    const saturday = { year: 2026, month: 3, day: 14 };
    const at = (options: object) =>
      findSpokenDates('this Friday', saturday, options).map((d) => formatDate(d.date));
    expect(at({})).toEqual(['2026-03-13']);
    expect(at({ thisWeekday: 'coming' })).toEqual(['2026-03-20']);
    // Chinese weeks are always Monday to Sunday.
    expect(findSpokenDates('这周五', saturday).map((d) => formatDate(d.date))).toEqual([
      '2026-03-13',
    ]);
  });
});
