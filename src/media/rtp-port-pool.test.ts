import { createSocket, type Socket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { RtpPortPool } from './rtp-port-pool.js';

function bindSquatter(port: number): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(port, '127.0.0.1', () => resolve(s)));
}

describe('RtpPortPool', () => {
  it('hands out distinct even/odd pairs within the range and reuses released ones', async () => {
    const pool = new RtpPortPool({ host: '127.0.0.1', portMin: 41001, portMax: 41007 });
    const a = await pool.allocate();
    const b = await pool.allocate();
    expect([a.port, b.port]).toEqual([41002, 41004]);
    expect(a.socket.address().port).toBe(41002);
    expect(a.rtcpSocket.address().port).toBe(41003);
    const c = await pool.allocate();
    expect(c.port).toBe(41006);
    await expect(pool.allocate()).rejects.toThrow(/no free RTP port/);
    a.release();
    const d = await pool.allocate();
    expect(d.port).toBe(41002);
    expect(pool.size).toBe(3);
    for (const p of [b, c, d]) p.release();
    expect(pool.size).toBe(0);
  });

  it('never hands out a pair whose RTCP port is beyond the range', async () => {
    const pool = new RtpPortPool({ host: '127.0.0.1', portMin: 41011, portMax: 41014 });
    const a = await pool.allocate();
    expect(a.port).toBe(41012);
    await expect(pool.allocate()).rejects.toThrow(/no free RTP port/);
    a.release();
  });

  it('skips ports another program holds', async () => {
    const squatter = await bindSquatter(41102);
    const pool = new RtpPortPool({ host: '127.0.0.1', portMin: 41102, portMax: 41105 });
    const p = await pool.allocate();
    expect(p.port).toBe(41104);
    p.release();
    squatter.close();
  });

  it('skips a pair whose RTCP port is taken, and frees its RTP port again', async () => {
    const squatter = await bindSquatter(41203);
    const pool = new RtpPortPool({ host: '127.0.0.1', portMin: 41202, portMax: 41205 });
    const p = await pool.allocate();
    expect(p.port).toBe(41204);
    // 41202 was bound for the attempt and must have been closed again.
    const probe = await bindSquatter(41202);
    probe.close();
    p.release();
    squatter.close();
  });
});
