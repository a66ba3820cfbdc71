/** Binding a stream server (TCP, TLS, HTTP for WebSocket) and reporting where it listens. */
import type { Server } from 'node:net';
import type { TransportEndpoint } from '../message/index.js';
import type { ConnectionProtocol, ListenOptions, TransportSink } from './types.js';

/**
 * Starts `server` listening, turns a bind failure into a rejection, routes later server errors
 * to the sink, and returns the endpoint actually bound (port 0 becomes the real port).
 */
export async function listenOn(
  server: Server,
  options: ListenOptions,
  protocol: ConnectionProtocol,
  sink: TransportSink,
): Promise<TransportEndpoint> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => sink.error(err, `${protocol} server`));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = typeof address === 'object' && address ? address.address : options.host;
  return { protocol, host, port };
}
