/**
 * What a call needs from the user agent core. Declared as an interface so SipCall does not
 * reach into the core's internals, and so it is obvious which core services a call uses.
 */
import type {
  SipRequest,
  SipResponse,
  TransportEndpoint,
  TransportProtocol,
} from '../message/index.js';
import type { ServerTransaction } from '../transaction/index.js';
import type { Dialog } from './dialog.js';
import type { SipCall } from './sip-call.js';

/** Options for a request sent inside a dialog. */
export interface InDialogOptions {
  headers?: Array<[string, string]>;
  body?: string;
  contentType?: string;
  /** Fixed CSeq number (CANCEL/ACK reuse the INVITE's). */
  seq?: number;
}

/** Core services used by calls. */
export interface CallServices {
  /** RFC 3261 T1 and T2, for 2xx and reliable-provisional retransmission. */
  readonly t1Ms: number;
  readonly t2Ms: number;
  /** Milliseconds per second of a session interval (1000 except in tests). */
  readonly sessionTimerUnitMs: number;
  /** True when `protocol` retransmits by itself. */
  isReliable(protocol: TransportProtocol): boolean;
  /**
   * Sends a request inside the dialog and resolves with its final response. Timeouts and
   * transport failures resolve with a locally made 408 or 503 so callers handle one shape.
   */
  sendInDialog(dialog: Dialog, method: string, opts?: InDialogOptions): Promise<SipResponse>;
  /** Sends the ACK for a 2xx (not a transaction: RFC 3261 §13.2.2.4). */
  sendAck(dialog: Dialog, ack: SipRequest): void;
  /** Our Contact header value for a flow over `protocol`. */
  contactFor(protocol: TransportProtocol): string;
  /** Headers every response and dialog request carries (Allow, Supported, Server/User-Agent). */
  commonHeaders(): Array<[string, string]>;
  /** Sends a response on a server transaction (counted and logged by the core). */
  respond(tx: ServerTransaction, res: SipResponse): void;
  /** Files a dialog so in-dialog requests and ACKs find the call. */
  addDialog(dialog: Dialog, call: SipCall): void;
  /** Forgets a dialog. */
  removeDialog(dialog: Dialog): void;
  /** The call ended: drop it from the live set. */
  callEnded(call: SipCall): void;
  /** Where a flow's responses go; used only for logging context. */
  describe(flow: TransportEndpoint): string;
}
