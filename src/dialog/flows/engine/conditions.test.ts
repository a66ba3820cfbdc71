import { describe, expect, it } from 'vitest';
import { runTextFlow } from '../testing/run-text-flow.js';
import { callerAttribute, evaluateCondition, inWindow, localTime } from './conditions.js';

const context = { attributes: {}, variables: {} };

function hoursFlow(timeZone: string) {
  return {
    name: 'hours',
    steps: [
      {
        id: 'check',
        if: {
          conditions: [
            {
              when: {
                businessHours: {
                  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
                  start: '09:00',
                  end: '17:00',
                  timeZone,
                  holidays: ['2025-12-25'],
                },
              },
              next: 'open',
            },
          ],
          else: 'closed',
        },
      },
      { id: 'open', say: { text: 'open' } },
      { id: 'h', hangup: null },
      { id: 'closed', say: { text: 'closed' } },
    ],
  };
}

async function saidAt(iso: string, timeZone = 'Europe/Madrid'): Promise<string> {
  const run = runTextFlow(hoursFlow(timeZone), { runner: { now: () => new Date(iso) } });
  await run.done;
  return run.said().join();
}

describe('business hours in a flow', () => {
  it('is open in hours on a weekday (Madrid, summer time)', async () => {
    expect(await saidAt('2025-06-02T08:00:00Z')).toBe('open'); // Monday 10:00 in Madrid
    expect(await saidAt('2025-06-02T14:59:00Z')).toBe('open'); // 16:59
  });

  it('is closed out of hours and at the weekend', async () => {
    expect(await saidAt('2025-06-02T15:00:00Z')).toBe('closed'); // 17:00: end is exclusive
    expect(await saidAt('2025-06-02T06:59:00Z')).toBe('closed'); // 08:59
    expect(await saidAt('2025-06-07T10:00:00Z')).toBe('closed'); // Saturday
  });

  it('is closed on a holiday', async () => {
    expect(await saidAt('2025-12-25T10:00:00Z')).toBe('closed'); // Thursday 11:00, Christmas
    expect(await saidAt('2025-12-24T10:00:00Z')).toBe('open');
  });

  it('reads the clock in the flow’s time zone, not the server’s', async () => {
    // 08:00Z is 10:00 in Madrid but 04:00 in New York, and 17:00 in Tokyo.
    expect(await saidAt('2025-06-02T08:00:00Z', 'America/New_York')).toBe('closed');
    expect(await saidAt('2025-06-02T14:00:00Z', 'America/New_York')).toBe('open');
    expect(await saidAt('2025-06-02T01:00:00Z', 'Asia/Tokyo')).toBe('open');
    // Monday 01:00Z is still Sunday evening in New York.
    expect(await saidAt('2025-06-02T01:00:00Z', 'America/New_York')).toBe('closed');
  });
});

describe('time windows', () => {
  it('reads the local date, weekday and minutes across DST', () => {
    expect(localTime(new Date('2025-03-30T01:30:00Z'), 'Europe/Madrid')).toEqual({
      date: '2025-03-30',
      day: 'sun',
      minutes: 3 * 60 + 30,
    });
    expect(localTime(new Date('2025-01-01T00:30:00Z'))).toMatchObject({ day: 'wed', minutes: 30 });
  });

  it('a window crossing midnight belongs to the day it starts on', () => {
    const window = { start: '22:00', end: '02:00', days: ['fri' as const] };
    expect(inWindow({ date: '2025-06-06', day: 'fri', minutes: 23 * 60 }, window)).toBe(true);
    expect(inWindow({ date: '2025-06-07', day: 'sat', minutes: 60 }, window)).toBe(true);
    expect(inWindow({ date: '2025-06-06', day: 'fri', minutes: 60 }, window)).toBe(false);
    expect(inWindow({ date: '2025-06-07', day: 'sat', minutes: 2 * 60 }, window)).toBe(false);
    expect(inWindow({ date: '2025-06-07', day: 'sat', minutes: 23 * 60 }, window)).toBe(false);
  });

  it('time conditions default to UTC and honour days and zones', () => {
    const now = new Date('2025-06-02T23:30:00Z'); // Monday in UTC, Tuesday 01:30 in Madrid
    const night = { time: { start: '23:00', end: '06:00' } };
    expect(evaluateCondition(night, context, now)).toBe(true);
    const madridMonday = {
      time: { start: '23:00', end: '06:00', days: ['mon' as const], timeZone: 'Europe/Madrid' },
    };
    expect(evaluateCondition(madridMonday, context, now)).toBe(true);
    const madridTuesday = { time: { ...madridMonday.time, days: ['tue' as const] } };
    expect(evaluateCondition(madridTuesday, context, now)).toBe(false);
  });
});

describe('variable and caller conditions', () => {
  const now = new Date();
  const vars = {
    variables: { n: '7', tier: 'gold', flag: true, nested: { x: 1 } },
    attributes: {},
  };

  it('compares text and numbers loosely, and every operator given must hold', () => {
    expect(evaluateCondition({ variable: 'n', eq: 7 }, vars, now)).toBe(true);
    expect(evaluateCondition({ variable: 'n', gt: 5, lt: 8 }, vars, now)).toBe(true);
    expect(evaluateCondition({ variable: 'n', gt: 5, lt: 6 }, vars, now)).toBe(false);
    expect(evaluateCondition({ variable: 'flag', eq: 'true' }, vars, now)).toBe(true);
    expect(evaluateCondition({ variable: 'nested.x', in: [1, 2] }, vars, now)).toBe(true);
    expect(evaluateCondition({ variable: 'tier', ne: 'gold' }, vars, now)).toBe(false);
    expect(evaluateCondition({ variable: 'tier', gt: 1 }, vars, now)).toBe(false);
    expect(evaluateCondition({ variable: 'missing', ne: 'x' }, vars, now)).toBe(true);
    expect(evaluateCondition({ variable: 'missing', eq: '' }, vars, now)).toBe(false);
  });

  it('reads caller attributes, with number, called and anonymous from the context', () => {
    const ctx = { attributes: { country: 'ES' }, caller: '+34911', called: '+100' };
    expect(callerAttribute(ctx, 'country')).toBe('ES');
    expect(callerAttribute(ctx, 'number')).toBe('+34911');
    expect(callerAttribute(ctx, 'called')).toBe('+100');
    expect(callerAttribute(ctx, 'anonymous')).toBe('false');
    expect(callerAttribute({ attributes: {}, caller: 'anonymous' }, 'anonymous')).toBe('true');
    expect(
      evaluateCondition({ caller: 'country', in: ['ES', 'PT'] }, { ...ctx, variables: {} }, now),
    ).toBe(true);
  });
});
