/**
 * Dialog documents over a running server's HTTP API, without a restart: a flow saved with PUT
 * runs in the next chat; saving a new version leaves a chat already running on the version it
 * started with while new chats get the new one; an invalid document is refused with 400 naming
 * the field. The demo claims agent files a claim over the chat API (the conversation closed,
 * the claim stored), and a chat left mid-claim picks up where it was under the same session id.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Switchboard } from '../../src/app.js';
import { configSchema } from '../../src/config/index.js';
import { startTestSwitchboard } from '../fixtures/test-switchboard.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

interface ChatMessage {
  from: 'bot' | 'user' | 'system';
  text: string;
  kind?: string;
}

interface ChatReply {
  sessionId: string;
  messages: ChatMessage[];
  ended: boolean;
}

let sb: Switchboard;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-dialog-reload-'));
  const config = configSchema.parse({
    sip: { host: '127.0.0.1', port: 0, transports: ['udp'], domain: '127.0.0.1' },
    http: { host: '127.0.0.1', port: 0 },
    rtp: { portMin: 46_600, portMax: 46_698 },
    dataDir,
    logLevel: 'silent',
    shutdownGraceMs: 2_000,
  });
  sb = await startTestSwitchboard(config, { demoTenant: true });
}, 120_000);

afterAll(async () => {
  await sb?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A request to the server's API with the admin key. */
async function api(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${sb.httpPort}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${sb.initialAdminKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Answer['body']) };
}

/** Starts a chat; fails unless the server answers 201. */
async function startChat(request: Record<string, unknown>): Promise<ChatReply> {
  const res = await api('POST', '/v1/chat/sessions', request);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as unknown as ChatReply;
}

/** Sends a chat message; fails unless the server answers 200. */
async function send(sessionId: string, text: string): Promise<ChatReply> {
  const res = await api('POST', `/v1/chat/sessions/${sessionId}/messages`, { text });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as unknown as ChatReply;
}

/** The bot's words in a reply, joined. */
const said = (reply: ChatReply): string =>
  reply.messages
    .filter((m) => m.from === 'bot')
    .map((m) => m.text)
    .join(' ');

/** A flow that says `line`, waits for the user and says it again. */
const hotFlow = (line: string) => ({
  name: 'hot',
  steps: [
    { id: 'hello', say: { text: line } },
    { id: 'ask', gather: { input: ['dtmf', 'speech'], timeoutS: 120, branches: {} } },
    { id: 'loop', goto: { next: 'hello' } },
  ],
});

