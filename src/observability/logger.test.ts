import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture(): {
  lines: () => Array<Record<string, unknown>>;
  stream: Writable;
} {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('logger', () => {
  it('redacts pii.* unless asked to keep it', () => {
    const hidden = capture();
    createLogger({ level: 'info', destination: hidden.stream }).info(
      { callId: 'c1', pii: { caller: '+8613800000000' } },
      'inbound call',
    );
    expect(hidden.lines()[0]).toMatchObject({ callId: 'c1', pii: '[redacted]' });

    const kept = capture();
    createLogger({ level: 'info', logPii: true, destination: kept.stream }).info(
      { pii: { caller: '+8613800000000' } },
      'inbound call',
    );
    expect(kept.lines()[0]).toMatchObject({ pii: { caller: '+8613800000000' } });
  });
});
