import { CreatedOccurrence, fillRoute, INTERNAL_ROUTES, LivePage, OwnerZone, TaskAndZone } from '@todo/core';
import { publishEvent, sidecarHeaders, type Sidecar } from '@todo/server';
import type { NotificationPublisher, TasksReader, TasksWriter } from '../deps.ts';
import type { StateTable } from '../timers/scheduler.ts';

// The worker's dependencies in the stack, all through its own daprd: the task service's internal routes
// by service invocation, the `reminders` topic by pub/sub, its memory in the state store.

async function call(s: Sidecar, what: string, path: string, init: RequestInit = {}): Promise<unknown> {
  const res = await fetch(`${s.http}/v1.0/invoke/tasks/method${path}`, {
    ...init,
    headers: sidecarHeaders(s, { 'content-type': 'application/json', ...(init.headers as object) }),
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new Error(`tasks ${what}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return res.json();
}

/** How long an owner's zone, read with a task, is taken as still true. */
const ZONE_TTL_MS = 60_000;
const ZONES_KEPT = 10_000;

/**
 * The task service as the activities read and write it. Each task read brings its owner's zone along,
 * which the zone reads then take (for a minute) instead of calling again: a firing costs one call.
 */
export function daprTasks(s: Sidecar): TasksReader & TasksWriter {
  const zones = new Map<string, { zone: string; until: number }>();
  const remember = (owner: string, zone: string) => {
    // A bound, not an LRU: past it the cache starts again (a call per owner, once a minute at worst).
    if (zones.size >= ZONES_KEPT) zones.clear();
    zones.set(owner, { zone, until: Date.now() + ZONE_TTL_MS });
    return zone;
  };
  return {
    async getTask(owner, id) {
      const { task, zone } = TaskAndZone.parse(
        await call(s, 'read', fillRoute(INTERNAL_ROUTES.task, { owner, id })),
      );
      remember(owner, zone);
      return task;
    },
    async ownerZone(owner) {
      const known = zones.get(owner);
      if (known && known.until > Date.now()) return known.zone;
      return remember(
        owner,
        OwnerZone.parse(await call(s, 'read zone', fillRoute(INTERNAL_ROUTES.ownerZone, { owner }))).zone,
      );
    },
    async createOccurrence(owner, key, input) {
      const body = await call(s, 'create occurrence', fillRoute(INTERNAL_ROUTES.occurrences, { owner }), {
        method: 'POST',
        headers: { 'idempotency-key': key },
        body: JSON.stringify(input),
      });
      return CreatedOccurrence.parse(body).task;
    },
  };
}

/** `reminder.due` and `task.due` go to the `reminders` topic, partitioned by task. */
export function daprNotificationPublisher(s: Sidecar, pubsub = 'pubsub'): NotificationPublisher {
  return { publish: (event) => publishEvent(s, { pubsub, topic: 'reminders', source: 'workflows' }, event) };
}

/**
 * The coordinator's memory (the version applied per task, the head of each series) in a state store,
 * written with first-write concurrency: a write carries the ETag its read gave (none for a new key), and
 * the store refuses it when another write came in between. A TTL rides along as `ttlInSeconds`.
 */
export function daprStateTable(s: Sidecar, store = 'statestore'): StateTable {
  const base = `${s.http}/v1.0/state/${store}`;
  return {
    async get<T>(key: string) {
      const res = await fetch(`${base}/${encodeURIComponent(key)}?consistency=strong`, {
        headers: sidecarHeaders(s),
        signal: AbortSignal.timeout(10_000),
      });
      if (res.status === 204) return undefined;
      if (!res.ok) throw new Error(`state get ${key}: ${res.status} ${await res.text()}`);
      const etag = res.headers.get('etag');
      if (!etag) throw new Error(`state get ${key}: the store answered no ETag`);
      return { value: (await res.json()) as T, etag };
    },
    async put(key, value, { etag, ttlSeconds } = {}) {
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
        signal: AbortSignal.timeout(10_000),
      });
      if (res.ok) return true;
      const text = await res.text();
      // 409: the ETag no longer matches. A new key that someone else made first fails in the store's
      // own words (Redis: "failed to set key"), with a 500.
      if (res.status === 409 || (etag === undefined && /failed to set key/i.test(text))) return false;
      throw new Error(`state put ${key}: ${res.status} ${text}`);
    },
  };
}

/** The reconciler's pages of live tasks (open, with reminders or in a series) from the task service. */
export function daprLive(s: Sidecar) {
  return async (after?: string) =>
    LivePage.parse(await call(s, 'live', fillRoute(INTERNAL_ROUTES.live, {}, { after })));
}
