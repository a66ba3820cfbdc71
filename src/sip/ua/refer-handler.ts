/**
 * A REFER received inside a call (RFC 3515): 202 Accepted, the implicit subscription's first
 * NOTIFY (100 Trying) at once, and a `notify` function the application calls as the transfer
 * progresses; a final status terminates the subscription.
 */
import { createResponse, type SipRequest } from '../message/index.js';
import type { ServerTransaction } from '../transaction/index.js';
import type { CallServices } from './call-services.js';
import type { Dialog } from './dialog.js';
import { background } from './guard.js';
import { readRefer, sipfrag, type ReferTarget } from './refer.js';

/** A REFER received in the call, with the means to report the transfer's progress. */
export interface IncomingRefer extends ReferTarget {
  /** Sends a NOTIFY with a sipfrag status; `final` statuses (>= 200) end the subscription. */
  notify(status: number, reason: string): Promise<void>;
}

/** What the handler needs from the call. */
export interface ReferringCall {
  readonly dialog?: Dialog;
  readonly state: string;
  listenerCount(event: 'refer'): number;
  emit(event: 'refer', refer: IncomingRefer): boolean;
}

/** Answers a REFER and hands it to the application's 'refer' listener. */
export function handleRefer(
  call: ReferringCall,
  core: CallServices,
  req: SipRequest,
  tx: ServerTransaction,
): void {
  let target: ReferTarget;
  try {
    target = readRefer(req);
  } catch (err) {
    const reason = (err as Error).message;
    core.respond(tx, createResponse(req, 400, { reason }));
    return;
  }
  if (call.listenerCount('refer') === 0) {
    core.respond(tx, createResponse(req, 603, { reason: 'Transfer not available' }));
    return;
  }
  // RFC 4488: with `Refer-Sub: false` the referrer wants no implicit subscription, so no
  // NOTIFY at all; our 202 confirms it with the same header.
  const noSubscription = req.headers.get('Refer-Sub')?.trim().toLowerCase() === 'false';
  const headers = core.commonHeaders();
  if (noSubscription) headers.push(['Refer-Sub', 'false']);
  core.respond(tx, createResponse(req, 202, { headers }));
  const dialog = call.dialog;
  let terminated = noSubscription;
  // NOTIFYs go out one after the other: each waits for the previous one's response, so the
  // peer never sees the final status overtake 100 Trying (UDP does not keep order for us).
  let queue: Promise<void> = Promise.resolve();
  const notify = (status: number, reason: string): Promise<void> => {
    if (!dialog || terminated || call.state === 'ended') return queue;
    const final = status >= 200;
    if (final) terminated = true;
    queue = queue.then(async () => {
      await core.sendInDialog(dialog, 'NOTIFY', {
        headers: [
          ['Event', 'refer'],
          ['Subscription-State', final ? 'terminated;reason=noresource' : 'active;expires=60'],
        ],
        contentType: 'message/sipfrag;version=2.0',
        body: sipfrag(status, reason),
      });
    });
    return queue;
  };
  // RFC 3515 §2.4.4: the first NOTIFY follows the 202 at once.
  background(notify(100, 'Trying'));
  call.emit('refer', { ...target, notify });
}
