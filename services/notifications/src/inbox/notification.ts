import type { NotificationEvent } from '@todo/core';
import { z } from 'zod';
import type { NewNotification, Notification } from '../store/store.ts';

/** The SSE event name of each event type. */
export const KIND = { 'reminder.due': 'reminder', 'task.due': 'due' } as const;

export function newNotification(event: NotificationEvent, receivedAt: Date): NewNotification {
  return {
    id: event.id,
    owner: event.data.owner,
    kind: KIND[event.type],
    event,
    receivedAt: receivedAt.toISOString(),
  };
}

/** A notification as the API and the stream show it. */
export const NotificationView = z.object({
  id: z.string(),
  kind: z.enum(['reminder', 'due']),
  type: z.enum(['reminder.due', 'task.due']),
  taskId: z.string(),
  title: z.string(),
  /** When the event happened (the reminder fired, the task fell due). */
  time: z.string(),
  receivedAt: z.string(),
  read: z.boolean(),
  readAt: z.string().optional(),
  /** The event's data: fireAt, reminderId and due of a reminder; due and occurrence of a due task. */
  data: z.record(z.string(), z.unknown()),
});
export type NotificationView = z.infer<typeof NotificationView>;

export function view(n: Notification): NotificationView {
  const { owner: _owner, ...data } = n.event.data;
  return {
    id: n.id,
    kind: n.kind,
    type: n.event.type,
    taskId: n.event.data.taskId,
    title: n.event.data.title,
    time: n.event.time,
    receivedAt: n.receivedAt,
    read: n.readAt !== undefined,
    ...(n.readAt ? { readAt: n.readAt } : {}),
    data,
  };
}
