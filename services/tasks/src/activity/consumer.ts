import { TaskEvent } from '@todo/core';
import type { Delivery } from '@todo/server';
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';

/**
 * The activity log: keeps each task's history from its events. Idempotent by event id, so the relay's
 * at-least-once delivery records every change exactly once.
 */
export function createActivityConsumer({ store, logger }: { store: Store; logger: Logger }) {
  return async function consume(raw: unknown): Promise<Delivery> {
    const parsed = TaskEvent.safeParse(raw);
    if (!parsed.success) {
      logger.warn({ issues: parsed.error.issues.slice(0, 5) }, 'activity: not a task event, dropped');
      return 'DROP';
    }
    const { id, subject, type, version, time, data } = parsed.data;
    try {
      const fresh = await store.recordActivity(data.owner, {
        eventId: id,
        taskId: subject,
        type,
        version,
        time,
        ...(data.changed ? { changed: data.changed } : {}),
      });
      if (!fresh) logger.debug({ eventId: id }, 'activity: duplicate delivery ignored');
      return 'SUCCESS';
    } catch (err) {
      logger.warn({ err, eventId: id }, 'activity: store unavailable, asking for redelivery');
      return 'RETRY';
    }
  };
}

export type ActivityConsumer = ReturnType<typeof createActivityConsumer>;
