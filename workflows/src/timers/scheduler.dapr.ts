import type { DaprWorkflowClient } from '@dapr/dapr';
import { timerKind, TimerStatus, type TimerJob, type TimerPlan } from '@todo/core';
import { currentTraceparent } from '@todo/server';
import type { Logger } from 'pino';
import type { Scheduler } from './scheduler.ts';
import { EVENT, WORKFLOW } from './workflows.ts';

/** Runtime statuses of a workflow instance (durabletask's numbering, as @dapr/dapr reports it). */
const RUNNING = 0;
const PENDING = 6;

export interface InstanceState {
  /** Running or about to: it will take a `plan` or `cancel` event. */
  active: boolean;
  /** What it does while active. */
  status?: TimerStatus;
  /** Its result once finished: 'fired', 'cancelled'; none when it failed or was terminated. */
  output?: string;
}

/**
 * The scheduler seam on Dapr Workflow: a timer is a workflow instance whose id is the timer's id. Setting a
 * timer starts the instance, or sends a running one its new plan (it continues as new with it);
 * cancelling sends `cancel`. Both are idempotent, so a redelivered task event changes nothing.
 */
export function createDaprScheduler(
  client: DaprWorkflowClient,
  logger?: Logger,
): Scheduler & { state(id: string): Promise<InstanceState | undefined> } {
  async function state(id: string): Promise<InstanceState | undefined> {
    const s = await client.getWorkflowState(id, true);
    if (!s) return undefined;
    return {
      active: s.runtimeStatus === RUNNING || s.runtimeStatus === PENDING,
      ...(s.customStatus ? { status: TimerStatus.parse(JSON.parse(s.customStatus)) } : {}),
      ...(s.serializedOutput ? { output: JSON.parse(s.serializedOutput) as string } : {}),
    };
  }

  return {
    state,
    async schedule(id: string, at: Date, job: TimerJob): Promise<void> {
      const trace = currentTraceparent();
      const plan: TimerPlan = { at: at.toISOString(), job, ...(trace ? { trace } : {}) };
      if ((await state(id))?.active) {
        await client.raiseEvent(id, EVENT.plan, plan);
        logger?.debug({ id, at: plan.at }, 'workflow sent its new plan');
        return;
      }
      try {
        await client.scheduleNewWorkflow(WORKFLOW[timerKind(job)], plan, id);
      } catch (err) {
        // Started by someone else in between (a redelivery, the reconciler): hand it the plan instead.
        if (!/already exists/i.test(String((err as Error).message))) throw err;
        await client.raiseEvent(id, EVENT.plan, plan);
      }
      logger?.debug({ id, at: plan.at }, 'workflow started');
    },
    async cancel(id: string): Promise<void> {
      if ((await state(id))?.active) await client.raiseEvent(id, EVENT.cancel, {});
    },
  };
}

export type DaprScheduler = ReturnType<typeof createDaprScheduler>;
