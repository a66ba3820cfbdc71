/**
 * An inbound call from a raw UDP peer to a stack, answered and ACKed, with the dialog
 * identifiers a test needs to send its own in-dialog requests.
 */
import { expect } from 'vitest';
import type { SipResponse } from '../../../src/sip/message/index.js';
import type { SipCall } from '../../../src/sip/ua/index.js';
import {
  isResponse,
  rawOffer,
  rawRequest,
  toTagOf,
  type RawRequest,
  type RawUdpPeer,
} from './raw-peer.js';
import { media, nextCall, type UaStack } from './ua-stack.js';

/** A call set up by {@link rawCall}. */
export interface RawCall {
  call: SipCall;
  /** The 200 to the INVITE. */
  ok: SipResponse;
  /** Fields for the peer's in-dialog requests. */
  dialog: Pick<RawRequest, 'peer' | 'callId' | 'fromTag' | 'toTag'>;
  /** The peer's next CSeq number. */
  nextSeq(): number;
}

let counter = 0;

/** Options of {@link rawCall}. */
export interface RawCallOptions {
  headers?: string[];
  /** Leave the 200 unACKed. */
  noAck?: boolean;
}

/** Sends an INVITE with an offer from `peer`, answers it at `server` and ACKs the 200. */
export async function rawCall(
  server: UaStack,
  peer: RawUdpPeer,
  opts: RawCallOptions = {},
): Promise<RawCall> {
  const callId = `raw-call-${process.pid}-${++counter}`;
  const fromTag = `peer${counter}`;
  const arrival = nextCall(server.ua);
  peer.send(
    rawRequest({
      method: 'INVITE',
      peer,
      callId,
      fromTag,
      cseq: 1,
      headers: opts.headers,
      body: rawOffer(),
    }),
  );
  const call = await arrival;
  expect(call.answer({ media: media() })).toBe(true);
  const ok = await peer.next(isResponse(200, 'INVITE'), '200 to INVITE');
  const dialog = { peer, callId, fromTag, toTag: toTagOf(ok) };
  if (!opts.noAck) peer.send(rawRequest({ method: 'ACK', ...dialog, cseq: 1 }));
  let seq = 1;
  return { call, ok, dialog, nextSeq: () => ++seq };
}
