import { TaskEvent } from '@todo/core';
import { eventConsumer } from '@todo/server';
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';

/**
 * The task history (`/api/tasks/:id/activity`): keeps each task's history from its events. Idempotent by event id, so the relay's
 * at-least-once delivery records every change exactly once.
 */
export function createHistoryConsumer({ store, logger }: { store: Store; logger: Logger }) {
  return eventConsumer({ schema: TaskEvent, name: 'activity', logger }, async (event) => {
    const { id, subject, type, version, time, data } = event;
    const fresh = await store.recordActivity(data.owner, {
      eventId: id,
      taskId: subject,
      type,
      version,
      time,
      ...(data.changed ? { changed: data.changed } : {}),
    });
    if (!fresh) logger.debug({ eventId: id }, 'activity: duplicate delivery ignored');
  });
}

export type HistoryConsumer = ReturnType<typeof createHistoryConsumer>;
