import { TASK_EVENT_TYPES } from '@todo/core';
import { endpoint, ErrorBody, taskEventsSubscription, type Endpoint, type Subscription } from '@todo/server';
import { z } from 'zod';
import type { Store } from '../store/store.ts';
import type { HistoryConsumer } from './consumer.ts';

/** One change in a task's history. */
export const ActivityEntry = z.object({
  eventId: z.string(),
  type: z.enum(TASK_EVENT_TYPES),
  version: z.number(),
  time: z.string(),
  changed: z.array(z.string()).optional(),
});
const ActivityList = z.object({ activity: z.array(ActivityEntry) });

export function activityEndpoints(store: Store): Endpoint[] {
  return [
    endpoint({
      method: 'get',
      path: '/api/tasks/:id/activity',
      summary: "A task's history: every change, oldest first (also after the task is deleted)",
      description:
        'The history outlives its task: after DELETE /api/tasks/{id} this still answers 200, its last ' +
        'entry task.deleted, so a deletion can be seen and audited (decision 0026). An id the owner never ' +
        'had answers 200 with no entries: the route tells nobody which ids exist.',
      tag: 'tasks',
      auth: true,
      responses: {
        200: { description: 'The history', schema: ActivityList },
        401: { description: 'No or bad bearer token', schema: ErrorBody },
      },
      handler: async (ctx) => {
        const entries = await store.listActivity(ctx.state.user.id, String(ctx.params.id));
        ctx.body = { activity: entries.map(({ taskId: _t, ...e }) => e) };
      },
    }),
  ];
}

/** Where this app consumes from the broker: task events, for the task history. */
export const subscriptions = (consume: HistoryConsumer): Subscription[] => [taskEventsSubscription(consume)];
