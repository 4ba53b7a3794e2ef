import { systemClock, timerKind, type Clock, type LivePage, type TaskEvent, type TimerJob } from '@todo/core';
import { metrics, type WorkflowCount } from '@todo/server';
import type { Logger } from 'pino';
import { planTaskEvent, recordKey, type ScheduleOptions, type SeriesRecord } from '../schedule.ts';
import type { StateTable } from '../timers/scheduler.ts';
import type { DaprScheduler } from '../timers/scheduler.dapr.ts';

export interface ReconcilerDeps {
  live: (after?: string) => Promise<LivePage>;
  scheduler: Pick<DaprScheduler, 'schedule' | 'state'>;
  state: StateTable;
  clock?: Clock;
  logger?: Logger;
  schedule?: ScheduleOptions;
  /**
   * Only timers due within this long from now are checked (default 15 minutes, many cron periods): a lost
   * workflow matters before its time comes, and a run then costs a state read per timer due soon rather
   * than per sleeping workflow. Later ones are checked as they come near.
   */
  horizonMs?: number;
}

export interface ReconcileReport {
  tasks: number;
  checked: number;
  /** Timers with no live workflow (never started, failed, terminated, lost), started again. */
  restarted: number;
  /** Live workflows sleeping until another time than the task now gives (a lost event), sent the plan. */
  replanned: number;
}

/**
 * What the reconcile-cron binding runs: every open reminder and series of every owner has a live
 * workflow with the plan its task gives now. It only starts and re-plans, never cancels (a cancel comes
 * from the task's own event), and leaves finished workflows alone: one that fired is done. Finished
 * instances are purged by Dapr after the retention the Configuration sets.
 */
export function createReconciler({
  live,
  scheduler,
  state,
  clock = systemClock,
  logger,
  schedule,
  horizonMs = 15 * 60_000,
}: ReconcilerDeps) {
  let running: Promise<ReconcileReport> | undefined;
  async function run(): Promise<ReconcileReport> {
    const report: ReconcileReport = { tasks: 0, checked: 0, restarted: 0, replanned: 0 };
    const horizon = clock.now().getTime() + horizonMs;
    // The workflows' census for /metrics; one beyond the horizon is counted as `scheduled`, unchecked.
    const census = new Map<string, WorkflowCount>();
    const count = (job: TimerJob, state: string) => {
      const kind = timerKind(job);
      const c = census.get(`${kind} ${state}`) ?? { kind, state, count: 0 };
      c.count++;
      census.set(`${kind} ${state}`, c);
    };
    let after: string | undefined;
    do {
      const page = await live(after);
      for (const { owner, zone, task } of page.items) {
        report.tasks++;
        // Without its plan, so the series' timer is planned afresh (and so checked) like the reminders.
        const record = task.seriesId
          ? (await state.get<SeriesRecord>(recordKey.series(task.seriesId)))?.value
          : undefined;
        const head = record && { taskId: record.taskId, occurrence: record.occurrence };
        // The plan of a task seen for the first time, as of now: past fire times are left out.
        const event: TaskEvent = {
          id: `reconcile-${task.id}`,
          type: 'task.updated',
          time: clock.now().toISOString(),
          subject: task.id,
          version: task.version,
          data: { owner, task },
        };
        const plan = planTaskEvent(event, { head, zone, ...(schedule ? { opts: schedule } : {}) });
        for (const action of plan?.actions ?? []) {
          if (action.op === 'cancel') continue;
          if (Date.parse(action.at) > horizon) {
            count(action.job, 'scheduled');
            continue;
          }
          report.checked++;
          const s = await scheduler.state(action.key);
          // A reminder that fired at this time is done; any other finished workflow still wanted was lost.
          const slept = s?.status?.state === 'sleeping' && s.status.at === action.at;
          const lost = !s || (!s.active && !(s.output === 'fired' && slept));
          const stale = s?.active && !slept;
          if (!lost && !stale) {
            if (s.active) count(action.job, 'sleeping');
            continue;
          }
          await scheduler.schedule(action.key, new Date(action.at), action.job);
          report[lost ? 'restarted' : 'replanned']++;
          count(action.job, lost ? 'restarted' : 'replanned');
        }
      }
      after = page.next;
    } while (after);
    metrics.workflows([...census.values()]);
    if (report.restarted + report.replanned > 0) logger?.warn(report, 'reconciler: repaired workflows');
    else logger?.debug(report, 'reconciler: all workflows live');
    return report;
  }
  return {
    /** Runs once; a call while a run is under way joins it. */
    run(): Promise<ReconcileReport> {
      running ??= run().finally(() => (running = undefined));
      return running;
    },
  };
}

export type Reconciler = ReturnType<typeof createReconciler>;
