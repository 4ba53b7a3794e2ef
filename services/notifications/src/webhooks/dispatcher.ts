import { createHmac } from 'node:crypto';
import type { Clock } from '@todo/core';
import type { Logger } from 'pino';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { request } from 'undici';
import type { Attempt, Delivery, NotificationStore, Outcome, QueuePosition } from '../store/store.ts';
import { ReservedAddressError, webhookAgent, type Resolve } from './address.ts';

/**
 * The waits between a delivery's tries, after the first: Standard Webhooks' schedule (5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h), so an endpoint that is down for most of a day still gets the notification.
 */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

export interface DispatchOptions {
  /** The waits between tries; a delivery is given up after `retryScheduleMs.length + 1` tries. */
  retryScheduleMs?: readonly number[];
  /** Each wait is spread over ± this share of itself, so the retries of a burst do not arrive together. */
  jitter?: number;
  /** A number in [0, 1) (Math.random); injected so tests can pin the jitter. */
  random?: () => number;
  /** How long one try may take (connect, answer and body). */
  timeoutMs?: number;
  /** Tries in flight at once to one webhook, and over all. */
  perWebhook?: number;
  concurrency?: number;
  /** How often the queue is looked at when nothing wakes the dispatcher. */
  pollMs?: number;
  /**
   * Allow webhooks to reserved addresses (loopback, private, link-local...): an explicit allowance for a
   * local test receiver (WEBHOOK_ALLOW_INTERNAL), off by default in both profiles.
   */
  allowInternal?: boolean;
  /** Refuse http:// webhooks (everywhere but the embedded profile, where a receiver on a laptop is plain). */
  requireHttps?: boolean;
  /** How names are resolved for the connection (the system's; tests pass their own). */
  resolve?: Resolve;
}

/**
 * The first signature (X-Signature), kept for the receivers written against it:
 * `sha256=<hex HMAC-SHA256 of the raw body>`. It carries no time, so a replay verifies too.
 */
export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * The Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature): an HMAC-SHA256 of
 * `<id>.<unix seconds>.<body>` keyed with the secret's bytes (base64 after `whsec_`), so a receiver can
 * refuse old or replayed messages (the `standardwebhooks` package verifies them, 5 min tolerance).
 */
export function standardHeaders(secret: string, msgId: string, at: Date, body: string) {
  // Node's base64 decoder reads the URL-safe alphabet too: the first secrets were made with it.
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new StandardWebhook(key, { format: 'raw' }).sign(msgId, at, body),
  };
}

/**
 * When a delivery that has failed `tries` tries in this round is tried next (ms from now), or null once
 * the schedule is spent: the schedule's wait, spread over ± `jitter` of itself.
 */
export function retryDelay(
  schedule: readonly number[],
  tries: number,
  jitter: number,
  random: () => number,
): number | null {
  const wait = schedule[tries - 1];
  if (wait === undefined) return null;
  return Math.round(wait * (1 - jitter + 2 * jitter * random()));
}

/** Pages of the due queue one look at it reads at most (each up to twice the free slots). */
const MAX_PAGES = 10;

/**
 * Delivers queued webhook calls from the store: each claimed for one try under a lease (so a crash loses
 * none, and two replicas never try the same one at once), signed, with a timeout, retried on a schedule that
 * spans hours, with jitter. A webhook's own tries are limited (perWebhook), so a slow or failing endpoint holds only its own
 * slots and never delays another's deliveries.
 */
