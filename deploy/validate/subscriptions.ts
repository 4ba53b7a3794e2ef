/**
 * The topics the apps subscribe to, from the apps' own subscription lists as they answer daprd on
 * GET /dapr/subscribe (each with its dead-letter drain): the same code runs locally and in the cluster, so
 * its topics must exist in both, and the pub/sub's scopes must let it subscribe.
 */
import { deadLetterDrain, type Subscription } from '../../services/server/src/dapr.ts';
import { subscriptions as activity } from '../../services/tasks/src/history/routes.ts';
import { subscriptions as inbox } from '../../services/notifications/src/inbox/routes.ts';
import { subscriptions as indexer } from '../../services/search/src/routes.ts';
import { subscriptions as coordinator } from '../../workflows/src/dapr/app.ts';

const never = () => Promise.resolve('DROP' as const);

export function subscriptions(): { app: string; topic: string; deadLetterTopic: string }[] {
  const of = (app: string, list: Subscription[]) =>
    list
      .flatMap((s) => [s, deadLetterDrain(s)])
      .map((s) => ({ app, topic: s.topic, deadLetterTopic: s.deadLetterTopic }));
  return [
    ...of('tasks', activity(never)),
    ...of('notifications', inbox(never)),
    ...of('search', indexer(never)),
    ...of('workflows', coordinator(never)),
  ];
}
