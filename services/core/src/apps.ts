/** The apps that serve the public API (their Dapr app ids). */
export type ApiApp = 'tasks' | 'chat' | 'notifications' | 'search';

/**
 * The app that answers an /api path: one table for the embedded process's router, the web app's calls
 * through Dapr and the cluster's ingress rules (deploy/helm).
 */
export function apiAppOf(path: string): ApiApp {
  if (/^\/api\/chat(?:[/?]|$)/.test(path)) return 'chat';
  if (/^\/api\/(?:notifications|webhooks)(?:[/?]|$)/.test(path)) return 'notifications';
  if (/^\/api\/search(?:[/?]|$)/.test(path)) return 'search';
  return 'tasks';
}
