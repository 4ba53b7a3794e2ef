import { randomUUID } from 'node:crypto';
import type { TaskEvent } from '@todo/core';
import { metrics } from '@todo/server';
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';

/** The event publisher seam (docs/architecture.md): Dapr pub/sub in the stack, an in-process bus when embedded. */
export interface EventPublisher {
  /** Publishes one task's events in order; resolves once the broker has them all. */
  publish(events: TaskEvent[]): Promise<void>;
}

export interface RelayOptions {
  store: Store;
  publisher: EventPublisher;
  logger: Logger;
  /** How often to look for work when nothing woke the relay (picks up what a crash left behind). */
  pollMs?: number;
  batch?: number;
  /** Fault injection for the stack's tests: when it answers true, exit between publish and mark. */
  crashAfterPublish?: () => boolean;
  /** This relay's name in the lease (one per process). */
  holder?: string;
  /** How long a lease lasts unrenewed: after a holder dies, another replica's relay takes over within it. */
  leaseMs?: number;
  now?: () => Date;
}

/** The store's lease that lets one relay of all replicas publish at a time. */
export const RELAY_LEASE = 'outbox-relay';

/**
 * Moves events from the store's outbox to the broker: publish, then mark sent. A crash between the two
 * publishes again on restart, so delivery is at least once and consumers de-duplicate by event id.
 * `wake()` after a write makes delivery prompt; polling covers the rest. Of several replicas only the
 * holder of the store's RELAY_LEASE publishes (the others poll to take it over when it lapses), so the
 * replicas do not send every event once each. A holder that stalls past its lease may overlap its
 * successor for one round: that only repeats events, which consumers drop.
 */
export function createRelay({
  store,
  publisher,
  logger,
  pollMs = 1000,
  batch = 100,
  crashAfterPublish,
  holder = randomUUID(),
  leaseMs = 10_000,
  now = () => new Date(),
}: RelayOptions) {
  let running = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let idle: Promise<void> = Promise.resolve();
  /** Until when this relay holds the lease, by its own renewals (0: not held). */
  let heldUntil = 0;

  /** Whether this relay may publish now; renews the lease once a third of it has passed. */
  async function leader(): Promise<boolean> {
    const at = now();
    if (heldUntil - at.getTime() > (leaseMs * 2) / 3) return true;
    heldUntil = (await store.lease(RELAY_LEASE, holder, at, leaseMs)) ? at.getTime() + leaseMs : 0;
    return heldUntil > 0;
  }

  /** Publishes everything pending; answers how many events went out. */
  async function drain(): Promise<number> {
    let sent = 0;
    for (;;) {
      if (!(await leader())) return sent;
      const pending = await store.pendingEvents(batch);
      metrics.outboxLooked(oldestTime(pending.flatMap((b) => b.events)));
      if (pending.length === 0) return sent;
      // Tasks go out side by side (their writes then share group commits); one task's events stay in order.
      const results = await Promise.allSettled(
        pending.map(async (b) => {
          await publisher.publish(b.events);
          if (crashAfterPublish?.()) {
            logger.fatal({ taskId: b.taskId }, 'failpoint: exiting between publish and mark');
            process.exit(137);
          }
          await store.markSent(b.taskId, b.version);
          sent += b.events.length;
        }),
      );
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  function schedule(ms: number) {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(wake, ms);
    timer.unref();
  }

  function wake(): void {
    if (running || stopped) return;
    running = true;
    idle = drain().then(
      () => {
        failures = 0;
        running = false;
        schedule(pollMs);
      },
      (err: unknown) => {
        failures++;
        running = false;
        const backoff = Math.min(30_000, 200 * 2 ** Math.min(failures, 8));
        logger.warn({ err, failures, retryInMs: backoff }, 'outbox relay: publish failed, will retry');
        schedule(backoff);
      },
    );
  }

  return {
    wake,
    drain,
    /** Stops polling and waits for a round in progress. */
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await idle;
    },
  };
}

export type Relay = ReturnType<typeof createRelay>;

function oldestTime(events: TaskEvent[]): Date | undefined {
  const times = events.map((e) => Date.parse(e.time)).filter(Number.isFinite);
  return times.length ? new Date(Math.min(...times)) : undefined;
}
