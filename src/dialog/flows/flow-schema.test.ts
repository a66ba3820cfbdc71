import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { stepVerb, validateFlow, type FlowProblem } from './flow-schema.js';

/** A bilingual IVR: 1 → an agent, 2 → a queue, 9 → hear the menu again. */
const IVR_YAML = `
name: main-ivr
version: 2
language: en-US
start: greet
steps:
  - id: greet
    answer:
  - id: hours
    if:
      conditions:
        - when:
            businessHours:
              days: [mon, tue, wed, thu, fri]
              start: "09:00"
              end: "18:00"
              timeZone: Europe/Madrid
              holidays: ["2025-12-25", "2026-01-01"]
          next: welcome
      else: closed
  - id: welcome
    say: { text: "Welcome to Switchboard.", language: en-US }
  - id: bienvenida
    say: { text: "Bienvenido a Switchboard.", language: es-ES, voice: es-female-1 }
  - id: main-menu
    menu:
      prompt: "Press 1 for sales, 2 for support, 9 to repeat. Pulse 1, 2 o 9."
      options: { "1": sales, "2": support, "9": repeat }
      onInvalid: main-menu
      fallback: support
  - id: sales
    agent: { agentId: agent-42 }
  - id: support
    enqueue: { queue: support, priority: 5, skills: [es, billing], fallback: closed }
  - id: repeat
    goto: { next: main-menu }
  - id: closed
    say: { text: "We are closed. Estamos cerrados." }
  - id: bye
    hangup: { reason: closed }
`;

function problemsOf(doc: unknown): FlowProblem[] {
  const r = validateFlow(doc);
  if (r.ok) throw new Error('expected the flow to be refused');
  return r.problems;
}

/** A minimal valid flow with `step` inserted before a final `end` step. */
function withStep(step: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { name: 't', ...extra, steps: [step, { id: 'end', hangup: {} }] };
}

describe('validateFlow: a valid flow', () => {
  it('accepts the bilingual IVR and fills in defaults', () => {
    const r = validateFlow(parseYaml(IVR_YAML));
    if (!r.ok) throw new Error(JSON.stringify(r.problems, null, 2));
    expect(r.flow.name).toBe('main-ivr');
    expect(r.flow.start).toBe('greet');
    expect(r.flow.steps.map(stepVerb)).toEqual([
      'answer',
      'if',
      'say',
      'say',
      'menu',
      'agent',
      'enqueue',
      'goto',
      'say',
      'hangup',
    ]);
    const menu = r.flow.steps[4]!;
    expect('menu' in menu && menu.menu).toMatchObject({
      options: { '1': 'sales', '2': 'support', '9': 'repeat' },
      retries: 3,
    });
    const repeat = r.flow.steps[7]!;
    expect('goto' in repeat && repeat.goto.next).toBe('main-menu');
  });

  it('accepts every verb in its full form', () => {
    const r = validateFlow({
      name: 'all',
      steps: [
        { id: 'a', play: { file: 'hold.wav' } },
        {
          id: 'b',
          gather: {
            input: ['dtmf', 'speech'],
            numDigits: 4,
            finishOnKey: '#',
            timeoutS: 5,
            hints: ['billing'],
            branches: { '1234': 'c', billing: 'c' },
            noInput: 'c',
            noMatch: 'c',
          },
        },
        { id: 'c', set: { variables: { tier: 'gold', tries: 1, vip: true } } },
        {
          id: 'd',
          if: {
            conditions: [
              { when: { variable: 'tries', gt: 2 }, next: 'e' },
              { when: { caller: 'country', in: ['ES', 'MX'] }, next: 'e' },
              { when: { time: { start: '22:00', end: '06:00', timeZone: 'UTC' } }, next: 'e' },
            ],
          },
        },
        { id: 'e', switch: { on: 'tier', cases: { gold: 'f' }, default: 'f' } },
        { id: 'f', webhook: { url: 'https://crm.example.com/hook', fallback: 'g' } },
        { id: 'g', record: { maxS: 60, beep: true } },
        { id: 'h', transfer: { to: 'sip:desk@pbx.example.com' } },
        { id: 'i', transfer: { to: '+34911234567' } },
        { id: 'j', hangup: null },
      ],
    });
    if (!r.ok) throw new Error(JSON.stringify(r.problems, null, 2));
    const hook = r.flow.steps[5]!;
    expect('webhook' in hook && hook.webhook.timeoutS).toBe(5);
  });
});

