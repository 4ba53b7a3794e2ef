import { stateStore, type Sidecar } from '@todo/server';
import type { KeyValue } from './kv.ts';

/** The stack's conversation store: the Dapr state API, with ETags and first-write-wins concurrency. */
export function createDaprKeyValue(
  sidecar: Sidecar,
  { store = 'statestore', timeoutMs = 5_000 }: { store?: string; timeoutMs?: number } = {},
): KeyValue {
  const state = stateStore(sidecar, { store, timeoutMs });
  return {
    async get(key) {
      const item = await state.get(key);
      return item ? { value: item.value, etag: item.etag ?? '' } : null;
    },
    // A new key is written without an ETag: two first messages of the same conversation racing may both
    // win where the store has no "only if absent"; every later write is guarded.
    set: (key, value, etag) => state.save({ key, value, ...(etag ? { etag } : {}) }),
    close: () => Promise.resolve(),
  };
}
