import { describe, expect, it } from 'vitest';
import type { TimeWindow } from '../../store/index.js';
import {
  describeDays,
  describeWindow,
  isInsideWindow,
  isValidTimeZone,
  localTime,
  parseClock,
  timeWindowProblems,
} from './time-windows.js';

const WEEKDAYS = [1, 2, 3, 4, 5];
const shanghaiOffice: TimeWindow = {
  days: WEEKDAYS,
  start: '09:00',
  end: '18:00',
  timeZone: 'Asia/Shanghai',
};
const fridayNightUtc: TimeWindow = { days: [5], start: '22:00', end: '06:00' };
const newYorkNights: TimeWindow = {
  days: WEEKDAYS,
  start: '22:00',
  end: '06:00',
  timeZone: 'America/New_York',
};
const berlinDay: TimeWindow = { days: [], start: '09:00', end: '17:00', timeZone: 'Europe/Berlin' };
const eveningToMidnight: TimeWindow = { days: [], start: '18:00', end: '24:00' };
const allSaturday: TimeWindow = { days: [6], start: '00:00', end: '00:00' };
const saturdayNight: TimeWindow = { days: [6], start: '22:00', end: '06:00' };
const kolkataMorning: TimeWindow = {
  days: [],
  start: '09:00',
  end: '09:30',
  timeZone: 'Asia/Kolkata',
};

