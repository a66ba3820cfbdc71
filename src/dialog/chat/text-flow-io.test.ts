import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UnknownAgentError } from '../flows/engine/agent-host.js';
import { TextFlowIO } from './text-flow-io.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const context = {
  conversationKey: 'k',
  attributes: {},
  variables: {},
  language: 'en',
  flowName: 'f',
};

describe('TextFlowIO', () => {
  it('emits bot messages with their time, and play as an audio note', async () => {
    const io = new TextFlowIO({ now: () => new Date('2025-01-02T03:04:05Z') });
    const seen: string[] = [];
    io.onMessage((m) => seen.push(m.text));
    await io.say('hello');
    await io.play('hold.wav');
    expect(io.transcript()).toEqual([
      { from: 'bot', text: 'hello', at: '2025-01-02T03:04:05.000Z' },
      { from: 'bot', text: '[audio: hold.wav]', at: '2025-01-02T03:04:05.000Z', kind: 'audio' },
    ]);
    expect(seen).toEqual(['hello', '[audio: hold.wav]']);
  });

  it('reads digit-only text as DTMF when asked for, honouring numDigits and finishOnKey', async () => {
    const io = new TextFlowIO();
    const ask = (req: Partial<Parameters<TextFlowIO['collect']>[0]>, text: string) => {
      const result = io.collect({ dtmf: true, speech: true, timeoutMs: 1000, ...req });
      io.send(text);
      return result;
    };
    expect(await ask({}, ' 12*# ')).toEqual({ kind: 'dtmf', digits: '12*#' });
    expect(await ask({ numDigits: 2 }, '9876')).toEqual({ kind: 'dtmf', digits: '98' });
    expect(await ask({ finishOnKey: '#' }, '55#1')).toEqual({ kind: 'dtmf', digits: '55' });
    expect(await ask({}, 'one two')).toEqual({ kind: 'speech', text: 'one two', confidence: 1 });
    expect(await ask({ dtmf: false }, '42')).toEqual({ kind: 'speech', text: '42', confidence: 1 });
  });

  it('sends the prompt, times out on its timer, and takes a message typed ahead', async () => {
    const io = new TextFlowIO();
    const pending = io.collect({
      prompt: { text: 'Press 1' },
      dtmf: true,
      speech: false,
      timeoutMs: 3000,
    });
    await io.waitIdle();
    expect(io.transcript().map((m) => m.text)).toEqual(['Press 1']);
    await vi.advanceTimersByTimeAsync(3000);
    expect(await pending).toEqual({ kind: 'timeout' });
    io.send('7');
    expect(await io.collect({ dtmf: true, speech: false, timeoutMs: 10 })).toEqual({
      kind: 'dtmf',
      digits: '7',
    });
  });

  it('waitIdle resolves when input is awaited or the chat ends, not while the flow runs', async () => {
    const io = new TextFlowIO();
    let idle = false;
    void io.waitIdle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    const pending = io.collect({ dtmf: true, speech: true, timeoutMs: 10_000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(idle).toBe(true);
    io.end('user-left');
    expect(await pending).toEqual({ kind: 'hangup' });
    await io.waitIdle();
    expect(io.send('late')).toBe(false);
    await io.say('not sent');
    expect(io.transcript()).toEqual([]);
    expect(io.reason).toBe('user-left');
  });

  it('streams outgoing messages until the chat ends', async () => {
    const io = new TextFlowIO();
    const got: string[] = [];
    const reading = (async () => {
      for await (const m of io.outgoing()) got.push(`${m.from}:${m.text}`);
    })();
    await io.say('a');
    await io.transfer('+34910000000');
    await io.enqueue({ queue: 'q' });
    await io.hangup('bye');
    await reading;
    expect(got).toEqual([
      'bot:a',
      'system:[transferred to +34910000000]',
      'system:[queue q unavailable]',
    ]);
  });

  it('has no agents without a host', async () => {
    await expect(new TextFlowIO().runAgent('x', context)).rejects.toBeInstanceOf(UnknownAgentError);
  });
});
