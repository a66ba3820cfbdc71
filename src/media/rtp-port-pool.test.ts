import { createSocket, type Socket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { RtpPortPool } from './rtp-port-pool.js';

function bindSquatter(port: number): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(port, '127.0.0.1', () => resolve(s)));
}

// Fixed ports below Linux's ephemeral range (32768–60999), so that sockets other tests bind
// on port 0 in parallel cannot take them.
describe('RtpPortPool', () => {
  it('hands out distinct even/odd pairs within the range and reuses released ones', async () => {
    const pool = new RtpPortPool({ host: '127.0.0.1', portMin: 29001, portMax: 29007 });
    const a = await pool.allocate();
    const b = await pool.allocate();
    expect([a.port, b.port]).toEqual([29002, 29004]);
    expect(a.socket.address().port).toBe(29002);
    expect(a.rtcpSocket.address().port).toBe(29003);
    const c = await pool.allocate();
    expect(c.port).toBe(29006);
    await expect(pool.allocate()).rejects.toThrow(/no free RTP port/);
    a.release();
    const d = await pool.allocate();
    expect(d.port).toBe(29002);
    expect(pool.size).toBe(3);
    for (const p of [b, c, d]) p.release();
    expect(pool.size).toBe(0);
  });

  it('never hands out a pair whose RTCP port is beyond the range', async () => {
    const pool = new RtpPortPool({ host: '127.0.0.1', portMin: 29011, portMax: 29014 });
    const a = await pool.allocate();
    expect(a.port).toBe(29012);
    await expect(pool.allocate()).rejects.toThrow(/no free RTP port/);
    a.release();
  });

  it('skips ports another program holds', async () => {
    const squatter = await bindSquatter(29102);
    const pool = new RtpPortPool({ host: '127.0.0.1', portMin: 29102, portMax: 29105 });
    const p = await pool.allocate();
    expect(p.port).toBe(29104);
    p.release();
    squatter.close();
  });

  it('skips a pair whose RTCP port is taken, and frees its RTP port again', async () => {
    const squatter = await bindSquatter(29203);
    const pool = new RtpPortPool({ host: '127.0.0.1', portMin: 29202, portMax: 29205 });
    const p = await pool.allocate();
    expect(p.port).toBe(29204);
    // 29202 was bound for the attempt and must have been closed again.
    const probe = await bindSquatter(29202);
    probe.close();
    p.release();
    squatter.close();
  });
});
