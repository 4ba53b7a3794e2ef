import type { ActivityContext } from '@dapr/durabletask-js';
import { TaskHubGrpcWorker } from '@dapr/durabletask-js';
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { TimerJob } from '@todo/core';
import { inSpan } from '@todo/server';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { runTimerJob, type TimerActivities } from '../timers/activities.ts';
import { ACTIVITY, WORKFLOW, dueWorkflow, reminderWorkflow, seriesWorkflow } from '../timers/workflows.ts';

/** daprd's API token on every gRPC call of the worker (what @dapr/dapr's own client interceptor does). */
function apiToken(token: string): Interceptor {
  return (options, next) =>
    new InterceptingCall(next(options), {
      start(metadata, listener, proceed) {
        metadata.set('dapr-api-token', token);
        proceed(metadata, listener);
      },
    });
}

type Orchestrator = Parameters<TaskHubGrpcWorker['addNamedOrchestrator']>[1];
type Activity = Parameters<TaskHubGrpcWorker['addNamedActivity']>[1];

/**
 * The Dapr Workflow worker: @dapr/durabletask-js's TaskHubGrpcWorker on the sidecar's gRPC port, with the
 * three workflows and the activities they call (docs/decisions/0015 says why not @dapr/dapr's
 * WorkflowRuntime). Start it once daprd is up: its first connection is not retried.
 */
export function createWorker(o: {
  grpcAddress: string;
  apiToken?: string;
  activities: TimerActivities;
  /**
   * Activities run at once; the rest wait their turn in the worker. durabletask-js runs every work item
   * it gets at once, so a burst of 10,000 due reminders would otherwise become 10,000 calls on the task
   * service at the same moment, most of which time out and are tried again later.
   */
  activityConcurrency: number;
}) {
  const worker = new TaskHubGrpcWorker(
    o.grpcAddress,
    (o.apiToken ? { interceptors: [apiToken(o.apiToken)] } : {}) as object,
  );
  const workflows = { reminder: reminderWorkflow, due: dueWorkflow, series: seriesWorkflow };
  for (const [kind, fn] of Object.entries(workflows))
    worker.addNamedOrchestrator(WORKFLOW[kind as keyof typeof workflows], fn as unknown as Orchestrator);
  const limit = pLimit(o.activityConcurrency);
  // Each activity takes its timer's job, checked, and answers the one TimerResult the workflow reads.
  // durabletask-js 1.0 drops the trace context daprd sends with an activity, so the plan carries it.
  const activity = (name: string): Activity =>
    ((_ctx: ActivityContext, input: TimerJob & { trace?: string }) =>
      limit(() =>
        inSpan(`activity ${name}`, input.trace, () => runTimerJob(o.activities, TimerJob.parse(input))),
      )) as Activity;
  for (const name of Object.values(ACTIVITY)) worker.addNamedActivity(name, activity(name));
  return worker;
}

/**
 * durabletask-js writes every work item to console.log (and failures to console.error). In the worker's
 * process those lines go to the product's log at debug (and warn), with the component named.
 */
export function routeConsoleTo(logger: Logger): void {
  const log = logger.child({ component: 'durabletask' });
  console.log = (...args: unknown[]) => log.debug(args.map(String).join(' '));
  console.info = console.log;
  console.warn = (...args: unknown[]) => log.warn(args.map(String).join(' '));
  console.error = console.warn;
}
