import { createHash } from 'node:crypto';
import type { NotificationEvent, OccurrenceCreate, Task } from '@todo/core';

/** Reads tasks for the activities: the store in-process, the tasks API through Dapr in the stack. */
export interface TasksReader {
  /** The owner's task, or null when it does not exist (or was deleted). */
  getTask(owner: string, taskId: string): Promise<Task | null>;
  /** The owner's IANA zone, in which a floating due is read. */
  ownerZone(owner: string): Promise<string>;
}

/** One instance of a series to create; the task service validates it with this same schema. */
export type { OccurrenceCreate } from '@todo/core';

/** Creates series instances; the same idempotency key always answers the same task, never a second one. */
export interface TasksWriter {
  createOccurrence(owner: string, idempotencyKey: string, input: OccurrenceCreate): Promise<Task>;
}

/** Publishes to the `reminders` topic (Dapr pub/sub in the stack, in-process consumers when embedded). */
export interface NotificationPublisher {
  publish(event: NotificationEvent): Promise<void>;
}

/**
 * An event id that depends only on its parts, so a replayed or doubled activity publishes the same id
 * and a de-duplicating consumer delivers it once.
 */
export function deterministicId(kind: string, ...parts: string[]): string {
  const h = createHash('sha256')
    .update([kind, ...parts].join('\u0000'))
    .digest('hex');
  return `${kind}-${h.slice(0, 32)}`;
}