describe('validateFlow: one problem per rule', () => {
  const cases: Array<[string, unknown, FlowProblem[]]> = [
    ['not an object', 'hello', [{ path: '', message: 'a flow must be an object' }]],
    [
      'missing name',
      { steps: [{ id: 'a', hangup: {} }] },
      [{ path: 'name', message: 'is required' }],
    ],
    ['missing steps', { name: 'x' }, [{ path: 'steps', message: 'is required' }]],
    [
      'empty steps',
      { name: 'x', steps: [] },
      [{ path: 'steps', message: 'a flow needs at least one step' }],
    ],
    [
      'unknown top-level key',
      { name: 'x', owner: 'me', steps: [{ id: 'a', hangup: {} }] },
      [{ path: 'owner', message: 'unknown key' }],
    ],
    [
      'start names no step',
      withStep({ id: 'a', answer: {} }, { start: 'nowhere' }),
      [{ path: 'start', message: 'no step has id "nowhere"' }],
    ],
    [
      'duplicate step ids',
      {
        name: 'x',
        steps: [
          { id: 'a', answer: {} },
          { id: 'a', hangup: {} },
        ],
      },
      [{ path: 'steps[a].id', message: 'duplicate step id "a" (steps 0 and 1)' }],
    ],
    [
      'missing step id (path uses the index)',
      withStep({ say: { text: 'hi' } }),
      [{ path: 'steps[0].id', message: 'is required' }],
    ],
    [
      'bad step id characters',
      withStep({ id: 'a b', answer: {} }),
      [
        {
          path: 'steps[a b].id',
          message: 'must be a non-empty string of letters, digits, "_" or "-"',
        },
      ],
    ],
    [
      'unknown verb',
      withStep({ id: 'a', dance: { style: 'tango' } }),
      [
        {
          path: 'steps[a].dance',
          message:
            'unknown verb "dance"; expected one of answer, say, play, gather, menu, agent, enqueue, transfer, record, set, if, switch, goto, webhook, hangup',
        },
      ],
    ],
    [
      'two verbs in one step',
      withStep({ id: 'a', say: { text: 'hi' }, play: { file: 'x.wav' } }),
      [{ path: 'steps[a]', message: 'a step takes exactly one verb, found say, play' }],
    ],
    [
      'unknown key beside the verb',
      withStep({ id: 'a', say: { text: 'hi' }, colour: 'red' }),
      [{ path: 'steps[a].colour', message: 'unknown key' }],
    ],
    [
      'unknown key inside a verb',
      withStep({ id: 'a', say: { text: 'hi', speed: 2 } }),
      [{ path: 'steps[a].say.speed', message: 'unknown key' }],
    ],
    [
      'missing say text (step without id uses its index)',
      {
        name: 'x',
        steps: [
          { id: 'a', answer: {} },
          { id: 'b', answer: {} },
          { id: 'c', answer: {} },
          { say: {} },
        ],
      },
      [
        { path: 'steps[3].id', message: 'is required' },
        { path: 'steps[3].say.text', message: 'is required' },
      ],
    ],
    [
      'menu option key is not a single digit',
      withStep({
        id: 'main-menu',
        menu: { prompt: 'p', options: { '1': 'end', '7x': 'end' }, fallback: 'end' },
      }),
      [
        {
          path: 'steps[main-menu].menu.options.7x',
          message: 'option "7x" must be a single DTMF digit (0-9, * or #)',
        },
      ],
    ],
    [
      'menu option points at a missing step',
      withStep({
        id: 'main-menu',
        menu: { prompt: 'p', options: { '7': 'nowhere' }, fallback: 'end' },
      }),
      [{ path: 'steps[main-menu].menu.options.7', message: 'no step has id "nowhere"' }],
    ],
    [
      'menu without fallback',
      withStep({ id: 'm', menu: { prompt: 'p', options: { '1': 'end' } } }),
      [{ path: 'steps[m].menu.fallback', message: 'is required' }],
    ],
    [
      'gather numDigits out of range',
      withStep({ id: 'g', gather: { input: ['dtmf'], numDigits: 33, branches: { '1': 'end' } } }),
      [{ path: 'steps[g].gather.numDigits', message: 'Too big: expected number to be <=32' }],
    ],
    [
      'gather dtmf-only branch on words',
      withStep({ id: 'g', gather: { input: ['dtmf'], branches: { sales: 'end' } } }),
      [
        {
          path: 'steps[g].gather.branches.sales',
          message: 'branch "sales" is not DTMF digits, and this gather takes no speech',
        },
      ],
    ],
    [
      'gather branch and noInput point at missing steps',
      withStep({
        id: 'g',
        gather: { input: ['speech'], branches: { billing: 'bill' }, noInput: 'gone' },
      }),
      [
        { path: 'steps[g].gather.branches.billing', message: 'no step has id "bill"' },
        { path: 'steps[g].gather.noInput', message: 'no step has id "gone"' },
      ],
    ],
    [
      'goto a missing step',
      withStep({ id: 'loop', goto: { next: 'nowhere' } }),
      [{ path: 'steps[loop].goto.next', message: 'no step has id "nowhere"' }],
    ],
    [
      'if: else and condition next missing',
      withStep({
        id: 'c',
        if: { conditions: [{ when: { variable: 'x', eq: 1 }, next: 'n1' }], else: 'n2' },
      }),
      [
        { path: 'steps[c].if.conditions[0].next', message: 'no step has id "n1"' },
        { path: 'steps[c].if.else', message: 'no step has id "n2"' },
      ],
    ],
    [
      'switch cases and default missing',
      withStep({ id: 's', switch: { on: 'tier', cases: { gold: 'g' }, default: 'd' } }),
      [
        { path: 'steps[s].switch.cases.gold', message: 'no step has id "g"' },
        { path: 'steps[s].switch.default', message: 'no step has id "d"' },
      ],
    ],
    [
      'enqueue and webhook fallback missing',
      {
        name: 'x',
        steps: [
          { id: 'q', enqueue: { queue: 'support', fallback: 'f1' } },
          { id: 'w', webhook: { url: 'https://x.example', fallback: 'f2' } },
        ],
      },
      [
        { path: 'steps[q].enqueue.fallback', message: 'no step has id "f1"' },
        { path: 'steps[w].webhook.fallback', message: 'no step has id "f2"' },
      ],
    ],
    [
      'bad time of day',
      withStep({
        id: 'c',
        if: { conditions: [{ when: { time: { start: '25:00', end: '9:30' } }, next: 'end' }] },
      }),
      [
        {
          path: 'steps[c].if.conditions[0].when.time.start',
          message: 'must be a time of day HH:MM (00:00 to 23:59)',
        },
        {
          path: 'steps[c].if.conditions[0].when.time.end',
          message: 'must be a time of day HH:MM (00:00 to 23:59)',
        },
      ],
    ],
    [
      'bad time zone and holiday',
      withStep({
        id: 'c',
        if: {
          conditions: [
            {
              when: {
                businessHours: {
                  days: ['mon'],
                  start: '09:00',
                  end: '17:00',
                  timeZone: 'Mars/Olympus',
                  holidays: ['2025-02-30'],
                },
              },
              next: 'end',
            },
          ],
        },
      }),
      [
        {
          path: 'steps[c].if.conditions[0].when.businessHours.timeZone',
          message: 'must be an IANA time zone such as "Europe/Madrid"',
        },
        {
          path: 'steps[c].if.conditions[0].when.businessHours.holidays[0]',
          message: 'must be a calendar date YYYY-MM-DD',
        },
      ],
    ],
    [
      'unknown condition kind',
      withStep({ id: 'c', if: { conditions: [{ when: { weather: 'rain' }, next: 'end' }] } }),
      [
        {
          path: 'steps[c].if.conditions[0].when',
          message: 'must be one of: variable, caller, time, businessHours',
        },
      ],
    ],
    [
      'variable condition without operator',
      withStep({ id: 'c', if: { conditions: [{ when: { variable: 'tier' }, next: 'end' }] } }),
      [{ path: 'steps[c].if.conditions[0].when', message: 'needs one of eq, ne, in, gt, lt' }],
    ],
    [
      'webhook url not http(s)',
      withStep({ id: 'w', webhook: { url: 'ftp://x.example/hook', fallback: 'end' } }),
      [{ path: 'steps[w].webhook.url', message: 'must be an http:// or https:// URL' }],
    ],
    [
      'webhook timeout above 30 s',
      withStep({ id: 'w', webhook: { url: 'https://x.example', timeoutS: 31, fallback: 'end' } }),
      [{ path: 'steps[w].webhook.timeoutS', message: 'Too big: expected number to be <=30' }],
    ],
    [
      'transfer target neither number nor sip URI',
      withStep({ id: 't', transfer: { to: 'bob' } }),
      [
        {
          path: 'steps[t].transfer.to',
          message: 'must be a phone number (e.g. +34911234567) or a sip: URI',
        },
      ],
    ],
    [
      'set value of the wrong type',
      withStep({ id: 'v', set: { variables: { tier: ['gold'] } } }),
      [{ path: 'steps[v].set.variables.tier', message: 'must be a string, number or boolean' }],
    ],
    [
      'agent missing agentId',
      withStep({ id: 'ag', agent: {} }),
      [{ path: 'steps[ag].agent.agentId', message: 'is required' }],
    ],
  ];

  it.each(cases)('%s', (_label, doc, expected) => {
    expect(problemsOf(doc)).toEqual(expected);
  });

  it('collects every problem in one pass', () => {
    const problems = problemsOf({
      name: '',
      start: 'nope',
      steps: [
        { id: 'a', say: {} },
        { id: 'a', goto: { next: 'b' } },
        { id: 'm', menu: { prompt: 'p', options: { '10': 'a' }, fallback: 'zz' } },
      ],
    });
    expect(problems.map((p) => p.path)).toEqual([
      'name',
      'steps[a].say.text',
      'steps[a].id',
      'steps[m].menu.options.10',
      'steps[a].goto.next',
      'start',
    ]);
  });
});
