import { z } from 'zod';
import { Due, Task } from './task.ts';

export const TASK_EVENT_TYPES = [
  'task.created',
  'task.updated',
  'task.completed',
  'task.reopened',
  'task.skipped',
  'task.deleted',
] as const;
export type TaskEventType = (typeof TASK_EVENT_TYPES)[number];

/**
 * A domain event about one task, written in the same document write as the change (the outbox).
 * `subject` is the task id; `version` is the task's version after the change, so a consumer can
 * drop an event older than one it has already applied. A breaking change of `data` gets a new type.
 */
export const TaskEvent = z.object({
  id: z.string(),
  type: z.enum(TASK_EVENT_TYPES),
  time: z.string(),
  subject: z.string(),
  version: z.number().int().positive(),
  /** The W3C trace context of the request that made the change: the relay's publish continues its trace. */
  traceparent: z.string().max(100).optional(),
  data: z.object({
    owner: z.string(),
    /** The owner's IANA zone at the change, for consumers that read floating dues (search sorts by due). */
    zone: z.string().optional(),
    task: Task,
    /** The fields an update changed. */
    changed: z.array(z.string()).optional(),
  }),
});
export type TaskEvent = z.infer<typeof TaskEvent>;

/** What every event on the `reminders` topic carries besides its type and data. */
const notificationEnvelope = {
  id: z.string().min(1).max(200),
  time: z.iso.datetime({ offset: true }),
  subject: z.string().min(1).max(200),
  version: z.number().int().positive(),
};

/**
 * A reminder's fire time came: what the reminder workflow publishes to the `reminders` topic.
 * `subject` is the task id; `version` is the task version the fire time was computed from.
 */
export const ReminderDue = z.object({
  ...notificationEnvelope,
  type: z.literal('reminder.due'),
  data: z.object({
    owner: z.string().min(1).max(200),
    taskId: z.string().min(1).max(200),
    reminderId: z.string().min(1).max(200),
    title: z.string().max(500),
    /** When the reminder was due to fire (UTC ISO). */
    fireAt: z.iso.datetime(),
    due: Due.optional(),
  }),
});
export type ReminderDue = z.infer<typeof ReminderDue>;

/** A task (or one occurrence of a series) became due: published by the series workflow to `reminders`. */
export const TaskDue = z.object({
  ...notificationEnvelope,
  type: z.literal('task.due'),
  data: z.object({
    owner: z.string().min(1).max(200),
    taskId: z.string().min(1).max(200),
    title: z.string().max(500),
    due: Due,
    /** The occurrence date of a recurring series' instance (YYYY-MM-DD). */
    occurrence: z.string().max(40).optional(),
  }),
});
export type TaskDue = z.infer<typeof TaskDue>;

export const NOTIFICATION_EVENT_TYPES = ['reminder.due', 'task.due'] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];

/** Everything on the `reminders` topic: what the notifications service consumes. */
export const NotificationEvent = z.discriminatedUnion('type', [ReminderDue, TaskDue]);
export type NotificationEvent = z.infer<typeof NotificationEvent>;
