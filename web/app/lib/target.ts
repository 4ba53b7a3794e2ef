// How the web server reaches the API; no React or router here, so web/server.ts can load it first.
import { apiAppOf } from '@todo/core';
import { invokeUrl, sidecarHeaders, type Sidecar } from '@todo/server/sidecar';

/** How this web process reaches the API: the same origin (embedded), or each app through its daprd (stack). */
export type ApiTarget = { kind: 'origin'; origin: string } | { kind: 'dapr'; sidecar: Sidecar };

/** The URL and headers that carry an /api path to its app. */
export function route(target: ApiTarget, path: string): { url: string; headers: Record<string, string> } {
  if (target.kind === 'origin') return { url: target.origin + path, headers: {} };
  return { url: invokeUrl(target.sidecar, apiAppOf(path), path), headers: sidecarHeaders(target.sidecar) };
}
