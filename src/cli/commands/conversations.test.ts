/**
 * `switchboard conversations get|list` against the STAND-IN server: the requests each command
 * sends and what it prints.
 */
process.env.TZ = 'UTC';

import { describe, expect, it } from 'vitest';
import { EXIT } from '../main.js';
import { runCli } from '../testing/run-cli.js';
import { useStandIn } from '../testing/stand-in-suite.js';

const KEY = 'sb_test_reader';
const { server, env } = useStandIn(KEY);

const HEADER = {
  id: 'cv_1',
  key: '+8613800000001',
  channel: 'voice',
  agentId: 'claims',
  callId: 'ca_2',
  state: 'closed',
  nextAction: 'send-sms',
  language: 'en-US',
  claim: { name: 'Ada Lovelace', damage: ['windscreen', 'mirror'], injured: false },
  memory: { node: 'done' },
  reminders: [{ at: '2025-03-02T09:00:00Z', text: 'call back' }],
  synthesis: {
    summary: 'Reported an accident on Main Street.',
    satisfaction: 'high',
    suggestions: ['send the claim number by SMS'],
    by: 'extractive',
  },
  resumeCount: 1,
  createdAt: '2025-03-01T08:00:00.000Z',
  updatedAt: '2025-03-01T08:01:10.000Z',
  closedAt: '2025-03-01T08:01:10.000Z',
};

const MESSAGES = [
  { seq: 0, persona: 'assistant', content: 'Hello, how can I help?', heard: true },
  { seq: 1, persona: 'human', content: 'I had an accident.', heard: true },
  {
    seq: 2,
    persona: 'assistant',
    content: 'Let me',
    heard: false,
    toolCalls: [{ id: 'tc_1', name: 'lookup_policy', arguments: '{}' }],
  },
  { seq: 3, persona: 'tool', content: '{"ok":true}', heard: true, toolCallId: 'tc_1' },
  { seq: 4, persona: 'human', content: 'On Main Street.\nNear the bank.', heard: true },
].map((m) => ({ ...m, callId: 'ca_1', createdAt: '2025-03-01T08:00:01.000Z' }));

const HEADER_LINES = [
  'id:            cv_1',
  'agent:         claims',
  'state:         closed',
  'channel:       voice',
  'language:      en-US',
  'key:           +8613800000001',
  'call:          ca_2',
  'resume count:  1',
  'next action:   send-sms',
  'started:       2025-03-01 08:00:00',
  'updated:       2025-03-01 08:01:10',
  'closed:        2025-03-01 08:01:10',
  'claim:',
  '  name: Ada Lovelace',
  '  damage: windscreen, mirror',
  '  injured: false',
  'reminders:',
  '  2025-03-02 09:00:00  call back',
  'summary: Reported an accident on Main Street. (satisfaction high, by extractive)',
  'suggestions:',
  '  - send the claim number by SMS',
];

