/**
 * Picks free local ports for a server under test.
 */
import dgram from 'node:dgram';
import net from 'node:net';

/** Binds a TCP listener on port 0 and returns the port the kernel chose. */
function ephemeralTcpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a UDP socket can bind host:port right now. */
function udpPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.close(() => resolve(true));
    });
  });
}

/**
 * A port that is free for TCP and, when `udp` is set, for UDP as well (a SIP server binds both
 * on the same number). The port is released before returning, so another process could take it
 * in between; for a benchmark on loopback that window is acceptable.
 *
 * @param host - local address to probe, e.g. `127.0.0.1`
 * @param options - `udp`: also require the UDP port; `exclude`: ports already handed out
 * @throws when no such port is found in 20 attempts
 */
export async function findFreePort(
  host: string,
  options: { udp?: boolean; exclude?: readonly number[] } = {},
): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await ephemeralTcpPort(host);
    if (port === 0 || options.exclude?.includes(port)) continue;
    if (!options.udp || (await udpPortFree(host, port))) return port;
  }
  throw new Error(`no free port found on ${host}`);
}
