import type Router from '@koa/router';
import { TASK_EVENT_TYPES } from '@todo/core';
import { endpoint, ErrorBody, type Endpoint } from '@todo/server';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Store } from '../store/store.ts';
import type { ActivityConsumer } from './consumer.ts';

const ActivityList = z.object({
  activity: z.array(
    z.object({
      eventId: z.string(),
      type: z.enum(TASK_EVENT_TYPES),
      version: z.number(),
      time: z.string(),
      changed: z.array(z.string()).optional(),
    }),
  ),
});

export function activityEndpoints(store: Store): Endpoint[] {
  return [
    endpoint({
      method: 'get',
      path: '/api/tasks/:id/activity',
      summary: "A task's history: every change, oldest first (also after the task is deleted)",
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

/** Where this app consumes from the broker (Dapr's programmatic subscription). */
export const SUBSCRIPTIONS = [
  {
    pubsubname: 'pubsub',
    topic: 'task-events',
    route: '/events/task-events',
    deadLetterTopic: 'task-events-dlq',
  },
];

/**
 * The routes daprd calls: the subscription list and the delivery of task events (CloudEvents). When the
 * stack gives an app token, only daprd (which sends it as dapr-api-token) may deliver.
 */
export function subscriptionRoutes(router: Router, consume: ActivityConsumer, appApiToken?: string): void {
  router.get('/dapr/subscribe', (ctx) => {
    ctx.body = SUBSCRIPTIONS;
  });
  router.post('/events/task-events', async (ctx) => {
    if (appApiToken && !sameToken(ctx.get('dapr-api-token'), appApiToken)) {
      ctx.throw(401, 'deliveries come from daprd with its app API token');
    }
    const event = (ctx.request as unknown as { body?: { data?: unknown } }).body;
    ctx.body = { status: await consume(event?.data) };
  });
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
