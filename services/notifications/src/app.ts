import Router from '@koa/router';
import type { Clock } from '@todo/core';
import {
  healthRoutes,
  mount,
  openApiDocument,
  requireAuth,
  serviceApp,
  subscriptionRoutes,
  type SessionCheck,
  type TokenIssuer,
} from '@todo/server';
import type Koa from 'koa';
import type { Logger } from 'pino';
import { createNotificationConsumer, type NotificationConsumer } from './inbox/consumer.ts';
import { inboxEndpoints, subscriptions as topics } from './inbox/routes.ts';
import type { NotificationStore } from './store/store.ts';
import { createStreamHub, type StreamHub } from './stream/hub.ts';
import { streamEndpoints } from './stream/routes.ts';
import { createWebhookDispatcher, type DispatchOptions } from './webhooks/dispatcher.ts';
import { webhookEndpoints } from './webhooks/routes.ts';

export interface NotificationsDeps {
  store: NotificationStore;
  clock: Clock;
  logger: Logger;
  tokens: TokenIssuer;
  /** Webhook delivery: retries, timeouts, concurrency, and whether internal addresses are allowed. */
  webhooks?: DispatchOptions;
  /** Time between SSE heartbeat comments (15 s). */
  heartbeatMs?: number;
  /**
   * Where the task store is at hand (the embedded process): sessions are checked on use, and an open
   * stream ends when its session does. Without it (the stack) tokens are checked by signature and expiry.
   */
  sessions?: SessionCheck;
  /** How often an open stream checks its session (15 s). */
  sessionCheckMs?: number;
  /** How often the store is polled for what other replicas recorded for the owners streamed here (1 s). */
  streamPollMs?: number;
  /** Beside daprd: serve the pub/sub subscription; deliveries must carry `appApiToken` (none: all refused). */
  subscriptions?: { appApiToken: string | undefined };
  /** The quota of webhooks per owner (WEBHOOKS_PER_OWNER, 10, without). */
  webhooksPerOwner?: number;
}

export interface NotificationsApp {
  app: Koa;
  /** The consumer of the `reminders` topic; the embedded profile calls it in process. */
  consume: NotificationConsumer;
  hub: StreamHub;
  /** Starts the webhook dispatcher. */
  start(): void;
  /** Ends the open streams (so the server can close) and waits for the webhook tries in flight. */
  stop(): Promise<void>;
}

/** Builds the notifications service: its Koa app, its consumer and its webhook dispatcher. */
export function createNotificationsApp(deps: NotificationsDeps): NotificationsApp {
  const { store, clock, logger, tokens, webhooks = {}, heartbeatMs, subscriptions, sessions } = deps;
  const hub = createStreamHub({
    store,
    logger,
    ...(heartbeatMs ? { heartbeatMs } : {}),
    ...(deps.sessionCheckMs ? { sessionCheckMs: deps.sessionCheckMs } : {}),
    ...(deps.streamPollMs ? { pollMs: deps.streamPollMs } : {}),
  });
  const dispatcher = createWebhookDispatcher({ store, clock, logger, options: webhooks });
  const consume = createNotificationConsumer({ store, hub, dispatcher, clock, logger });
  const endpoints = [
    ...streamEndpoints(hub, tokens, sessions),
    ...inboxEndpoints(store, clock),
    ...webhookEndpoints(store, clock, {
      allowInternal: webhooks.allowInternal ?? false,
      requireHttps: webhooks.requireHttps ?? true,
      ...(webhooks.resolve ? { resolve: webhooks.resolve } : {}),
      onQueued: dispatcher.wake,
      ...(deps.webhooksPerOwner ? { perOwner: deps.webhooksPerOwner } : {}),
    }),
  ];
  const openapi = openApiDocument(endpoints, { title: 'todo-chatbot notifications API', version: '0.1.0' });

  const router = new Router();
  healthRoutes(router, { ping: () => store.ping(), logger, what: 'notifications store' });
  router.get('/api/notifications/openapi.json', (ctx) => {
    ctx.body = openapi;
  });
  mount(router, endpoints, requireAuth(tokens, sessions));
  if (subscriptions) subscriptionRoutes(router, topics(consume), subscriptions.appApiToken);

  const app = serviceApp(router, { logger, jsonLimit: '256kb' });
  // A client that closes its stream ends the response early: that is how every SSE stream ends.
  app.on('error', (err: Error & { code?: string }) => {
    if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE') logger.error({ err }, 'response failed');
  });
  return {
    app,
    consume,
    hub,
    start: dispatcher.start,
    async stop() {
      hub.close();
      await dispatcher.stop();
    },
  };
}