export function createWebhookDispatcher({
  store,
  clock,
  logger,
  options = {},
}: {
  store: NotificationStore;
  clock: Clock;
  logger: Logger;
  options?: DispatchOptions;
}) {
  const {
    retryScheduleMs = RETRY_SCHEDULE_MS,
    jitter = 0.2,
    random = Math.random,
    timeoutMs = 10_000,
    perWebhook = 2,
    concurrency = 32,
    pollMs = 1_000,
    allowInternal = false,
    requireHttps = true,
    resolve,
  } = options;
  const leaseMs = timeoutMs + 30_000;
  const newAgent = () =>
    webhookAgent({ allowInternal, connectTimeoutMs: timeoutMs, ...(resolve ? { resolve } : {}) });
  let agent = newAgent();
  const busy = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let pumping = false;
  let again = false;
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;

  async function pump(): Promise<void> {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        // Pages through the due queue: deliveries that another worker holds (or whose dead claimer's
        // lease has not ended) are passed over, so they never hold back anyone else's.
        let after: QueuePosition | undefined;
        for (let page = 0; page < MAX_PAGES && !stopped && inFlight.size < concurrency; page++) {
          const full = [...busy].filter(([, n]) => n >= perWebhook).map(([id]) => id);
          const now = clock.now().getTime();
          const limit = (concurrency - inFlight.size) * 2;
          const due = await store.dueDeliveries(now, limit, full, after);
          for (const d of due) {
            if (stopped || inFlight.size >= concurrency) break;
            if ((busy.get(d.webhookId) ?? 0) >= perWebhook) continue;
            if (!(await store.claimDelivery(d.id, d.nextAttemptAt, now, now + leaseMs))) continue;
            start(d);
          }
          if (due.length < limit) break;
          after = due.at(-1);
        }
      } while (again && !stopped);
    } catch (err) {
      logger.warn({ err }, 'webhooks: could not read the delivery queue; trying again later');
    } finally {
      pumping = false;
    }
  }

  function start(d: Delivery): void {
    busy.set(d.webhookId, (busy.get(d.webhookId) ?? 0) + 1);
    const run = attempt(d)
      .catch((err: unknown) => {
        // The try's outcome was not recorded: the lease runs out and the delivery is tried again.
        logger.warn({ err, delivery: d.id }, 'webhooks: could not record a try');
      })
      .finally(() => {
        const n = (busy.get(d.webhookId) ?? 1) - 1;
        if (n > 0) busy.set(d.webhookId, n);
        else busy.delete(d.webhookId);
        inFlight.delete(run);
        wake();
      });
    inFlight.add(run);
  }

  async function attempt(d: Delivery): Promise<void> {
    const webhook = await store.getWebhook(d.webhookId);
    if (!webhook) return; // deleted with its queue meanwhile
    const at = clock.now();
    const began = performance.now();
    let status: number | undefined;
    let error: string | undefined;
    const tries = d.attempts + 1;
    try {
      const url = new URL(webhook.url);
      // A webhook made before https was required is not called in the clear.
      if (requireHttps && url.protocol !== 'https:') throw new Error('refused: not an https:// URL');
      // Redirects are not followed (undici's request never does): a 3xx is an answer like any other.
      const res = await request(url, {
        dispatcher: agent,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'todo-chatbot-webhooks/0.1',
          'x-signature': sign(webhook.secret, d.body),
          'x-webhook-id': webhook.id,
          'x-event-id': d.eventId,
          'x-delivery-attempt': String(tries),
          ...standardHeaders(webhook.secret, d.eventId, at, d.body),
        },
        body: d.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.statusCode;
      // Only the status counts: a little of the answer's body is read and dropped (so the connection can
      // be reused), the rest is cut off; it could be large or never end.
      await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
    } catch (err) {
      const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
      error =
        e.name === 'TimeoutError'
          ? `timed out after ${timeoutMs} ms`
          : e instanceof ReservedAddressError || e.cause instanceof ReservedAddressError
            ? (e.cause ?? e).message!
            : (e.code ?? e.cause?.code ?? e.cause?.message ?? e.message);
    }
    const log: Attempt = {
      at: at.toISOString(),
      ...(status !== undefined ? { status } : {}),
      ...(error !== undefined ? { error } : {}),
      ms: Math.round(performance.now() - began),
    };
    const ok = error === undefined && status !== undefined && status >= 200 && status < 300;
    const wait = ok ? null : retryDelay(retryScheduleMs, tries - d.roundFrom, jitter, random);
    const outcome: Outcome = ok
      ? { status: 'delivered' }
      : wait === null
        ? { status: 'failed' }
        : { status: 'pending', nextAttemptAt: clock.now().getTime() + wait };
    await store.recordAttempt(d.id, log, outcome);
    if (!ok)
      logger.info({ delivery: d.id, tries, status, error, next: outcome.status }, 'webhooks: try failed');
  }

  function wake(): void {
    if (!stopped) void pump();
  }

  return {
    /** Looks at the queue now (after new deliveries were queued). */
    wake,
    start(): void {
      if (!stopped) return;
      stopped = false;
      if (agent.closed) agent = newAgent();
      timer = setInterval(wake, pollMs);
      timer.unref();
      wake();
    },
    /** Stops taking deliveries and waits for the tries in flight. */
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await Promise.allSettled([...inFlight]);
      if (!agent.closed) await agent.close();
    },
  };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
