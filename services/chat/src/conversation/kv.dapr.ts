import type { KeyValue } from './kv.ts';

export interface DaprKeyValueOptions {
  /** http://127.0.0.1:${DAPR_HTTP_PORT} */
  daprUrl: string;
  /** Sent as dapr-api-token when the sidecar requires it. */
  apiToken?: string;
  store?: string;
  timeoutMs?: number;
}

/** The stack's conversation store: the Dapr state API, with ETags and first-write-wins concurrency. */
export function createDaprKeyValue({
  daprUrl,
  apiToken,
  store = 'statestore',
  timeoutMs = 5_000,
}: DaprKeyValueOptions): KeyValue {
  const base = `${daprUrl.replace(/\/+$/, '')}/v1.0/state/${store}`;
  const headers = apiToken ? { 'dapr-api-token': apiToken } : {};
  return {
    async get(key) {
      const res = await fetch(`${base}/${encodeURIComponent(key)}`, {
        headers,
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.status === 204) return null;
      if (!res.ok) throw new Error(`state store: GET answered ${res.status}: ${await res.text()}`);
      const text = await res.text();
      if (!text) return null;
      return { value: JSON.parse(text), etag: res.headers.get('etag') ?? '' };
    },
    async set(key, value, etag) {
      // A new key is written without an ETag: Dapr has no "only if absent", so two first messages of the
      // same conversation racing would both win; every later write is guarded.
      const item = {
        key,
        value,
        ...(etag ? { etag } : {}),
        options: { concurrency: 'first-write', consistency: 'strong' },
      };
      const res = await fetch(base, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify([item]),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.ok) return true;
      // 409: the ETag no longer matches (someone wrote in between).
      if (res.status === 409) return false;
      throw new Error(`state store: POST answered ${res.status}: ${await res.text()}`);
    },
    close: () => Promise.resolve(),
  };
}
