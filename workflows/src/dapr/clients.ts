import { CreatedOccurrence, fillRoute, INTERNAL_ROUTES, LivePage, OwnerZone, TaskAndZone } from '@todo/core';
import { invokeJson, publishEvent, stateStore, type Sidecar } from '@todo/server';
import type { z } from 'zod';
import type { NotificationPublisher, TasksReader, TasksWriter } from '../deps.ts';
import type { StateTable } from '../timers/scheduler.ts';

// The worker's dependencies in the stack, all through its own daprd: the task service's internal routes
// by service invocation, the `reminders` topic by pub/sub, its memory in the state store.

function call<S extends z.ZodType>(
  s: Sidecar,
  what: string,
  schema: S,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
) {
  return invokeJson(s, 'tasks', path, { what: `tasks ${what}`, schema, timeoutMs: 15_000, ...init });
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
      const { task, zone } = await call(
        s,
        'read',
        TaskAndZone,
        fillRoute(INTERNAL_ROUTES.task, { owner, id }),
      );
      remember(owner, zone);
      return task;
    },
    async ownerZone(owner) {
      const known = zones.get(owner);
      if (known && known.until > Date.now()) return known.zone;
      return remember(
        owner,
        (await call(s, 'read zone', OwnerZone, fillRoute(INTERNAL_ROUTES.ownerZone, { owner }))).zone,
      );
    },
    async createOccurrence(owner, key, input) {
      const path = fillRoute(INTERNAL_ROUTES.occurrences, { owner });
      const created = await call(s, 'create occurrence', CreatedOccurrence, path, {
        method: 'POST',
        headers: { 'idempotency-key': key },
        body: input,
      });
      return created.task;
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
  const state = stateStore(s, { store, timeoutMs: 10_000, strongReads: true });
  return {
    async get<T>(key: string) {
      const item = await state.get(key);
      if (!item) return undefined;
      if (!item.etag) throw new Error(`state get ${key}: the store answered no ETag`);
      return { value: item.value as T, etag: item.etag };
    },
    put: (key, value, { etag, ttlSeconds } = {}) => state.save({ key, value, etag, ttlSeconds }),
  };
}

/** The reconciler's pages of live tasks (open, with reminders or in a series) from the task service. */
export function daprLive(s: Sidecar) {
  return (after?: string) => call(s, 'live', LivePage, fillRoute(INTERNAL_ROUTES.live, {}, { after }));
}
