import Router from '@koa/router';
import type { Clock, WorkflowInspector } from '@todo/core';
import type Koa from 'koa';
import type { Logger } from 'pino';
import { createHistoryConsumer } from './history/consumer.ts';
import { activityEndpoints, subscriptions as historySubscriptions } from './history/routes.ts';
import { authEndpoints } from './auth/routes.ts';
import { sessionCheck } from './auth/sessions.ts';
import type { AuthLimits } from './auth/throttle.ts';
import { calendarEndpoints } from './calendar/routes.ts';
import { internalEndpoints } from './internal/routes.ts';
import {
  docsRoutes,
  healthRoutes,
  mount,
  openApiDocument,
  requireAppToken,
  requireAuth,
  serviceApp,
  subscriptionRoutes,
  type TokenIssuer,
} from '@todo/server';
import { recurrenceEndpoints } from './recurrence/routes.ts';
import type { Store } from './store/store.ts';
import { sweepIdempotency } from './tasks/retention.ts';
import { taskEndpoints, type Quotas } from './tasks/routes.ts';
import { createTaskService } from './tasks/service.ts';
import { workflowEndpoints } from './management/routes.ts';
import { createWorkflowService } from './management/service.ts';

export interface AppDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  tokens: TokenIssuer;
  previewPerMinute?: number;
  /** Sign-up and sign-in throttles and the bound on concurrent password hashes (none but the bound without). */
  auth?: AuthLimits;
  /** How much one owner may keep (tasks, reminders); DEFAULT_QUOTAS without. */
  quotas?: Quotas;
  /** Called after every committed change (the stack wakes its outbox relay). */
  onWrite?: () => void;
  /** Beside daprd: serve the pub/sub subscriptions; deliveries must carry `appApiToken` (none: all refused). */
  subscriptions?: { appApiToken: string | undefined };
  /** Beside daprd: serve the workflow worker's /internal routes; calls must carry `appApiToken` (none: all refused). */
  internal?: { appApiToken: string | undefined };
  /** How long a create's Idempotency-Key keeps answering (the purge-cron sweep); 24 hours without. */
  idempotencyRetentionMs?: number;
  /** The profile's workflow engine, for the state /api/workflows shows ('unknown' without it). */
  workflows?: WorkflowInspector;
  /**
   * Behind a TLS-terminating proxy: believe its X-Forwarded-Proto/-Host, so the session cookie is marked
   * Secure and links (the calendar feed's) name the public origin.
   */
  trustProxy?: boolean;
}

/** Builds the task service's Koa app; server.ts (or the embedded profile) listens. */
export function createApp(deps: AppDeps): Koa {
  const { store, clock, logger, tokens, previewPerMinute = 120, onWrite, subscriptions, internal } = deps;
  const tasks = createTaskService({ store, clock, onWrite });
  const workflows = createWorkflowService({ tasks, store, clock, logger, inspector: deps.workflows });
  const endpoints = [
    ...authEndpoints({ store, tokens, clock, ...(deps.auth ? { limits: deps.auth } : {}) }),
    ...taskEndpoints(tasks, deps.quotas),
    ...workflowEndpoints(workflows),
    ...activityEndpoints(store),
    ...recurrenceEndpoints({ perMinute: previewPerMinute }),
    ...calendarEndpoints({ store, clock }),
  ];
  const openapi = openApiDocument(endpoints, { title: 'todo-chatbot tasks API', version: '0.1.0' });

  const router = new Router();
  healthRoutes(router, { ping: () => store.ping(), logger, what: 'task store' });
  router.get('/api/openapi.json', (ctx) => {
    ctx.body = openapi;
  });
  docsRoutes(router);
  const sessions = sessionCheck(store, clock);
  mount(router, endpoints, requireAuth(tokens, sessions));
  if (subscriptions) {
    subscriptionRoutes(
      router,
      historySubscriptions(createHistoryConsumer({ store, logger })),
      subscriptions.appApiToken,
    );
  }
  if (internal) {
    mount(router, internalEndpoints({ store, tasks, sessions }), requireAppToken(internal.appApiToken));
    const fromDaprd = requireAppToken(internal.appApiToken);
    const idempotencyMs = deps.idempotencyRetentionMs ?? 24 * 3600_000;
    // The purge-cron binding: daprd asks with OPTIONS whether the app takes it, then POSTs each firing.
    router.options('/purge-cron', fromDaprd, (ctx) => {
      ctx.status = 200;
    });
    router.post('/purge-cron', fromDaprd, async (ctx) => {
      const swept = await sweepIdempotency({ store, clock, idempotencyMs });
      logger.info(swept, 'idempotency sweep');
      ctx.body = swept;
    });
  }

  const app = serviceApp(router, { logger, jsonLimit: '256kb' });
  app.proxy = deps.trustProxy ?? false;
  return app;
}
