import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionTable } from './connection-table.js';
import type { Connection } from './types.js';

function fakeConnection(
  id: string,
  host = '10.0.0.1',
  port = 5060,
): Connection & { open: boolean } {
  const conn = {
    id,
    protocol: 'tcp' as const,
    remote: { host, port },
    local: { protocol: 'tcp' as const, host: '127.0.0.1', port: 5060 },
    open: true,
    write: () => Promise.resolve(),
    close: vi.fn(() => {
      conn.open = false;
    }),
    isOpen: () => conn.open,
  };
  return conn;
}

describe('ConnectionTable', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('finds connections by id and by remote address', () => {
    const table = new ConnectionTable(1000);
    const a = fakeConnection('tcp:10.0.0.1:5060#1');
    table.add(a);
    expect(table.get(a.id)).toBe(a);
    expect(table.find('tcp', '10.0.0.1', 5060)).toBe(a);
    expect(table.find('tls', '10.0.0.1', 5060)).toBeUndefined();
    expect(table.size).toBe(1);
    table.clear();
  });

  it('hides connections that are no longer open', () => {
    const table = new ConnectionTable(1000);
    const a = fakeConnection('a');
    table.add(a);
    a.open = false;
    expect(table.get('a')).toBeUndefined();
    expect(table.find('tcp', '10.0.0.1', 5060)).toBeUndefined();
    table.clear();
  });

  it('lets the newest connection to an address take over, and survives the old one closing', () => {
    const table = new ConnectionTable(1000);
    const a = fakeConnection('a');
    const b = fakeConnection('b');
    table.add(a);
    table.add(b);
    expect(table.find('tcp', '10.0.0.1', 5060)).toBe(b);
    table.remove(a);
    expect(table.find('tcp', '10.0.0.1', 5060)).toBe(b);
    table.remove(b);
    expect(table.find('tcp', '10.0.0.1', 5060)).toBeUndefined();
    expect(table.size).toBe(0);
  });

  it('closes idle connections, and traffic postpones that', () => {
    vi.useFakeTimers();
    const table = new ConnectionTable(1000);
    const a = fakeConnection('a');
    table.add(a);
    vi.advanceTimersByTime(800);
    table.touch(a);
    vi.advanceTimersByTime(800);
    expect(a.close).not.toHaveBeenCalled();
    vi.advanceTimersByTime(300);
    expect(a.close).toHaveBeenCalledOnce();
    table.remove(a);
  });

  it('clear() stops every idle timer', () => {
    vi.useFakeTimers();
    const table = new ConnectionTable(1000);
    const a = fakeConnection('a');
    table.add(a);
    table.clear();
    vi.advanceTimersByTime(5000);
    expect(a.close).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
