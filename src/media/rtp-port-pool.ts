/**
 * Hands out RTP port pairs from the configured range (RFC 3550 §11: RTP on an even port, RTCP
 * on the next odd one). Each pair is proven free by binding both sockets, so two servers
 * sharing a range, or a port taken by another program, never collide.
 *
 * Node reads a bound UDP socket from the moment it is bound, listener or not, so datagrams
 * that arrive before an RTP session attaches are read and discarded: the kernel neither
 * queues them nor answers the peer with ICMP port-unreachable. Sessions add their own
 * 'message' listeners and remove them on close; the sockets stay ours until release().
 */
import { createSocket, type Socket } from 'node:dgram';

/** A bound RTP/RTCP port pair; release() closes both sockets and returns the pair. */
export interface RtpPort {
  /** The even RTP port; RTCP is on `port + 1`. */
  port: number;
  /** The RTP socket (also carries RTCP with rtcp-mux). */
  socket: Socket;
  /** The RTCP socket on `port + 1`. */
  rtcpSocket: Socket;
  release(): void;
}

/** Options of a {@link RtpPortPool}. */
export interface RtpPortPoolOptions {
  host: string;
  /** Lowest port of the range; the first RTP port is the first even port from here. */
  portMin: number;
  /** Highest port of the range: the RTCP port of the last pair must not exceed it. */
  portMax: number;
}

/** Allocates even/odd RTP/RTCP port pairs round-robin within a range. */
export class RtpPortPool {
  private next: number;
  private readonly inUse = new Set<number>();

  constructor(private readonly options: RtpPortPoolOptions) {
    this.next = this.firstEven();
  }

  private firstEven(): number {
    const min = Math.max(this.options.portMin, 1024);
    return min % 2 === 0 ? min : min + 1;
  }

  /** Number of port pairs currently allocated. */
  get size(): number {
    return this.inUse.size;
  }

  /** Binds the next free pair; rejects when the whole range is busy. */
  async allocate(): Promise<RtpPort> {
    const lastEven = this.options.portMax - 1;
    const span = Math.max(0, Math.floor((lastEven - this.firstEven()) / 2) + 1);
    for (let tries = 0; tries < span; tries++) {
      const port = this.next;
      this.next = port + 2 > lastEven ? this.firstEven() : port + 2;
      if (this.inUse.has(port)) continue;
      const socket = await this.tryBind(port);
      if (!socket) continue;
      const rtcpSocket = await this.tryBind(port + 1);
      if (!rtcpSocket) {
        // A pair is usable only whole: peers that do not mux send RTCP to port + 1.
        socket.close();
        continue;
      }
      this.inUse.add(port);
      let released = false;
      return {
        port,
        socket,
        rtcpSocket,
        release: () => {
          if (released) return;
          released = true;
          this.inUse.delete(port);
          socket.close();
          rtcpSocket.close();
        },
      };
    }
    throw new Error(
      `no free RTP port pair in ${this.options.portMin}-${this.options.portMax} (${this.inUse.size} in use)`,
    );
  }

  private tryBind(port: number): Promise<Socket | undefined> {
    return new Promise((resolve) => {
      const family = this.options.host.includes(':') ? 'udp6' : 'udp4';
      const socket = createSocket(family);
      socket.once('error', () => {
        socket.close();
        resolve(undefined);
      });
      socket.bind(port, this.options.host, () => {
        socket.removeAllListeners('error');
        // Send errors are reported to the sender's callback; an 'error' event must not crash.
        socket.on('error', () => undefined);
        resolve(socket);
      });
    });
  }
}