describe('conversations get', () => {
  it('prints the header, the claim, the summary and the messages as persona: content', async () => {
    server.on('GET /v1/conversations/cv_1', {
      status: 200,
      body: { ...HEADER, messages: MESSAGES },
    });
    const run = await runCli(['conversations', 'get', 'cv_1'], env);
    expect(run).toEqual({
      code: EXIT.ok,
      stderr: '',
      stdout: [
        ...HEADER_LINES,
        '',
        'assistant: Hello, how can I help?',
        'human: I had an accident.',
        'assistant: Let me (cut) [calls lookup_policy]',
        'tool: {"ok":true}',
        'human: On Main Street.',
        '       Near the bank.',
        '',
      ].join('\n'),
    });
    expect(server.last().query).toEqual({});
    expect(server.last().headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('asks for the header only with --no-messages; an empty claim is a dash', async () => {
    server.on('GET /v1/conversations/cv_2', {
      status: 200,
      body: { id: 'cv_2', agentId: 'front-desk', state: 'gathering', claim: {}, resumeCount: 0 },
    });
    const run = await runCli(['conversations', 'get', 'cv_2', '--no-messages'], env);
    expect(server.last().query).toEqual({ messages: 'false' });
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain('resume count:  0\n');
    expect(run.stdout).toContain('claim: -\n');
    expect(run.stdout).not.toContain('summary:');
    expect(run.stdout).not.toMatch(/^(human|assistant): /m);
  });

  it('says so when there are no messages, and prints the answer unchanged with --json', async () => {
    const body = { ...HEADER, messages: [] };
    server.on('GET /v1/conversations/cv_1', { status: 200, body });
    const plain = await runCli(['conversations', 'get', 'cv_1'], env);
    expect(plain.stdout.endsWith('\n\nno messages\n')).toBe(true);
    const json = await runCli(['conversations', 'get', 'cv_1', '--json'], env);
    expect(json.code).toBe(EXIT.ok);
    expect(JSON.parse(json.stdout)).toEqual(body);
  });

  it("reports the server's 404 and exits 1", async () => {
    server.on('GET /v1/conversations/cv_missing', {
      status: 404,
      body: { error: 'not_found', message: 'conversation cv_missing not found' },
    });
    const run = await runCli(['conversations', 'get', 'cv_missing'], env);
    expect(run.code).toBe(EXIT.api);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('error: conversation cv_missing not found (HTTP 404 not_found)');
  });

  it('escapes the id in the path and needs one', async () => {
    await runCli(['conversations', 'get', '../calls'], env);
    expect(server.last().path).toBe('/v1/conversations/..%2Fcalls');
    const missing = await runCli(['conversations', 'get'], env);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr).toContain(
      "missing <conversationId> for 'switchboard conversations get'",
    );
  });
});

describe('conversations list', () => {
  it("lists a call's conversations as a table", async () => {
    server.on('GET /v1/calls/ca_1/conversations', {
      status: 200,
      body: {
        items: [
          {
            ...HEADER,
            id: 'cv_3',
            agentId: 'front-desk',
            language: 'zh-CN',
            state: 'transferred',
            resumeCount: 0,
            synthesis: undefined,
            createdAt: '2025-03-01T08:02:00.000Z',
            updatedAt: '2025-03-01T08:02:30.000Z',
          },
          HEADER,
        ],
      },
    });
    const run = await runCli(['conversations', 'list', '--call', 'ca_1'], env);
    expect(run).toEqual({
      code: EXIT.ok,
      stderr: '',
      stdout: [
        'ID    AGENT       CHANNEL  STATE        LANGUAGE  RESUMED  STARTED              UPDATED              SUMMARY',
        'cv_3  front-desk  voice    transferred  zh-CN           0  2025-03-01 08:02:00  2025-03-01 08:02:30  -',
        'cv_1  claims      voice    closed       en-US           1  2025-03-01 08:00:00  2025-03-01 08:01:10  Reported an accident on Main Street.',
        '',
      ].join('\n'),
    });
  });

  it('says when there are none, passes --json through and needs --call', async () => {
    server.on('GET /v1/calls/ca_9/conversations', { status: 200, body: { items: [] } });
    expect((await runCli(['conversations', 'list', '--call', 'ca_9'], env)).stdout).toBe(
      'no conversations\n',
    );
    const json = await runCli(['conversations', 'list', '--call', 'ca_9', '--json'], env);
    expect(JSON.parse(json.stdout)).toEqual({ items: [] });

    const before = server.requests.length;
    const missing = await runCli(['conversations', 'list'], env);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr).toContain("'switchboard conversations list' needs --call");
    expect(server.requests.length).toBe(before);
  });

  it('is in the help', async () => {
    const top = await runCli(['--help'], env);
    expect(top.stdout).toMatch(/^ {2}conversations +\S/m);
    const group = await runCli(['conversations', '--help'], env);
    expect(group.stdout).toMatch(/^ {2}get +Show a conversation/m);
    expect(group.stdout).toMatch(/^ {2}list +List the conversations that ran on a call/m);
  });
});
