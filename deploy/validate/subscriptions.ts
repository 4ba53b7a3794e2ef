/**
 * The topics the apps subscribe to, from the apps' own subscription lists (what they answer daprd on
 * GET /dapr/subscribe): the same code runs locally and in the cluster, so its topics must exist in both.
 */
import { subscriptions as activity } from '../../services/tasks/src/activity/routes.ts';
import { subscriptions as inbox } from '../../services/notifications/src/inbox/routes.ts';
import { subscriptions as indexer } from '../../services/search/src/routes.ts';
import { subscriptions as coordinator } from '../../workflows/src/dapr/app.ts';

const never = () => Promise.resolve('DROP' as const);

export function subscriptions(): { app: string; topic: string; deadLetterTopic: string }[] {
  return [
    ...activity(never).map((s) => ({ app: 'tasks', topic: s.topic, deadLetterTopic: s.deadLetterTopic })),
    ...inbox(never).map((s) => ({
      app: 'notifications',
      topic: s.topic,
      deadLetterTopic: s.deadLetterTopic,
    })),
    ...indexer(never).map((s) => ({ app: 'search', topic: s.topic, deadLetterTopic: s.deadLetterTopic })),
    ...coordinator(never).map((s) => ({
      app: 'workflows',
      topic: s.topic,
      deadLetterTopic: s.deadLetterTopic,
    })),
  ];
}
