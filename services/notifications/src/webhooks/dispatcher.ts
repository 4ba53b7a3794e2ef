import { createHmac } from 'node:crypto';
import type { Clock } from '@todo/core';
import type { Logger } from 'pino';
import type { Attempt, Delivery, NotificationStore, Outcome } from '../store/store.ts';
import { pointsInside } from './address.ts';

export interface DispatchOptions {
  /** Tries per delivery before it is given up (the first included). */
  maxAttempts?: number;
  /** The wait after the first failure; each further failure doubles it, up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** How long one try may take (connect, answer and body). */
  timeoutMs?: number;
  /** Tries in flight at once to one webhook, and over all. */
  perWebhook?: number;
  concurrency?: number;
  /** How often the queue is looked at when nothing wakes the dispatcher. */
  pollMs?: number;
  /** Allow webhooks on loopback and private networks (the embedded profile on a laptop; tests). */
  allowInternal?: boolean;
}

/** The signature a receiver recomputes with its secret: `sha256=<hex HMAC-SHA256 of the raw body>`. */
export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Delivers queued webhook calls from the store: each claimed for one try under a lease (so a crash loses
 * none, and two replicas never try the same one at once), signed, with a timeout, retried with exponential
 * backoff. A webhook's own tries are limited (perWebhook), so a slow or failing endpoint holds only its own
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
    maxAttempts = 6,
    baseDelayMs = 5_000,
    maxDelayMs = 15 * 60_000,
    timeoutMs = 10_000,
    perWebhook = 2,
    concurrency = 32,
    pollMs = 1_000,
    allowInternal = false,
  } = options;
  const leaseMs = timeoutMs + 30_000;
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
        while (!stopped && inFlight.size < concurrency) {
          const full = [...busy].filter(([, n]) => n >= perWebhook).map(([id]) => id);
          const now = clock.now().getTime();
          const due = await store.dueDeliveries(now, (concurrency - inFlight.size) * 2, full);
          let started = 0;
          for (const d of due) {
            if (stopped || inFlight.size >= concurrency) break;
            if ((busy.get(d.webhookId) ?? 0) >= perWebhook) continue;
            if (!(await store.claimDelivery(d.id, d.nextAttemptAt, now + leaseMs))) continue;
            start(d);
            started++;
          }
          if (started === 0) break;
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
    try {
      const url = new URL(webhook.url);
      if (!allowInternal && (await pointsInside(url)))
        throw new Error('the URL points to an internal address');
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'todo-chatbot-webhooks/0.1',
          'x-signature': sign(webhook.secret, d.body),
          'x-webhook-id': webhook.id,
          'x-event-id': d.eventId,
          'x-delivery-attempt': String(d.attempts + 1),
        },
        body: d.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      // Only the status counts; the answer's body is not read (it could be large or never end).
      await res.body?.cancel();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      error =
        e.name === 'TimeoutError'
          ? `timed out after ${timeoutMs} ms`
          : (e.cause?.code ?? e.cause?.message ?? e.message);
    }
    const log: Attempt = {
      at: at.toISOString(),
      ...(status !== undefined ? { status } : {}),
      ...(error !== undefined ? { error } : {}),
      ms: Math.round(performance.now() - began),
    };
    const tries = d.attempts + 1;
    const ok = error === undefined && status !== undefined && status >= 200 && status < 300;
    const outcome: Outcome = ok
      ? { status: 'delivered' }
      : tries >= maxAttempts
        ? { status: 'failed' }
        : {
            status: 'pending',
            nextAttemptAt: clock.now().getTime() + Math.min(maxDelayMs, baseDelayMs * 2 ** (tries - 1)),
          };
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
      timer = setInterval(wake, pollMs);
      timer.unref();
      wake();
    },
    /** Stops taking deliveries and waits for the tries in flight. */
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
