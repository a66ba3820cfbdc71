import { describe, expect, it } from 'vitest';
import { parseUri } from '../message/index.js';
import { normaliseAor, sameUri, sameUriText } from './aor.js';
import { MemoryRegistrationStore } from './memory-store.js';

describe('normaliseAor', () => {
  it('keeps scheme, user and lower-cased host only', () => {
    expect(normaliseAor('sip:alice@Example.COM:5070;transport=tcp?subject=x')).toBe(
      'sip:alice@example.com',
    );
    expect(normaliseAor('sips:Alice@example.com')).toBe('sip:Alice@example.com');
    expect(normaliseAor('alice@example.com')).toBe('sip:alice@example.com');
    expect(normaliseAor(parseUri('sip:example.com'))).toBe('sip:example.com');
  });
});

describe('sameUri', () => {
  const same = (a: string, b: string) => sameUri(parseUri(a), parseUri(b));

  it('follows RFC 3261 §19.1.4', () => {
    expect(same('sip:alice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp')).toBe(
      true,
    );
    expect(same('sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5')).toBe(true);
    expect(same('sip:ALICE@AtLanTa.CoM', 'sip:alice@atlanta.com')).toBe(false);
    expect(same('sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060')).toBe(false);
    expect(same('sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp')).toBe(false);
    expect(same('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off')).toBe(
      false,
    );
    expect(same('sip:a@h', 'sips:a@h')).toBe(false);
    expect(sameUriText('sip:a@h', 'not a uri <<')).toBe(false);
  });
});

describe('MemoryRegistrationStore', () => {
  it('copies bindings in and out and deletes AORs saved empty', async () => {
    const store = new MemoryRegistrationStore();
    const source = { protocol: 'udp' as const, host: '192.0.2.1', port: 5060 };
    const binding = { contact: 'sip:a@h', expiresAt: 1, q: 1, callId: 'c', cseq: 1, source };
    await store.save('sip:a@h', [binding]);
    source.port = 1;
    const [loaded] = await store.load('sip:a@h');
    expect(loaded?.source?.port).toBe(5060);
    loaded!.q = 0;
    expect((await store.load('sip:a@h'))[0]?.q).toBe(1);
    expect([...(await store.all()).keys()]).toEqual(['sip:a@h']);
    await store.save('sip:a@h', []);
    expect(await store.all()).toEqual(new Map());
    expect(await store.load('missing')).toEqual([]);
  });
});
