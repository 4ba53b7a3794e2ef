import { systemClock } from '@todo/core';
import { createTokens, daprSessionCheck, runService } from '@todo/server';
import { createNotificationsApp } from './app.ts';
import { loadEnv } from './env.ts';
import { createMongoNotificationStore } from './store/mongo.ts';

// The notifications service as its own process beside its daprd (the `dapr` profile), MongoDB behind it.
const env = loadEnv();
const code = await runService(
  { name: 'notifications', env, needs: { MONGO_URL: env.MONGO_URL } },
  async ({ logger, sidecar, signingKey }) => {
    const tokens = createTokens(await signingKey());
    const store = await createMongoNotificationStore(env.MONGO_URL!, env.MONGO_DB);
    const notifications = createNotificationsApp({
      store,
      clock: systemClock,
      logger,
      tokens,
      // Beside daprd, each token's session is asked of the tasks app: a revoked one is refused, its streams end.
      ...(sidecar ? { sessions: daprSessionCheck(sidecar) } : {}),
      webhooks: {
        retryScheduleMs: env.WEBHOOK_RETRY_SCHEDULE,
        timeoutMs: env.WEBHOOK_TIMEOUT_MS,
        allowInternal: env.WEBHOOK_ALLOW_INTERNAL,
      },
      subscriptions: sidecar ? { appApiToken: env.APP_API_TOKEN } : undefined,
      webhooksPerOwner: env.WEBHOOKS_PER_OWNER,
    });
    return {
      handler: notifications.app.callback(),
      stopping: () => notifications.hub.close(),
      close: async () => {
        await notifications.stop();
        await store.close();
      },
      started: () => notifications.start(),
      facts: { subscribed: Boolean(sidecar) },
    };
  },
);
process.exit(code);