describe('localTime', () => {
  it.each<[iso: string, zone: string, day: number, clock: string]>([
    ['2026-11-20T01:30:00Z', 'Asia/Shanghai', 5, '09:30'], // Friday
    ['2026-11-20T01:30:00Z', 'UTC', 5, '01:30'],
    ['2026-11-20T01:30:00Z', 'America/Los_Angeles', 4, '17:30'], // still Thursday
    ['2026-11-22T16:30:00Z', 'Asia/Shanghai', 1, '00:30'], // Monday there, Sunday in UTC
    ['2026-11-20T00:00:00Z', 'UTC', 5, '00:00'], // midnight is 00, not 24
    ['2026-11-20T03:45:00Z', 'Asia/Kolkata', 5, '09:15'], // +05:30
    ['2026-11-20T03:45:00Z', 'Asia/Kathmandu', 5, '09:30'], // +05:45
    ['2026-01-15T08:00:00Z', 'Europe/Berlin', 4, '09:00'], // CET
    ['2026-07-15T07:00:00Z', 'Europe/Berlin', 3, '09:00'], // CEST
  ])('%s in %s → day %i %s', (iso, zone, day, clock) => {
    const t = localTime(new Date(iso), zone);
    expect(t.day).toBe(day);
    expect(t.minutes).toBe(parseClock(clock));
  });

  it('throws for an unknown zone', () => {
    expect(() => localTime(new Date(0), 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('isInsideWindow', () => {
  it.each<[label: string, window: TimeWindow, iso: string, expected: boolean]>([
    ['Shanghai office: Fri 09:30 local', shanghaiOffice, '2026-11-20T01:30:00Z', true],
    [
      'Shanghai office: Fri 09:00 local (start inclusive)',
      shanghaiOffice,
      '2026-11-20T01:00:00Z',
      true,
    ],
    ['Shanghai office: Fri 08:59 local', shanghaiOffice, '2026-11-20T00:59:00Z', false],
    ['Shanghai office: Fri 17:59 local', shanghaiOffice, '2026-11-20T09:59:00Z', true],
    [
      'Shanghai office: Fri 18:00 local (end exclusive)',
      shanghaiOffice,
      '2026-11-20T10:00:00Z',
      false,
    ],
    ['Shanghai office: Sat 09:30 local', shanghaiOffice, '2026-11-21T01:30:00Z', false],
    // Sunday 23:30Z is Monday 07:30 in Shanghai: outside hours though Monday is listed
    [
      'Shanghai office: Mon 07:30 local (Sun in UTC)',
      shanghaiOffice,
      '2026-11-22T23:30:00Z',
      false,
    ],
    // Monday 01:00Z is Monday 09:00 in Shanghai
    ['Shanghai office: Mon 09:00 local', shanghaiOffice, '2026-11-23T01:00:00Z', true],
    // Friday 09:30 UTC is Friday 17:30 in Shanghai: inside; the same UTC clock on Sunday is not
    ['Shanghai office: Fri 17:30 local', shanghaiOffice, '2026-11-20T09:30:00Z', true],
    ['Shanghai office: Sun 17:30 local', shanghaiOffice, '2026-11-22T09:30:00Z', false],

    ['Fri night UTC: Fri 23:00', fridayNightUtc, '2026-11-20T23:00:00Z', true],
    ['Fri night UTC: Fri 22:00 (start inclusive)', fridayNightUtc, '2026-11-20T22:00:00Z', true],
    ['Fri night UTC: Fri 21:59', fridayNightUtc, '2026-11-20T21:59:00Z', false],
    [
      'Fri night UTC: Sat 03:00 (early part belongs to Friday)',
      fridayNightUtc,
      '2026-11-21T03:00:00Z',
      true,
    ],
    ['Fri night UTC: Sat 05:59', fridayNightUtc, '2026-11-21T05:59:00Z', true],
    ['Fri night UTC: Sat 06:00 (end exclusive)', fridayNightUtc, '2026-11-21T06:00:00Z', false],
    [
      'Fri night UTC: Fri 03:00 (Thursday not listed)',
      fridayNightUtc,
      '2026-11-20T03:00:00Z',
      false,
    ],
    [
      'Fri night UTC: Sat 22:30 (Saturday not listed)',
      fridayNightUtc,
      '2026-11-21T22:30:00Z',
      false,
    ],

    ['Sat night: Sun 03:00 (week wraps)', saturdayNight, '2026-11-22T03:00:00Z', true],
    ['Sat night: Sun 07:00', saturdayNight, '2026-11-22T07:00:00Z', false],

    // America/New_York is UTC−5 in November
    ['NY nights: Fri 23:00 EST', newYorkNights, '2026-11-21T04:00:00Z', true],
    ['NY nights: Sat 05:00 EST (Friday night)', newYorkNights, '2026-11-21T10:00:00Z', true],
    ['NY nights: Sat 06:00 EST', newYorkNights, '2026-11-21T11:00:00Z', false],
    ['NY nights: Sat 23:00 EST', newYorkNights, '2026-11-22T04:00:00Z', false],
    [
      'NY nights: Mon 05:00 EST (Sunday night not listed)',
      newYorkNights,
      '2026-11-23T10:00:00Z',
      false,
    ],

    ['Berlin 09:00 in winter (08:00Z)', berlinDay, '2026-01-15T08:00:00Z', true],
    ['Berlin 08:00 in winter (07:00Z)', berlinDay, '2026-01-15T07:00:00Z', false],
    ['Berlin 09:00 in summer (07:00Z)', berlinDay, '2026-07-15T07:00:00Z', true],
    ['Berlin 08:30 in summer (06:30Z)', berlinDay, '2026-07-15T06:30:00Z', false],

    ['Kolkata 09:15 (+05:30)', kolkataMorning, '2026-11-20T03:45:00Z', true],
    ['Kolkata 09:30 (+05:30)', kolkataMorning, '2026-11-20T04:00:00Z', false],

    ['until 24:00: 23:59', eveningToMidnight, '2026-11-20T23:59:00Z', true],
    ['until 24:00: 00:00', eveningToMidnight, '2026-11-21T00:00:00Z', false],
    ['until 24:00: 17:59', eveningToMidnight, '2026-11-20T17:59:00Z', false],

    ['00:00–00:00 Sat: Sat 00:00', allSaturday, '2026-11-21T00:00:00Z', true],
    ['00:00–00:00 Sat: Sat 23:59', allSaturday, '2026-11-21T23:59:00Z', true],
    ['00:00–00:00 Sat: Sun 00:00', allSaturday, '2026-11-22T00:00:00Z', false],
    ['00:00–00:00 Sat: Fri 23:59', allSaturday, '2026-11-20T23:59:00Z', false],
  ])('%s → %s', (_label, window, iso, expected) => {
    expect(isInsideWindow(window, new Date(iso))).toBe(expected);
  });

  it('08:00–08:00 lasts 24 hours from the start day', () => {
    const w: TimeWindow = { days: [1], start: '08:00', end: '08:00' };
    expect(isInsideWindow(w, new Date('2026-11-23T08:00:00Z'))).toBe(true); // Mon 08:00
    expect(isInsideWindow(w, new Date('2026-11-24T07:59:00Z'))).toBe(true); // Tue 07:59
    expect(isInsideWindow(w, new Date('2026-11-24T08:00:00Z'))).toBe(false); // Tue 08:00
    expect(isInsideWindow(w, new Date('2026-11-23T07:59:00Z'))).toBe(false); // Mon 07:59
  });

  it('throws for malformed clocks and zones', () => {
    const at = new Date('2026-11-20T01:30:00Z');
    expect(() => isInsideWindow({ days: [], start: '9:00', end: '18:00' }, at)).toThrow(/HH:MM/);
    expect(() =>
      isInsideWindow({ days: [], start: '09:00', end: '18:00', timeZone: 'Nowhere' }, at),
    ).toThrow(RangeError);
  });
});

describe('describeWindow / describeDays', () => {
  it('describes windows', () => {
    expect(describeWindow(shanghaiOffice)).toBe('Mon–Fri 09:00–18:00 Asia/Shanghai');
    expect(describeWindow(fridayNightUtc)).toBe('Fri 22:00–06:00 UTC');
  });

  it.each<[number[], string]>([
    [[1, 2, 3, 4, 5], 'Mon–Fri'],
    [[0, 6], 'Sun, Sat'],
    [[6, 5], 'Fri, Sat'],
    [[1, 3, 4, 5], 'Mon, Wed–Fri'],
    [[0, 1, 2, 4], 'Sun–Tue, Thu'],
    [[2], 'Tue'],
    [[], 'every day'],
    [[0, 1, 2, 3, 4, 5, 6], 'every day'],
    [[1, 1, 2, 2, 3], 'Mon–Wed'],
  ])('%j → %s', (days, text) => {
    expect(describeDays(days)).toBe(text);
  });
});

describe('parseClock', () => {
  it.each<[string, boolean, number | undefined]>([
    ['00:00', false, 0],
    ['09:30', false, 570],
    ['23:59', false, 1439],
    ['24:00', true, 1440],
    ['24:00', false, undefined],
    ['24:01', true, undefined],
    ['9:30', false, undefined],
    ['09:60', false, undefined],
    ['0930', false, undefined],
    [' 09:30', false, undefined],
  ])('%j (end=%s) → %s', (text, isEnd, minutes) => {
    expect(parseClock(text, isEnd)).toBe(minutes);
  });
});

describe('timeWindowProblems', () => {
  it('accepts valid windows', () => {
    expect(timeWindowProblems(shanghaiOffice)).toEqual([]);
    expect(timeWindowProblems(eveningToMidnight)).toEqual([]);
    expect(timeWindowProblems({ days: [0, 6], start: '22:00', end: '06:00' })).toEqual([]);
  });

  it.each<[unknown, string[]]>([
    [null, ['']],
    [[], ['']],
    ['09:00-18:00', ['']],
    [{ start: '09:00', end: '18:00' }, ['days']],
    [{ days: [7], start: '09:00', end: '18:00' }, ['days']],
    [{ days: [-1], start: '09:00', end: '18:00' }, ['days']],
    [{ days: [1.5], start: '09:00', end: '18:00' }, ['days']],
    [{ days: ['1'], start: '09:00', end: '18:00' }, ['days']],
    [{ days: [1], start: '9:00', end: '18:00' }, ['start']],
    [{ days: [1], start: '24:00', end: '18:00' }, ['start']],
    [{ days: [1], start: '09:00', end: '25:00' }, ['end']],
    [{ days: [1], start: '09:00' }, ['end']],
    [{ days: [1], start: '09:00', end: '18:00', timeZone: 'Asia/Beijing' }, ['timeZone']],
    [{ days: [1], start: '09:00', end: '18:00', timeZone: '' }, ['timeZone']],
    [{ days: [1], start: '09:00', end: '18:00', timeZone: 8 }, ['timeZone']],
    [
      { days: 'weekdays', start: 'nine', end: 'six', timeZone: 'CST+8' },
      ['days', 'start', 'end', 'timeZone'],
    ],
  ])('%j → problems in %j', (window, fields) => {
    expect(timeWindowProblems(window).map((p) => p.field)).toEqual(fields);
  });

  it('knows IANA zones', () => {
    expect(isValidTimeZone('Asia/Shanghai')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isValidTimeZone('Asia/Beijing')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});
