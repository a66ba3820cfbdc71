/**
 * Hands out RTP ports from the configured range (RFC 3550 §11: RTP on an even port, RTCP on
 * the next odd one). Each port is proven free by binding its socket, so two servers sharing a
 * range, or a port taken by another program, never collide.
 */
import { createSocket, type Socket } from 'node:dgram';

/** A bound RTP port; release() closes the socket and returns the port to the pool. */
export interface RtpPort {
  port: number;
  socket: Socket;
  release(): void;
}

/** Options of a {@link RtpPortPool}. */
export interface RtpPortPoolOptions {
  host: string;
  portMin: number;
  portMax: number;
}

/** Allocates even RTP ports round-robin within a range. */
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

  /** Number of ports currently allocated. */
  get size(): number {
    return this.inUse.size;
  }

  /** Binds the next free even port; rejects when the whole range is busy. */
  async allocate(): Promise<RtpPort> {
    const span = Math.floor((this.options.portMax - this.firstEven()) / 2) + 1;
    for (let tries = 0; tries < span; tries++) {
      const port = this.next;
      this.next = port + 2 > this.options.portMax ? this.firstEven() : port + 2;
      if (this.inUse.has(port)) continue;
      const socket = await this.tryBind(port);
      if (!socket) continue;
      this.inUse.add(port);
      // Until the media plane owns the socket, incoming RTP is read and discarded so the
      // kernel does not answer the peer with ICMP port-unreachable.
      socket.on('message', () => undefined);
      let released = false;
      return {
        port,
        socket,
        release: () => {
          if (released) return;
          released = true;
          this.inUse.delete(port);
          socket.close();
        },
      };
    }
    throw new Error(
      `no free RTP port in ${this.options.portMin}-${this.options.portMax} (${this.inUse.size} in use)`,
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
        socket.on('error', () => undefined);
        resolve(socket);
      });
    });
  }
}
