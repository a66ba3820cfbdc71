/**
 * Plumbing shared by the four transaction state machines: termination (which clears every
 * timer and unregisters the transaction exactly once), guarded TU callbacks, and sends whose
 * failures turn into §17.1.4 / §17.2.4 transport errors.
 */
import type { TransportEndpoint } from '../message/index.js';
import type { TimerConfig, TransactionClock } from './timers.js';
import { TransactionTimers } from './timers.js';
import type { TransactionTransport } from './types.js';

/** What the layer gives each transaction it creates. */
export interface TransactionContext {
  /** Where messages go. */
  readonly transport: TransactionTransport;
  /** T1, T2, T4 and Timer D. */
  readonly config: TimerConfig;
  /** Timer source. */
  readonly clock: TransactionClock;
  /** Called exactly once when a transaction reaches `terminated`, so the layer can forget it. */
  terminated(tx: TransactionBase<string>): void;
  /** Receives exceptions thrown by TU callbacks (they must not break the state machine). */
  reportError(err: unknown): void;
}

/** Normalises anything thrown or rejected into an Error. */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** State, timers and termination common to all transactions. */
export abstract class TransactionBase<S extends string> {
  /** Current state; `terminated` is final. */
  protected current: S | 'terminated';
  /** This transaction's timers; all cleared on termination. */
  protected readonly timers: TransactionTimers;

  /** Creates a transaction in state `initial`. */
  protected constructor(
    /** Matching key. */
    readonly id: string,
    protected readonly ctx: TransactionContext,
    initial: S,
  ) {
    this.current = initial;
    this.timers = new TransactionTimers(ctx.clock);
  }

  /** Current state. */
  get state(): S | 'terminated' {
    return this.current;
  }

  /** True once the transaction has ended. */
  get isTerminated(): boolean {
    return this.current === 'terminated';
  }

  /** Number of running timers (zero once terminated). */
  get runningTimers(): number {
    return this.timers.size;
  }

  /** Ends the transaction without telling the TU (used by the layer's bounded shutdown). */
  abort(): void {
    this.terminate();
  }

  /** Moves to `terminated`: clears every timer and unregisters from the layer, once. */
  protected terminate(): void {
    if (this.current === 'terminated') return;
    this.current = 'terminated';
    this.timers.stopAll();
    this.ctx.terminated(this);
  }

  /** Runs a TU callback so that an exception in it cannot corrupt the state machine. */
  protected invoke(callback: () => void): void {
    try {
      callback();
    } catch (err) {
      this.ctx.reportError(err);
    }
  }

  /**
   * Sends through the transport without waiting; a rejection is handed to
   * {@link onSendFailure}. State changes therefore never depend on when a send settles.
   */
  protected dispatch(send: () => Promise<void>): void {
    let pending: Promise<void>;
    try {
      pending = send();
    } catch (err) {
      // A transport that throws synchronously is treated like one that rejects.
      pending = Promise.reject(err);
    }
    pending.catch((err: unknown) => this.onSendFailure(toError(err)));
  }

  /** Reacts to a failed send (RFC 3261 §17.1.4 / §17.2.4). */
  protected abstract onSendFailure(err: Error): void;
}

/** Whether `endpoint` runs over a transport that retransmits by itself. */
export function isReliable(ctx: TransactionContext, endpoint: TransportEndpoint): boolean {
  return ctx.transport.isReliable(endpoint.protocol);
}
