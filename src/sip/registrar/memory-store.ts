/** In-process RegistrationStore: bindings live as long as the process does. */
import type { Binding, RegistrationStore } from './types.js';

function copy(b: Binding): Binding {
  return b.source ? { ...b, source: { ...b.source } } : { ...b };
}

/**
 * Keeps bindings in a Map. Values are copied in and out so callers cannot change stored
 * bindings behind the registrar's back, just as with a database-backed store.
 */
export class MemoryRegistrationStore implements RegistrationStore {
  private readonly data = new Map<string, Binding[]>();

  /** Bindings of `aor`; an empty list when none. */
  async load(aor: string): Promise<Binding[]> {
    return (this.data.get(aor) ?? []).map(copy);
  }

  /** Replaces the bindings of `aor`; an empty list deletes it. */
  async save(aor: string, bindings: Binding[]): Promise<void> {
    if (bindings.length === 0) this.data.delete(aor);
    else this.data.set(aor, bindings.map(copy));
  }

  /** Every AOR with its bindings. */
  async all(): Promise<Map<string, Binding[]>> {
    return new Map([...this.data].map(([aor, list]) => [aor, list.map(copy)]));
  }
}
