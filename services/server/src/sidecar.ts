// daprd's HTTP API as an app calls it: service invocation and the state store. Every app reaches other
// apps and its state through these; nothing else builds an invocation URL. This module imports no Koa
// and no tracing SDK, so the web app's server bundle takes it too ('@todo/server/sidecar'). fetch() is
// instrumented by telemetry.ts: each call carries the active trace on as traceparent.
import type { z } from 'zod';

/** Where an app reaches its own daprd, and the token daprd expects from it. */
export interface Sidecar {
  /** e.g. http://127.0.0.1:3500 */
  http: string;
  apiToken?: string | undefined;
}

/** Headers for calls to the sidecar: its Dapr API token, then `extra`. */
export function sidecarHeaders(s: Sidecar, extra: Record<string, string> = {}): Record<string, string> {
  return { ...(s.apiToken ? { 'dapr-api-token': s.apiToken } : {}), ...extra };
}

/** The URL that invokes `path` (from its leading `/`, query included) of app `appId` through daprd. */
export function invokeUrl(s: Sidecar, appId: string, path = ''): string {
  return `${s.http.replace(/\/+$/, '')}/v1.0/invoke/${appId}/method${path}`;
}

export interface InvokeInit extends Omit<RequestInit, 'headers'> {
  /** Sent after the Dapr API token: the caller's authorization, an idempotency key, the content type. */
  headers?: Record<string, string>;
  /** Gives up after this long; without it (or `signal`), the call waits as long as daprd does. */
  timeoutMs?: number;
}

/**
 * Service invocation: calls `path` of app `appId` through this app's daprd, with the Dapr API token, and
 * answers the app's response as it came (any status; a stream stays a stream).
 */
export function invoke(
  s: Sidecar,
  appId: string,
  path: string,
  { headers = {}, timeoutMs, ...init }: InvokeInit = {},
): Promise<Response> {
  return fetch(invokeUrl(s, appId, path), {
    ...(timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) }),
    ...init,
    headers: sidecarHeaders(s, headers),
  });
}

/**
 * Service invocation of an app's JSON route: sends `body` as JSON (when given), and parses a 2xx answer
 * with `schema`. Any other status throws `<what>: <status> <the answer's start>`.
 */
export async function invokeJson<S extends z.ZodType>(
  s: Sidecar,
  appId: string,
  path: string,
  {
    what,
    schema,
    body,
    headers = {},
    ...init
  }: Omit<InvokeInit, 'body'> & { what: string; schema: S; body?: unknown },
): Promise<z.output<S>> {
  const res = await invoke(s, appId, path, {
    ...init,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${what}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return schema.parse(await res.json());
}

/** One write to the state store. */
export interface StateWrite {
  key: string;
  value: unknown;
  /** The ETag the value was read with: the write wins only if nobody wrote since. None: a new key. */
  etag?: string | undefined;
  /** The store forgets the key after this long (Dapr's ttlInSeconds). */
  ttlSeconds?: number | undefined;
}

export interface StateStore {
  /** The value and its ETag (null when the store gave none), or undefined when the key is absent. */
  get(key: string): Promise<{ value: unknown; etag: string | null } | undefined>;
  /**
   * Writes with first-write concurrency and strong consistency. Answers false when another write won:
   * the ETag no longer matches, or a new key was made by someone else first.
   */
  save(write: StateWrite): Promise<boolean>;
}

/** A Dapr state store (`store`, a component name) through this app's daprd. */
export function stateStore(
  s: Sidecar,
  {
    store = 'statestore',
    timeoutMs,
    strongReads = false,
  }: { store?: string; timeoutMs: number; strongReads?: boolean },
): StateStore {
  const base = `${s.http.replace(/\/+$/, '')}/v1.0/state/${store}`;
  return {
    async get(key) {
      const res = await fetch(
        `${base}/${encodeURIComponent(key)}${strongReads ? '?consistency=strong' : ''}`,
        {
          headers: sidecarHeaders(s),
          signal: AbortSignal.timeout(timeoutMs),
        },
      );
      if (res.status === 204) return undefined;
      const text = await res.text();
      if (!res.ok) throw new Error(`state get ${key}: ${res.status} ${text}`);
      if (!text) return undefined;
      return { value: JSON.parse(text) as unknown, etag: res.headers.get('etag') };
    },
    async save({ key, value, etag, ttlSeconds }) {
      const res = await fetch(base, {
        method: 'POST',
        headers: sidecarHeaders(s, { 'content-type': 'application/json' }),
        body: JSON.stringify([
          {
            key,
            value,
            ...(etag === undefined ? {} : { etag }),
            ...(ttlSeconds === undefined ? {} : { metadata: { ttlInSeconds: String(ttlSeconds) } }),
            options: { consistency: 'strong', concurrency: 'first-write' },
          },
        ]),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.ok) return true;
      const text = await res.text();
      // 409: the ETag no longer matches. A new key that someone else made first fails in the store's
      // own words (Redis: "failed to set key"), with a 500.
      if (res.status === 409 || (etag === undefined && /failed to set key/i.test(text))) return false;
      throw new Error(`state save ${key}: ${res.status} ${text}`);
    },
  };
}
