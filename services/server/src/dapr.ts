import { timingSafeEqual } from 'node:crypto';
import type Router from '@koa/router';
import { UnauthorizedError } from '@todo/core';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { metrics } from './metrics.ts';
import { sidecarHeaders, type Sidecar } from './sidecar.ts';
import { inSpan } from './tracing.ts';

/** What every event of the product carries (TaskEvent, ReminderDue, TaskDue): enough for a CloudEvent. */
export interface EventEnvelope {
  id: string;
  type: string;
  subject: string;
  time: string;
  /** The trace the event belongs to (a task event's request); else the publish joins the active one. */
  traceparent?: string;
}

/** A CloudEvent 1.0 whose `data` is the whole event (one schema for producer and consumer). */
function toCloudEvent(e: EventEnvelope, source: string) {
  return {
    specversion: '1.0',
    id: e.id,
    source,
    type: e.type,
    subject: e.subject,
    time: e.time,
    datacontenttype: 'application/json',
    data: e,
  };
}

/**
 * Publishes one event through the sidecar's pub/sub as a CloudEvent, partitioned by its subject (the
 * task id), so one task's events stay in order. Throws unless daprd accepted it.
 */
export async function publishEvent(
  s: Sidecar,
  target: { pubsub: string; topic: string; source: string },
  e: EventEnvelope,
): Promise<void> {
  const url = `${s.http}/v1.0/publish/${target.pubsub}/${target.topic}?metadata.partitionKey=${encodeURIComponent(e.subject)}`;
  // fetch sends the span on as traceparent; daprd puts it in the CloudEvent, so the consumers join the trace.
  await inSpan(`publish ${target.topic}`, e.traceparent, async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: sidecarHeaders(s, { 'content-type': 'application/cloudevents+json' }),
      body: JSON.stringify(toCloudEvent(e, target.source)),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`dapr publish ${e.type} ${e.id}: ${res.status} ${await res.text()}`);
  });
  metrics.published(target.topic);
}

/** Waits until daprd answers its outbound health check (it is up and its components are loaded). */
export async function waitForSidecar(s: Sidecar, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < until) {
    try {
      const res = await fetch(`${s.http}/v1.0/healthz/outbound`, { headers: sidecarHeaders(s) });
      if (res.ok) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`daprd at ${s.http} is not ready after ${timeoutMs} ms (${last})`);
}

/** Reads one secret through the sidecar's secret store. */
export async function readSecret(s: Sidecar, store: string, key: string): Promise<string> {
  const res = await fetch(`${s.http}/v1.0/secrets/${store}/${encodeURIComponent(key)}`, {
    headers: sidecarHeaders(s),
  });
  if (!res.ok) throw new Error(`secret ${store}/${key}: ${res.status} ${await res.text()}`);
  const value = ((await res.json()) as Record<string, string>)[key];
  if (!value) throw new Error(`secret ${store}/${key} is empty`);
  return value;
}

/** The sidecar an app's env names (DAPR_HTTP_ENDPOINT, DAPR_API_TOKEN), or undefined without one. */
export function sidecarFromEnv(env: {
  DAPR_HTTP_ENDPOINT?: string | undefined;
  DAPR_API_TOKEN?: string | undefined;
}): Sidecar | undefined {
  return env.DAPR_HTTP_ENDPOINT ? { http: env.DAPR_HTTP_ENDPOINT, apiToken: env.DAPR_API_TOKEN } : undefined;
}

/**
 * The token signing key: JWT_SECRET, else the secret store's `jwt-signing-key` through the sidecar.
 * Throws when it has neither.
 */
export async function signingKey(
  env: { JWT_SECRET?: string | undefined },
  sidecar?: Sidecar,
): Promise<string> {
  const jwtKey = env.JWT_SECRET ?? (sidecar && (await readSecret(sidecar, 'secretstore', 'jwt-signing-key')));
  if (!jwtKey)
    throw new Error('no token signing key: set JWT_SECRET or run beside daprd with the secret store');
  return jwtKey;
}

/** What a subscriber answers daprd: done, deliver again later, or give up (to the dead-letter topic). */
export type ConsumeOutcome = 'SUCCESS' | 'RETRY' | 'DROP';

/** One topic this app consumes, with the route daprd delivers it to and what handles its data. */
export interface Subscription {
  pubsubname: string;
  topic: string;
  route: string;
  deadLetterTopic: string;
  consume: (data: unknown) => Promise<ConsumeOutcome>;
  /**
   * Dapr's bulk subscribe: daprd hands the route up to `maxMessagesCount` messages at once (waiting at most
   * `maxAwaitDurationMs` for them). Each message is consumed in its own trace, all of them at once (a
   * consumer that writes may gather them into one write), and answered on its own: daprd redelivers
   * only the RETRY ones, dead-letters what still fails and what was dropped, and commits the rest.
   */
  bulk?: { maxMessagesCount: number; maxAwaitDurationMs: number };
}