describe('flows saved while the server runs', () => {
  it('runs the saved version in new chats; a running chat keeps its version', async () => {
    const v1 = await api('PUT', '/v1/flows/hot', hotFlow('version one'));
    expect(v1.status, JSON.stringify(v1.body)).toBe(201);
    expect(v1.body).toMatchObject({ name: 'hot', version: 1 });

    const first = await startChat({ flow: 'hot' });
    expect(first.ended).toBe(false);
    expect(said(first)).toContain('version one');

    const v2 = await api('PUT', '/v1/flows/hot', hotFlow('version two'));
    expect(v2.status, JSON.stringify(v2.body)).toBe(200);
    expect(v2.body).toMatchObject({ name: 'hot', version: 2 });

    // The running chat goes on with the version it started with.
    const followUp = await send(first.sessionId, 'hello there');
    expect(said(followUp)).toContain('version one');
    expect(said(followUp)).not.toContain('version two');

    // A new chat gets the new version.
    const second = await startChat({ flow: 'hot' });
    expect(second.sessionId).not.toBe(first.sessionId);
    expect(said(second)).toContain('version two');
    expect(said(second)).not.toContain('version one');

    const firstView = await api('GET', `/v1/chat/sessions/${first.sessionId}`);
    expect(firstView.body).toMatchObject({ flow: { name: 'hot', version: 1 }, ended: false });
    const secondView = await api('GET', `/v1/chat/sessions/${second.sessionId}`);
    expect(secondView.body).toMatchObject({ flow: { name: 'hot', version: 2 }, ended: false });

    for (const { sessionId } of [first, second]) {
      expect((await api('DELETE', `/v1/chat/sessions/${sessionId}`)).status).toBe(204);
    }
  });

  it('refuses an invalid flow with 400 naming each field, and keeps the latest version', async () => {
    const before = await api('GET', '/v1/flows/hot');
    expect(before.status).toBe(200);
    const res = await api('PUT', '/v1/flows/hot', {
      name: 'hot',
      steps: [
        { id: 'hello', say: { text: '' } },
        { id: 'loop', goto: { next: 'nowhere' } },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('bad_request');
    const fields = (res.body.issues as Array<{ field: string }>).map((i) => i.field);
    expect(fields).toContain('steps[hello].say.text');
    expect(fields).toContain('steps[loop].goto.next');
    for (const field of fields) expect(field).toMatch(/^steps\[[a-z]+\]\.[a-z]+\.[a-z]+$/);
    const after = await api('GET', '/v1/flows/hot');
    expect(after.body).toMatchObject({ version: (before.body as { version: number }).version });
  });

  it('answers 404 naming the flow for a chat with one that does not exist', async () => {
    const res = await api('POST', '/v1/chat/sessions', { flow: 'no-such-flow' });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'not_found', field: 'flow' });
  });
});

describe('the demo claims agent over the chat API', () => {
  /** Today and yesterday (UTC), both read at the same moment. */
  const days = () => {
    const now = Date.now();
    return {
      yesterday: new Date(now - 86_400_000).toISOString().slice(0, 10),
      today: new Date(now).toISOString().slice(0, 10),
    };
  };

  it('files the claim; the stored conversation is closed and holds the claim', async () => {
    const before = days();
    const start = await startChat({ agent: 'claims' });
    const { sessionId } = start;
    expect(said(start)).toMatch(/claims assistant/i);
    expect(said(start)).toMatch(/full name/i);

    expect(said(await send(sessionId, 'my name is Ana Garcia'))).toMatch(/policy number/i);
    expect(said(await send(sessionId, 'POL123456'))).toMatch(/what date/i);
    expect(said(await send(sessionId, 'yesterday'))).toMatch(/where did it happen/i);
    const readBack = await send(sessionId, 'on Gran Via in Madrid');
    expect(said(readBack)).toMatch(/Ana Garcia/);
    expect(said(readBack)).toMatch(/POL123456/);
    expect(said(readBack)).toMatch(/correct/i);

    // The conversation is keyed by the chat's session id while it is still open.
    const open = await sb.store.conversations.findResumable(sessionId, 'claims', new Date(0));
    expect(open).toBeDefined();
    expect(open!.state).not.toBe('closed');

    const filed = await send(sessionId, 'yes');
    expect(said(filed)).toMatch(/claim is filed/i);
    expect(filed.ended).toBe(true);
    const after = days();

    const stored = await sb.store.conversations.get(open!.id);
    expect(stored).toMatchObject({
      key: sessionId,
      channel: 'text',
      agentId: 'claims',
      state: 'closed',
      claim: {
        fullName: 'Ana Garcia',
        policyNumber: 'POL123456',
        location: expect.stringMatching(/Gran Via/),
      },
    });
    expect([before.yesterday, after.yesterday]).toContain(stored!.claim.incidentDate);
    expect(stored!.closedAt).toBeInstanceOf(Date);
    // Closed: nothing left to resume.
    expect(
      await sb.store.conversations.findResumable(sessionId, 'claims', new Date(0)),
    ).toBeUndefined();
    // The API shows the same conversation.
    const view = await api('GET', `/v1/conversations/${open!.id}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ state: 'closed', claim: { policyNumber: 'POL123456' } });
  });

  it('resumes a chat left mid-claim under the same session id', async () => {
    const sessionId = `chat-${randomUUID()}`;
    const start = await startChat({ agent: 'claims', sessionId });
    expect(start.sessionId).toBe(sessionId);
    expect(said(start)).not.toMatch(/welcome back/i);
    expect(said(await send(sessionId, 'my name is Ana Garcia'))).toMatch(/policy number/i);
    // The user leaves mid-claim.
    expect((await api('DELETE', `/v1/chat/sessions/${sessionId}`)).status).toBe(204);
    const left = await sb.store.conversations.findResumable(sessionId, 'claims', new Date(0));
    expect(left).toMatchObject({ claim: { fullName: 'Ana Garcia' } });
    expect(left!.state).not.toBe('closed');

    const again = await startChat({ agent: 'claims', sessionId });
    expect(again.sessionId).toBe(sessionId);
    expect(said(again)).toMatch(/welcome back/i);
    // It goes on from the next field instead of asking the name again.
    expect(said(again)).toMatch(/policy number/i);
    expect(said(again)).not.toMatch(/full name/i);

    const resumed = await sb.store.conversations.get(left!.id);
    expect(resumed).toMatchObject({ resumeCount: 1, claim: { fullName: 'Ana Garcia' } });
    expect((await api('DELETE', `/v1/chat/sessions/${sessionId}`)).status).toBe(204);
  });
});
