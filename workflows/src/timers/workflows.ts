// The Dapr workflows. Deterministic code only (lint-enforced: eslint.config.js): no Date, no random,
// no I/O, no env, no logging; time comes from the context, every side effect is an activity, and every
// `ctx.*` task is yielded. Change a running workflow only under a new name.
import type { OrchestrationContext } from '@dapr/durabletask-js';
import type { Task } from '@dapr/durabletask-js/task/task.js';
import { whenAny } from '@dapr/durabletask-js/task/index.js';
import { readTimerResult, TimerPlan, type TimerResult, type TimerStatus } from '@todo/core/timers';

/** Registration names: the workflow per timer kind, their activities, and the events they take. */
export const WORKFLOW = { reminder: 'reminder', due: 'due', series: 'series' } as const;
export const ACTIVITY = {
  reminder: 'fireReminder',
  due: 'announceDue',
  series: 'materialiseOccurrence',
} as const;
export const EVENT = { plan: 'plan', cancel: 'cancel' } as const;

export type WorkflowKind = keyof typeof WORKFLOW;

/** The wait after the n-th failed activity: 1 s, 2 s, 4 s … at most 5 minutes. */
export const backoffMs = (attempt: number) => Math.min(1000 * 2 ** attempt, 5 * 60_000);

/**
 * One timer, the shape of all three workflows: sleep until the plan's time unless a `plan` event (moved:
 * continue as new with it) or a `cancel` event (ended) comes first, then run the job's activity.
 *
 * A reminder or due that fired is done. One that did not (the activity found the task moved, closed or
 * gone) waits for the coordinator's next `plan` or `cancel`, which a change of its task always sends. A
 * series is one long-lived workflow: after it made an occurrence it continues as new with the next one,
 * which the activity computed from the new instance's rule; the coordinator only tells it of edits. It
 * waits only when there is no next one yet (after-completion: the completion plans it; a rule used up:
 * the coordinator cancels it), or when its plan was stale (an edit is on its way).
 * A failed activity is tried again after a backoff. The event tasks are made once and reused, since a
 * second wait for the same name would lose an event to the first, abandoned one. Continue-as-new keeps
 * unprocessed events and starts a short history.
 */
function timerWorkflow(kind: WorkflowKind) {
  return async function* (
    ctx: OrchestrationContext,
    input: TimerPlan,
  ): AsyncGenerator<Task<unknown>, string, unknown> {
    const plan = TimerPlan.parse(input);
    const next = ctx.waitForExternalEvent(EVENT.plan);
    const cancel = ctx.waitForExternalEvent(EVENT.cancel);
    ctx.setCustomStatus(JSON.stringify({ state: 'sleeping', at: plan.at } satisfies TimerStatus));
    // Timers take a Date built from the plan or the context, never the clock: a number would mean
    // "seconds from now" to durabletask-js, read from the wall clock at each replay.
    const first = yield whenAny([ctx.createTimer(new Date(plan.at)), next, cancel]);
    if (first === cancel) return 'cancelled';
    if (first !== next) {
      let result: TimerResult;
      try {
        result = readTimerResult(plan.job.kind, yield runActivity(ctx, kind, plan));
      } catch {
        // The task service or the broker did not answer: the same plan again after a backoff (its timer
        // already past), unless a plan or cancel came meanwhile, which the event tasks hold.
        const attempt = plan.attempt ?? 0;
        const wake = new Date(ctx.currentUtcDateTime.getTime() + backoffMs(attempt));
        if (!next.isComplete && !cancel.isComplete) yield whenAny([ctx.createTimer(wake), next, cancel]);
        if (cancel.isComplete) return 'cancelled';
        ctx.continueAsNew(
          next.isComplete ? TimerPlan.parse(next.getResult()) : { ...plan, attempt: attempt + 1 },
          true,
        );
        return 'retrying';
      }
      if (result.outcome === 'fired') return 'fired';
      // A series that made its occurrence sleeps on to the one after, which the activity planned from
      // the new instance's rule; a plan or cancel that came meanwhile (an edit) goes first.
      if (result.outcome === 'made' && result.next && !next.isComplete) {
        if (cancel.isComplete) return 'cancelled';
        ctx.continueAsNew(result.next, true);
        return 'made';
      }
      ctx.setCustomStatus(JSON.stringify({ state: 'waiting' } satisfies TimerStatus));
      if ((yield whenAny([next, cancel])) === cancel) return 'cancelled';
    }
    ctx.continueAsNew(TimerPlan.parse(next.getResult()), true);
    return 'moved';
  };
}

/**
 * Calls the activity of the timer's kind with the plan's job (and its trace); what it answers, the
 * `TimerResult`, is read with `readTimerResult`.
 */
function runActivity(ctx: OrchestrationContext, kind: WorkflowKind, plan: TimerPlan): Task<unknown> {
  return ctx.callActivity<TimerPlan['job'] & { trace?: string }, unknown>(
    ACTIVITY[kind],
    plan.trace ? { ...plan.job, trace: plan.trace } : plan.job,
  );
}

export const reminderWorkflow = timerWorkflow('reminder');
export const dueWorkflow = timerWorkflow('due');
export const seriesWorkflow = timerWorkflow('series');
