/**
 * /v1/registrations: who is registered with the SIP registrar right now. The registrar keeps
 * its bindings in memory (or its own store), not in the control-plane database, so the app
 * injects a function that reads them.
 */
import { z } from 'zod';
import type { ApiRouter } from '../route-kit.js';
import { iso, listOf, timestamp } from './schemas.js';

/** One registered contact of an address-of-record, as the app hands it to the API. */
export interface RegistrationView {
  /** The address-of-record, e.g. `sip:alice@example.com`. */
  aor: string;
  /** The contact URI the AOR is reachable at. */
  contact: string;
  /** When the binding lapses unless refreshed. */
  expiresAt: Date;
  /** Transport the REGISTER came over (`udp`, `tcp`, `tls`, `ws`, `wss`), when known. */
  transport?: string;
}

/** A registration as answered. */
export const registrationView = z.object({
  aor: z.string(),
  contact: z.string(),
  expiresAt: timestamp,
  transport: z.string().optional(),
});

/** Registers `GET /v1/registrations`; without a source it answers an empty list. */
export function registerRegistrationRoutes(
  router: ApiRouter,
  registrations: (() => Promise<RegistrationView[]>) | undefined,
): void {
  router.add({
    method: 'GET',
    url: '/v1/registrations',
    summary: 'List current SIP registrations (one item per contact)',
    tag: 'registrations',
    scope: 'read-only',
    response: listOf(registrationView),
    handler: async () => {
      const items = registrations ? await registrations() : [];
      return {
        items: items.map((r) => ({
          aor: r.aor,
          contact: r.contact,
          expiresAt: iso(r.expiresAt),
          transport: r.transport,
        })),
      };
    },
  });
}
