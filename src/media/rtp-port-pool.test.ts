import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { RtpPortPool } from './rtp-port-pool.js';

describe('RtpPortPool', () => {
  it('hands out distinct even ports within the range and reuses released ones', async () => {
    const pool = new RtpPortPool({ host: '127.0.0.1', portMin: 41001, portMax: 41006 });
    const a = await pool.allocate();
    const b = await pool.allocate();
    expect([a.port, b.port]).toEqual([41002, 41004]);
    const c = await pool.allocate();
    expect(c.port).toBe(41006);
    await expect(pool.allocate()).rejects.toThrow(/no free RTP port/);
    a.release();
    expect((await pool.allocate()).port).toBe(41002);
    expect(pool.size).toBe(3);
  });

  it('skips ports another program holds', async () => {
    const squatter = createSocket('udp4');
    await new Promise<void>((r) => squatter.bind(41102, '127.0.0.1', r));
    const pool = new RtpPortPool({ host: '127.0.0.1', portMin: 41102, portMax: 41104 });
    const p = await pool.allocate();
    expect(p.port).toBe(41104);
    p.release();
    squatter.close();
  });
});
