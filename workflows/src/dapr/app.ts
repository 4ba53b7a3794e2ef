import Router from '@koa/router';
import { INTERNAL_ROUTES, timerId, WorkflowRef, type WorkflowInspection } from '@todo/core';
import {
  healthRoutes,
  parseInput,
  requireAppToken,
  serviceApp,
  subscriptionRoutes,
  taskEventsSubscription,
  type Subscription,
} from '@todo/server';
import type Koa from 'koa';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Coordinator } from '../coordinator/consumer.ts';
import type { Reconciler } from './reconciler.ts';
import type { DaprScheduler } from '../timers/scheduler.dapr.ts';

export interface WorkflowsAppDeps {
  coordinator: Coordinator;
  reconciler: Reconciler;
  scheduler: Pick<DaprScheduler, 'state'>;
  /** Whether the worker's sidecar answers (readiness). */
  ping: () => Promise<void>;
  logger: Logger;
  /** What daprd sends as dapr-api-token: deliveries, the cron binding and invocations must carry it (none: all refused). */
  appApiToken: string | undefined;
}

const InspectBody = z.object({ refs: z.array(WorkflowRef).max(1000) });

/**
 * The workflows app's HTTP side: task events for the coordinator, the reconcile-cron binding, and the
 * inspection the task service's /api/workflows asks for by service invocation.
 */
export function createWorkflowsApp(d: WorkflowsAppDeps): Koa {
  const router = new Router();
  healthRoutes(router, { ping: d.ping, logger: d.logger, what: 'workflow sidecar' });
  subscriptionRoutes(router, subscriptions(d.coordinator), d.appApiToken);
  const fromDaprd = requireAppToken(d.appApiToken);
  // daprd asks with OPTIONS whether the app takes the binding, then POSTs each firing.
  router.options('/reconcile-cron', fromDaprd, (ctx) => {
    ctx.status = 200;
  });
  router.post('/reconcile-cron', fromDaprd, async (ctx) => {
    ctx.body = await d.reconciler.run();
  });
  router.post(INTERNAL_ROUTES.inspectWorkflows, fromDaprd, async (ctx) => {
    const { refs } = parseInput(InspectBody, ctx.request.body, 'body');
    const inspections = await Promise.all(
      refs.map(async (ref): Promise<WorkflowInspection> => {
        const s = await d.scheduler.state(timerId(ref));
        if (!s) return { state: 'none' };
        if (s.active && s.status?.state === 'sleeping') return { state: 'sleeping', at: s.status.at };
        if (s.active) return { state: 'waiting' };
        return { state: s.output ? 'done' : 'failed' };
      }),
    );
    ctx.body = { inspections };
  });
  return serviceApp(router, { logger: d.logger, jsonLimit: '1mb' });
}

/** The coordinator's subscription: every task event, in the workflows app's own consumer group. */
export const subscriptions = (consume: Subscription['consume']): Subscription[] => [
  taskEventsSubscription(consume),
];
