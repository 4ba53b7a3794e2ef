import { z } from 'zod';
import { Task } from './task.ts';

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
  data: z.object({
    owner: z.string(),
    task: Task,
    /** The fields an update changed. */
    changed: z.array(z.string()).optional(),
  }),
});
export type TaskEvent = z.infer<typeof TaskEvent>;