/** The subscription to `task-events` every consumer of task events makes (each app in its own group). */
export function taskEventsSubscription(consume: Subscription['consume']): Subscription {
  return {
    pubsubname: 'pubsub',
    topic: 'task-events',
    route: '/events/task-events',
    deadLetterTopic: 'task-events-dlq',
    consume,
  };
}

/**
 * A consumer as daprd (or the embedded relay) calls it: data that `schema` refuses is dropped (DROP: to the
 * dead letters), a handled event is done (SUCCESS), and a handler that throws asks for redelivery (RETRY).
 */
export function eventConsumer<T>(
  { schema, name, logger }: { schema: z.ZodType<T>; name: string; logger?: Logger },
  handle: (event: T) => Promise<void>,
): (raw: unknown) => Promise<ConsumeOutcome> {
  return async (raw) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      logger?.warn({ issues: parsed.error.issues.slice(0, 5) }, `${name}: not an event it takes, dropped`);
      return 'DROP';
    }
    try {
      await handle(parsed.data);
      return 'SUCCESS';
    } catch (err) {
      const eventId = (parsed.data as { id?: unknown }).id;
      logger?.warn({ err, eventId }, `${name}: could not handle the event, asking for redelivery`);
      return 'RETRY';
    }
  };
}

/** A bulk delivery as daprd sends it: each entry's `event` is the CloudEvent, with its trace. */
interface BulkEnvelope {
  entries: { entryId: string; event?: { data?: unknown; traceparent?: unknown } }[];
}
const isBulk = (body: unknown): body is BulkEnvelope =>
  typeof body === 'object' && body !== null && Array.isArray((body as BulkEnvelope).entries);

/**
 * Serves Dapr's programmatic subscriptions: the list daprd asks for, and each topic's delivery route
 * (CloudEvents; the handler gets `data`). Only daprd, which sends `appApiToken` as dapr-api-token, may
 * deliver; without a token nothing is delivered (requireAppToken).
 */
export function subscriptionRoutes(
  router: Router,
  subscriptions: Subscription[],
  appApiToken: string | undefined,
): void {
  const all = subscriptions.flatMap((s) => [s, deadLetterDrain(s)]);
  router.get('/dapr/subscribe', (ctx) => {
    ctx.body = all.map(({ consume: _c, bulk, ...s }) =>
      bulk ? { ...s, bulkSubscribe: { enabled: true, ...bulk } } : s,
    );
  });
  for (const { route, topic, consume } of all) {
    const take = async (data: unknown) => {
      const status = await consume(data);
      metrics.consumed(topic, status);
      return status;
    };
    router.post(route, requireAppToken(appApiToken), async (ctx) => {
      const body = (ctx.request as unknown as { body?: unknown }).body;
      // A bulk subscription's route also takes single messages (a redelivery may come one by one).
      if (isBulk(body)) {
        // Each entry in the trace its message carries, under the span its own delivery would have had.
        const statuses = await Promise.all(
          body.entries.map(({ entryId, event }) => {
            const trace = typeof event?.traceparent === 'string' ? event.traceparent : undefined;
            return inSpan(`POST ${route}`, trace, async () => ({ entryId, status: await take(event?.data) }));
          }),
        );
        ctx.body = { statuses };
        return;
      }
      ctx.body = { status: await take((body as { data?: unknown } | undefined)?.data) };
    });
  }
}

/**
 * The same consumer on the subscription's dead-letter topic (docs/decisions/0032): what daprd dead-lettered
 * once its redeliveries ran out (the app was down or failing) is taken again, in the app's own consumer
 * group, once it can be. A message that fails again goes back to the end of the dead-letter topic, so
 * nothing is lost; one the consumer refuses (DROP) is acknowledged, as it would only go round for ever
 * (the topic keeps it for its retention). Consumers are idempotent by event id or version, so a dead
 * letter that another app's group put there, or one taken twice, changes nothing.
 */
export function deadLetterDrain(s: Subscription): Subscription {
  return {
    pubsubname: s.pubsubname,
    topic: s.deadLetterTopic,
    route: `${s.route}/dead-letters`,
    deadLetterTopic: s.deadLetterTopic,
    consume: async (data) => {
      const delivery = await s.consume(data);
      return delivery === 'DROP' ? 'SUCCESS' : delivery;
    },
    ...(s.bulk ? { bulk: s.bulk } : {}),
  };
}

/**
 * Lets a request through only when it carries `appApiToken` as dapr-api-token, as daprd does when it
 * calls its app (deliveries, bindings, service invocation). Fails closed: with no token configured (unset
 * or empty) every request is refused, so a forgotten APP_API_TOKEN never opens these routes.
 */
export function requireAppToken(appApiToken: string | undefined): Middleware {
  return async (ctx, next) => {
    if (!appApiToken)
      throw new UnauthorizedError(
        'this route takes calls from daprd only, and this app has no app API token (APP_API_TOKEN) to check them',
      );
    if (!sameToken(ctx.get('dapr-api-token'), appApiToken))
      throw new UnauthorizedError('only daprd, with its app API token, may call this route');
    await next();
  };
}

/** Compares a token in constant time. */
export function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
