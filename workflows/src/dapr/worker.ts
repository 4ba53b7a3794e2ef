import type { ActivityContext } from '@dapr/durabletask-js';
import { TaskHubGrpcWorker } from '@dapr/durabletask-js';
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ReminderActivities } from '../reminders/activities.ts';
import type { SeriesActivities } from '../series/activities.ts';
import { ACTIVITY, WORKFLOW, dueWorkflow, reminderWorkflow, seriesWorkflow } from './workflows.ts';

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
  activities: ReminderActivities & SeriesActivities;
}) {
  const worker = new TaskHubGrpcWorker(
    o.grpcAddress,
    (o.apiToken ? { interceptors: [apiToken(o.apiToken)] } : {}) as object,
  );
  const workflows = { reminder: reminderWorkflow, due: dueWorkflow, series: seriesWorkflow };
  for (const [kind, fn] of Object.entries(workflows))
    worker.addNamedOrchestrator(WORKFLOW[kind as keyof typeof workflows], fn as unknown as Orchestrator);
  const { fireReminder, announceDue, materialiseOccurrence } = o.activities;
  const activity = <I>(fn: (input: I) => Promise<unknown>): Activity =>
    ((_ctx: ActivityContext, input: I) => fn(input)) as Activity;
  worker.addNamedActivity(ACTIVITY.reminder, activity(fireReminder));
  worker.addNamedActivity(ACTIVITY.due, activity(announceDue));
  worker.addNamedActivity(ACTIVITY.series, activity(materialiseOccurrence));
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
