import { z } from 'zod';
import { Task } from './task.ts';

// The task service's internal API, declared once: the task service mounts these routes on its daprd-only
// listener (decision 0036), and the workflows and search apps call them through service invocation.

export const INTERNAL_ROUTES = {
  /** GET: the owner's IANA zone ('UTC' for an owner without an account). */
  ownerZone: '/internal/owners/:owner',
  /** GET: one of the owner's tasks (null when missing or deleted) and the owner's zone. */
  task: '/internal/owners/:owner/tasks/:id',
  /** POST: an instance of a series, once per Idempotency-Key. */
  occurrences: '/internal/owners/:owner/occurrences',
  /** GET: every owner's open tasks with reminders or in a series, a page at a time (the reconciler). */
  live: '/internal/live',
  /** GET: every owner's tasks that are not deleted, a page at a time (a search reindex). */
  tasks: '/internal/tasks',
  /** GET ?owner=: who a live session acts for, or null once it ended (the other apps' session check). */
  session: '/internal/sessions/:sid',
  /** POST (served by the workflows app): what the engine says of each workflow. */
  inspectWorkflows: '/internal/workflows/inspect',
} as const;

export const OwnerZone = z.object({ zone: z.string() });
export const TaskAndZone = z.object({ task: Task.nullable(), zone: z.string() });
export const CreatedOccurrence = z.object({ task: Task });
export const LivePage = z.object({
  items: z.array(z.object({ owner: z.string(), zone: z.string(), task: Task })),
  /** Pass as `after` for the next page; absent on the last page. */
  next: z.string().optional(),
});
export type LivePage = z.infer<typeof LivePage>;
export const SessionQuery = z.strictObject({ owner: z.string().min(1).max(200) });
export const SessionAnswer = z.object({
  principal: z.object({ id: z.string(), tz: z.string(), sid: z.string().optional() }).nullable(),
});
export const LiveQuery = z.strictObject({
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

/**
 * A route with its `:name` segments filled (each URI-encoded) and a query string from the defined values:
 * `fillRoute(INTERNAL_ROUTES.task, { owner, id })`.
 */
export function fillRoute(
  route: string,
  params: Record<string, string> = {},
  query: Record<string, string | number | undefined> = {},
): string {
  const path = route.replace(/:(\w+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${route}: no value for :${name}`);
    return encodeURIComponent(value);
  });
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) search.set(k, String(v));
  return search.size > 0 ? `${path}?${search}` : path;
}
