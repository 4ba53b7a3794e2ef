import type { Clock } from '@todo/core';
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';

export interface RetentionOptions {
  store: Store;
  clock: Clock;
  /** How long a create's Idempotency-Key keeps answering its task (IDEMPOTENCY_RETENTION_HOURS). */
  idempotencyMs: number;
}

/**
 * Lets go of the Idempotency-Keys older than the retention (decision 0039): the rows of deleted tasks
 * created with one, and the keys of live ones. What the stack's purge-cron binding and the embedded
 * profile's sweep run; safe to run anywhere at once (each row goes under its own guard).
 */
export async function sweepIdempotency({ store, clock, idempotencyMs }: RetentionOptions) {
  const before = new Date(clock.now().getTime() - idempotencyMs).toISOString();
  return store.purgeIdempotency(before);
}

/**
 * The embedded profile's periodic sweep: once at start, then every `everyMs`. A plain interval rather
 * than a durable timer: a missed run changes nothing but when the next one finds the rows.
 */
export function startIdempotencySweeps(o: RetentionOptions & { everyMs: number; logger: Logger }) {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= sweepIdempotency(o)
      .then((swept) => o.logger.info(swept, 'idempotency sweep'))
      .catch((err: unknown) => o.logger.warn({ err }, 'idempotency sweep failed; the next one tries again'))
      .finally(() => (running = undefined));
  };
  run();
  const timer = setInterval(run, o.everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
