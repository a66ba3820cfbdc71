/**
 * SIP over UDP (RFC 3261 §18): one message per datagram, IPv4.
 */
import { createSocket, type Socket } from 'node:dgram';

/** Receive buffer asked for on the SIP UDP socket. */
const UDP_RECV_BUFFER_BYTES = 4 * 1024 * 1024;
import type { TransportEndpoint } from '../message/index.js';
import { isBlank, type HandlerSettings, type ListenOptions, type TransportSink } from './types.js';

/** The UDP socket of a transport layer. */
export class UdpTransport {
  private socket: Socket | undefined;
  private bound: TransportEndpoint | undefined;

  /** Creates an unbound transport that reports to `sink`. */
  constructor(
    private readonly sink: TransportSink,
    private readonly settings: HandlerSettings,
  ) {}

  /** Binds the socket; resolves with the actual address and port. */
  async start(options: ListenOptions): Promise<TransportEndpoint> {
    const socket = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      socket.once('error', onError);
      socket.bind(options.port, options.host, () => {
        socket.off('error', onError);
        resolve();
      });
    }).catch((err: unknown) => {
      socket.close();
      throw err;
    });
    try {
      // Bursts of hundreds of calls per second overflow the default ~200 KiB receive buffer and
      // turn into retransmissions; Linux clamps this to net.core.rmem_max.
      socket.setRecvBufferSize(UDP_RECV_BUFFER_BYTES);
    } catch {
      // Not fatal: the kernel's default buffer still works, only with earlier drops.
    }
    const address = socket.address();
    this.bound = { protocol: 'udp', host: address.address, port: address.port };
    socket.on('message', (data, rinfo) => this.receive(data, rinfo.address, rinfo.port));
    // A UDP socket reports ICMP errors and the like here; they concern one peer, not the socket.
    socket.on('error', (err) => this.sink.error(err, 'udp socket'));
    this.socket = socket;
    return this.bound;
  }

  /** The bound address, once started. */
  get local(): TransportEndpoint | undefined {
    return this.bound;
  }

  /** Sends one datagram. */
  send(data: Buffer, host: string, port: number): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error('UDP transport is not running'));
    return new Promise((resolve, reject) => {
      socket.send(data, port, host, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Closes the socket. */
  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.bound = undefined;
    if (!socket) return;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private receive(data: Buffer, host: string, port: number): void {
    const local = this.bound;
    if (!local) return;
    const source: TransportEndpoint = { protocol: 'udp', host, port };
    // Bare CRLFs are NAT keep-alives some UAs send over UDP, not messages to report.
    if (isBlank(data)) return;
    if (data.length > this.settings.maxMessageBytes) {
      this.sink.drop('message-too-large', source, data);
      return;
    }
    this.sink.message(data, source, local);
  }
}
