import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTextFlow } from '../../testing/run-text-flow.js';
import { parseAnswer } from './webhook-verb.js';

type Handler = (body: unknown, res: ServerResponse) => void;

let server: Server;
let base: string;
const handlers = new Map<string, Handler>();
const received: Array<{ path: string; body: unknown; contentType: string | undefined }> = [];
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const body: unknown = JSON.parse(text);
      received.push({ path: req.url ?? '', body, contentType: req.headers['content-type'] });
      handlers.get(req.url ?? '')?.(body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof value === 'string' ? value : JSON.stringify(value));
}

function webhookFlow(path: string, timeoutS = 2) {
  return {
    name: 'hook',
    steps: [
      { id: 'pre', set: { variables: { 'account.id': 'A-1' } } },
      { id: 'ask', webhook: { url: `${base}${path}`, timeoutS, fallback: 'sorry' } },
      { id: 'after', say: { text: 'after the webhook, balance {{account.balance}}' } },
      { id: 'bye', hangup: null },
      { id: 'sorry', say: { text: 'fallback' } },
      { id: 'end', hangup: null },
    ],
  };
}

describe('webhook', () => {
  it('posts the run and runs the answered steps inline, then continues after the webhook', async () => {
    handlers.set('/steps', (_body, res) =>
      json(res, 200, {
        variables: { account: { balance: 12.5 }, vip: true },
        steps: [
          { id: 'tell', say: { text: 'Hello {{caller}}, account {{account.id}}' } },
          {
            id: 'check',
            if: { conditions: [{ when: { variable: 'vip', eq: true }, next: 'vip-note' }] },
          },
          { id: 'skip', say: { text: 'not vip' } },
          { id: 'vip-note', say: { text: 'vip' } },
        ],
      }),
    );
    const run = runTextFlow(webhookFlow('/steps'), {
      runner: {
        context: {
          conversationKey: 'k',
          attributes: {},
          caller: '+1',
          called: '+2',
          callId: 'c-1',
        },
      },
    });
    const outcome = await run.done;
    expect(run.said()).toEqual(['Hello +1, account A-1', 'vip', 'after the webhook, balance 12.5']);
    expect(outcome.reason).toBe('hangup');
    const request = received.find((r) => r.path === '/steps')!;
    expect(request.contentType).toBe('application/json');
    expect(request.body).toEqual({
      callId: 'c-1',
      flow: 'hook',
      step: 'ask',
      caller: '+1',
      called: '+2',
      variables: { account: { id: 'A-1' } },
      channel: 'text',
    });
    expect(run.steps()).toEqual(['pre', 'tell', 'check', 'vip-note', 'ask', 'after', 'bye']);
    expect(run.events.find((e) => e.stepId === 'ask')).toMatchObject({ outcome: 'ok' });
    expect(run.events.find((e) => e.stepId === 'ask')?.error).toBeUndefined();
  });

  it('takes a bare array of steps that jumps into the flow', async () => {
    handlers.set('/array', (_body, res) =>
      json(res, 200, [
        { id: 'note', say: { text: 'from the webhook' } },
        { id: 'jump', goto: { next: 'sorry' } },
      ]),
    );
    const run = runTextFlow(webhookFlow('/array'));
    await run.done;
    expect(run.said()).toEqual(['from the webhook', 'fallback']);
  });

  it('merges variables only, and an empty 204 continues', async () => {
    handlers.set('/vars', (_body, res) =>
      json(res, 200, { variables: { account: { balance: 3 } } }),
    );
    const run = runTextFlow(webhookFlow('/vars'));
    const outcome = await run.done;
    expect(run.said()).toEqual(['after the webhook, balance 3']);
    expect(outcome.variables).toEqual({ account: { id: 'A-1', balance: 3 } });

    handlers.set('/empty', (_body, res) => {
      res.writeHead(204);
      res.end();
    });
    const empty = runTextFlow(webhookFlow('/empty'));
    await empty.done;
    expect(empty.said()).toEqual(['after the webhook, balance ']);
  });

  it('goes to the fallback on a 500, and says why in the step event', async () => {
    handlers.set('/500', (_body, res) => json(res, 500, { error: 'boom' }));
    const run = runTextFlow(webhookFlow('/500'));
    await run.done;
    expect(run.said()).toEqual(['fallback']);
    expect(run.events.find((e) => e.stepId === 'ask')).toMatchObject({
      outcome: 'fallback',
      error: 'webhook: answered HTTP 500',
    });
  });

  it('goes to the fallback when the endpoint does not answer in time', async () => {
    handlers.set('/slow', (_body, res) => void hanging.push(res));
    const run = runTextFlow(webhookFlow('/slow', 0.2));
    const started = performance.now();
    await run.done;
    expect(performance.now() - started).toBeLessThan(1500);
    expect(run.said()).toEqual(['fallback']);
    expect(run.events.find((e) => e.stepId === 'ask')?.error).toBe(
      'webhook: no answer within 0.2 s',
    );
  });

  it('goes to the fallback on JSON that is not JSON, invalid steps, or a refused connection', async () => {
    handlers.set('/garbage', (_body, res) => json(res, 200, '{"steps": ['));
    const garbage = runTextFlow(webhookFlow('/garbage'));
    await garbage.done;
    expect(garbage.said()).toEqual(['fallback']);
    expect(garbage.events.find((e) => e.stepId === 'ask')?.error).toBe(
      'webhook: answer is not JSON',
    );

    handlers.set('/invalid', (_body, res) =>
      json(res, 200, {
        steps: [
          { id: 'x', dance: {} },
          { id: 'y', goto: { next: 'nowhere' } },
        ],
      }),
    );
    const invalid = runTextFlow(webhookFlow('/invalid'));
    await invalid.done;
    expect(invalid.said()).toEqual(['fallback']);
    const error = invalid.events.find((e) => e.stepId === 'ask')?.error;
    expect(error).toContain('webhook: answer steps are invalid');
    expect(error).toContain('steps[x].dance: unknown verb');
    expect(error).toContain('steps[y].goto.next: no step has id "nowhere"');

    const refused = runTextFlow({
      ...webhookFlow('/x'),
      steps: webhookFlow('/x').steps.map((s) =>
        s.id === 'ask'
          ? { id: 'ask', webhook: { url: 'http://127.0.0.1:1/', fallback: 'sorry' } }
          : s,
      ),
    });
    await refused.done;
    expect(refused.said()).toEqual(['fallback']);
    expect(refused.events.find((e) => e.stepId === 'ask')?.error).toMatch(
      /^webhook: request failed/,
    );
  });
});

describe('parseAnswer', () => {
  it('refuses answers that are neither an object nor steps, and bad variables', () => {
    expect(() => parseAnswer('hi', 'f', [])).toThrow(
      'answer must be an object or an array of steps',
    );
    expect(() => parseAnswer({ variables: [1] }, 'f', [])).toThrow(
      'answer.variables must be an object',
    );
    expect(() => parseAnswer({ steps: {} }, 'f', [])).toThrow('answer.steps must be an array');
  });

  it('lets inline steps shadow flow ids and keeps only the inline steps', () => {
    const parsed = parseAnswer([{ id: 'a', goto: { next: 'main' } }], 'f', ['a', 'main']);
    expect(parsed.steps).toEqual([{ id: 'a', goto: { next: 'main' } }]);
  });
});
