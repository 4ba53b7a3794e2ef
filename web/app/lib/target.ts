// How the web server reaches the API; no React or router here, so web/server.ts can load it first.

/** How this web process reaches the API: the same origin (embedded), or each app through its daprd (stack). */
export type ApiTarget =
  { kind: 'origin'; origin: string } | { kind: 'dapr'; endpoint: string; token?: string | undefined };

/** The app that answers a path in the stack (contract: tasks, chat, search, notifications). */
export function appOf(path: string): string {
  if (/^\/api\/chat(?:[/?]|$)/.test(path)) return 'chat';
  if (/^\/api\/(?:notifications|webhooks)(?:[/?]|$)/.test(path)) return 'notifications';
  if (/^\/api\/search(?:[/?]|$)/.test(path)) return 'search';
  return 'tasks';
}

/** The URL and headers that carry an /api path to its app. */
export function route(target: ApiTarget, path: string): { url: string; headers: Record<string, string> } {
  if (target.kind === 'origin') return { url: target.origin + path, headers: {} };
  return {
    url: `${target.endpoint}/v1.0/invoke/${appOf(path)}/method${path}`,
    headers: target.token ? { 'dapr-api-token': target.token } : {},
  };
}
