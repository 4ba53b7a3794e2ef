// The Dapr workflows, replayed without a sidecar: a history goes through durabletask-js's own
// OrchestrationExecutor (as the library's unit tests do), and the actions it returns are what the
// sidecar would be told to do next.
import type { HistoryEvent } from '@dapr/durabletask-js/proto/orchestrator_service_pb.js';
import {
  getOrchestrationStatusStr,
  newEventRaisedEvent,
  newExecutionStartedEvent,
  newOrchestratorStartedEvent,
  newTaskCompletedEvent,
  newTaskFailedEvent,
  newTaskScheduledEvent,
  newTimerCreatedEvent,
  newTimerFiredEvent,
} from '@dapr/durabletask-js/utils/pb-helper.util.js';
import { OrchestrationExecutor } from '@dapr/durabletask-js/worker/orchestration-executor.js';
import { Registry } from '@dapr/durabletask-js/worker/registry.js';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { TimerJob, TimerPlan, TimerResult } from '@todo/core';
import {
  ACTIVITY,
  backoffMs,
  dueWorkflow,
  EVENT,
  reminderWorkflow,
  seriesWorkflow,
  WORKFLOW,
  type WorkflowKind,
} from './workflows.ts';

const registry = new Registry();
const workflows = { reminder: reminderWorkflow, due: dueWorkflow, series: seriesWorkflow };
for (const kind of Object.keys(workflows) as WorkflowKind[])
  registry.addNamedOrchestrator(
    WORKFLOW[kind],
    workflows[kind] as unknown as Parameters<Registry['addNamedOrchestrator']>[1],
  );

/** The sequence numbers durabletask-js gives the workflow's tasks, in the order it makes them. */
const ID = { timer: 1, activity: 2, backoff: 3 };

const T0 = new Date('2030-03-01T08:00:00.000Z'); // the instance starts
const AT = '2030-03-01T09:00:00.000Z'; // the plan's time
const DONE = new Date('2030-03-01T09:00:05.000Z'); // the activity's outcome comes in
const plusMs = (d: Date | string, ms: number) => new Date(new Date(d).getTime() + ms);

const jobs: Record<WorkflowKind, TimerJob> = {
  reminder: { kind: 'reminder', owner: 'u1', taskId: 't1', reminderId: 'r1', fireAt: AT },
  due: { kind: 'due', owner: 'u1', taskId: 't1', at: AT },
  series: {
    kind: 'materialise',
    owner: 'u1',
    seriesId: 's1',
    fromTaskId: 't1',
    occurrence: '2030-03-01T10:00',
  },
};
const planOf = (kind: WorkflowKind, fields: Partial<TimerPlan> = {}): TimerPlan => ({
  at: AT,
  job: jobs[kind],
  ...fields,
});
const fired: TimerResult = { outcome: 'fired' };
const stale: TimerResult = { outcome: 'stale', reason: 'moved' };
/** The plan the coordinator sends when the task moved. */
const moved = (kind: WorkflowKind): TimerPlan => {
  const at = '2030-03-02T09:00:00.000Z';
  return {
    at,
    job: { ...jobs[kind], ...(kind === 'reminder' ? { fireAt: at } : kind === 'due' ? { at } : {}) },
  };
};

// History, one batch at a time: each batch the sidecar sends starts with an OrchestratorStarted at `at`.
const json = (v: unknown) => (v === undefined ? undefined : JSON.stringify(v));
const started = (kind: WorkflowKind, plan: TimerPlan): HistoryEvent[] => [
  newOrchestratorStartedEvent(T0),
  newExecutionStartedEvent(WORKFLOW[kind], `${kind}-1`, json(plan)),
  newTimerCreatedEvent(ID.timer, new Date(plan.at)),
];
const timerFired = (plan: TimerPlan): HistoryEvent[] => [
  newOrchestratorStartedEvent(new Date(plan.at)),
  newTimerFiredEvent(ID.timer, new Date(plan.at)),
];
const activityScheduled = (kind: WorkflowKind, plan: TimerPlan): HistoryEvent[] => [
  newTaskScheduledEvent(ID.activity, ACTIVITY[kind], json(plan.job)),
];
const activityReturned = (outcome: unknown, at = DONE): HistoryEvent[] => [
  newOrchestratorStartedEvent(at),
  newTaskCompletedEvent(ID.activity, json(outcome)),
];
const activityFailed = (at = DONE): HistoryEvent[] => [
  newOrchestratorStartedEvent(at),
  newTaskFailedEvent(ID.activity, new Error('the broker did not answer')),
];
const raised = (name: string, payload?: unknown, at = plusMs(DONE, 1000)): HistoryEvent[] => [
  newOrchestratorStartedEvent(at),
  newEventRaisedEvent(name, json(payload)),
];

/** The history up to a running activity: started, slept until the plan's time, called the activity. */
const running = (kind: WorkflowKind, plan: TimerPlan) => [
  ...started(kind, plan),
  ...timerFired(plan),
  ...activityScheduled(kind, plan),
];

interface Outcome {
  /** The custom status, parsed. */
  status: unknown;
  /** Fire times of the timers it asks for. */
  timers: string[];
  activities: { name: string; input: unknown }[];
  /** How the instance ended (COMPLETED, CONTINUED_AS_NEW, FAILED …), if it did. */
  end?: { status: string; result: unknown; carryover: { name: string; input: unknown }[]; failure?: string };
}

/** Replays `past` and runs `next` through the workflow; what it asks the sidecar to do. */
async function replay(past: HistoryEvent[], next: HistoryEvent[]): Promise<Outcome> {
  const parse = (s: string | undefined) => (s ? (JSON.parse(s) as unknown) : undefined);
  const { actions, customStatus } = await new OrchestrationExecutor(registry).execute('instance', past, next);
  const outcome: Outcome = { status: parse(customStatus), timers: [], activities: [] };
  for (const action of actions) {
    const timer = action.getCreatetimer();
    if (timer) outcome.timers.push(timer.getFireat()!.toDate().toISOString());
    const task = action.getScheduletask();
    if (task) outcome.activities.push({ name: task.getName(), input: parse(task.getInput()?.getValue()) });
    const end = action.getCompleteorchestration();
    if (end)
      outcome.end = {
        status: getOrchestrationStatusStr(end.getOrchestrationstatus()),
        result: parse(end.getResult()?.getValue()),
        carryover: end.getCarryovereventsList().map((e) => ({
          name: e.getEventraised()!.getName(),
          input: parse(e.getEventraised()!.getInput()?.getValue()),
        })),
        failure: end.getFailuredetails()?.getErrormessage(),
      };
  }
  return outcome;
}

const completed = (result: string) => ({ status: 'COMPLETED', result, carryover: [] });
const continuedAsNew = (input: TimerPlan, carryover: { name: string; input: unknown }[] = []) => ({
  status: 'CONTINUED_AS_NEW',
  result: input,
  carryover,
});

beforeEach(() => {
  // durabletask-js narrates every replay.
  for (const level of ['log', 'info', 'warn'] as const) vi.spyOn(console, level).mockImplementation(() => {});
});

describe.each(['reminder', 'due', 'series'] as const)('the %s workflow', (kind) => {
  const plan = planOf(kind);

  it("sleeps until the plan's time, showing it in its status", async () => {
    const out = await replay([], started(kind, plan).slice(0, 2));
    expect(out.timers).toEqual([AT]);
    expect(out.activities).toEqual([]);
    expect(out.end).toBeUndefined();
    expect(out.status).toEqual({ state: 'sleeping', at: AT });
  });

  it('runs its activity with the job when the timer fires', async () => {
    const out = await replay(started(kind, plan), timerFired(plan));
    expect(out.activities).toEqual([{ name: ACTIVITY[kind], input: plan.job }]);
    expect(out.end).toBeUndefined();
  });

  it('continues as new with a plan that comes before the timer, without running the activity', async () => {
    const out = await replay(started(kind, plan), raised(EVENT.plan, moved(kind), plusMs(T0, 1000)));
    expect(out.activities).toEqual([]);
    expect(out.end).toEqual(continuedAsNew(moved(kind)));
  });

  it('ends cancelled on a cancel that comes before the timer', async () => {
    const out = await replay(started(kind, plan), raised(EVENT.cancel, undefined, plusMs(T0, 1000)));
    expect(out.activities).toEqual([]);
    expect(out.end).toEqual(completed('cancelled'));
  });

  it('waits after an activity that did not fire, then continues as new with the next plan', async () => {
    const waiting = [...running(kind, plan), ...activityReturned(stale)];

    const out = await replay(running(kind, plan), activityReturned(stale));
    expect(out.end).toBeUndefined();
    expect(out.timers).toEqual([]);
    expect(out.status).toEqual({ state: 'waiting' });

    const next = await replay(waiting, raised(EVENT.plan, moved(kind)));
    expect(next.end).toEqual(continuedAsNew(moved(kind)));
  });

  it('ends cancelled on a cancel while waiting', async () => {
    const out = await replay([...running(kind, plan), ...activityReturned(stale)], raised(EVENT.cancel));
    expect(out.end).toEqual(completed('cancelled'));
  });

  it('keeps a plan that comes while the activity runs, and continues as new with it', async () => {
    const during = await replay(running(kind, plan), raised(EVENT.plan, moved(kind), plusMs(AT, 1000)));
    expect(during.end).toBeUndefined();

    const out = await replay(
      [...running(kind, plan), ...raised(EVENT.plan, moved(kind), plusMs(AT, 1000))],
      activityReturned(stale),
    );
    expect(out.end).toEqual(continuedAsNew(moved(kind)));
  });

  it('after a failed activity, waits the backoff from now, then continues as new with the next attempt', async () => {
    const out = await replay(running(kind, plan), activityFailed());
    expect(out.end).toBeUndefined();
    expect(out.activities).toEqual([]);
    expect(out.timers).toHaveLength(1);

    const backoffAt = plusMs(DONE, backoffMs(0));
    const retried = await replay(
      [...running(kind, plan), ...activityFailed(), newTimerCreatedEvent(ID.backoff, backoffAt)],
      [newOrchestratorStartedEvent(backoffAt), newTimerFiredEvent(ID.backoff, backoffAt)],
    );
    expect(retried.end).toEqual(continuedAsNew({ ...plan, attempt: 1 }));
  });
});

describe('the reminder workflow', () => {
  const plan = planOf('reminder');

  it('completes "fired" when the reminder was published', async () => {
    const out = await replay(running('reminder', plan), activityReturned(fired));
    expect(out.end).toEqual(completed('fired'));
  });

  it.each(['gone', 'closed', 'paused', 'removed'])('waits when the activity says %s', async (why) => {
    const out = await replay(running('reminder', plan), activityReturned({ outcome: 'stale', reason: why }));
    expect(out.end).toBeUndefined();
    expect(out.status).toEqual({ state: 'waiting' });
  });

  it('ends cancelled on a cancel that comes while the activity runs and it did not fire', async () => {
    const out = await replay(
      [...running('reminder', plan), ...raised(EVENT.cancel, undefined, plusMs(AT, 1000))],
      activityReturned(stale),
    );
    expect(out.end).toEqual(completed('cancelled'));
  });

  it('takes event names in any case', async () => {
    const out = await replay(started('reminder', plan), raised('Cancel', undefined, plusMs(T0, 1000)));
    expect(out.end).toEqual(completed('cancelled'));
  });

  describe('backoff after a failed activity', () => {
    it.each([
      [0, 1000],
      [1, 2000],
      [3, 8000],
      [20, 5 * 60_000],
    ])("after failed attempt %i waits %i ms from the orchestrator's time", async (attempt, ms) => {
      const p = planOf('reminder', { attempt });
      const out = await replay(running('reminder', p), activityFailed());
      expect(out.timers).toEqual([plusMs(DONE, ms).toISOString()]);
    });

    it('counts on from the attempt it was given', async () => {
      const p = planOf('reminder', { attempt: 2 });
      const at = plusMs(DONE, backoffMs(2));
      const out = await replay(
        [...running('reminder', p), ...activityFailed(), newTimerCreatedEvent(ID.backoff, at)],
        [newOrchestratorStartedEvent(at), newTimerFiredEvent(ID.backoff, at)],
      );
      expect(out.end).toEqual(continuedAsNew({ ...p, attempt: 3 }));
    });

    // "An event that comes meanwhile is kept and wins in the next generation" (workflows.ts).
    it('takes a plan that comes during the backoff instead of retrying', async () => {
      const at = plusMs(DONE, backoffMs(0));
      const out = await replay(
        [...running('reminder', plan), ...activityFailed(), newTimerCreatedEvent(ID.backoff, at)],
        [
          ...raised(EVENT.plan, moved('reminder'), plusMs(DONE, 500)),
          newOrchestratorStartedEvent(at),
          newTimerFiredEvent(ID.backoff, at),
        ],
      );
      expect(out.end, out.end?.failure).toMatchObject({
        status: 'CONTINUED_AS_NEW',
        result: moved('reminder'),
      });
    });

    it('ends on a cancel that comes during the backoff', async () => {
      const at = plusMs(DONE, backoffMs(0));
      const out = await replay(
        [...running('reminder', plan), ...activityFailed(), newTimerCreatedEvent(ID.backoff, at)],
        [
          ...raised(EVENT.cancel, undefined, plusMs(DONE, 500)),
          newOrchestratorStartedEvent(at),
          newTimerFiredEvent(ID.backoff, at),
        ],
      );
      expect(out.end, out.end?.failure).toEqual(completed('cancelled'));
    });

    it('takes a plan that came while the failed activity ran, with no backoff', async () => {
      const out = await replay(
        [...running('reminder', plan), ...raised(EVENT.plan, moved('reminder'), plusMs(AT, 1000))],
        activityFailed(),
      );
      expect(out.timers).toEqual([]);
      expect(out.end, out.end?.failure).toMatchObject({
        status: 'CONTINUED_AS_NEW',
        result: moved('reminder'),
      });
    });
  });
});

describe('the due workflow', () => {
  it('completes "fired" when the due was announced', async () => {
    const plan = planOf('due');
    const out = await replay(running('due', plan), activityReturned(fired));
    expect(out.end).toEqual(completed('fired'));
  });
});

describe('the series workflow', () => {
  const plan = planOf('series');
  const nextPlan: TimerPlan = {
    at: '2030-03-02T10:00:00.000Z',
    job: {
      kind: 'materialise',
      owner: 'u1',
      seriesId: 's1',
      fromTaskId: 't2',
      occurrence: '2030-03-02T10:00',
    },
  };
  const made: TimerResult = { outcome: 'made', next: nextPlan };

  it('made an occurrence: continues as new with the next one, which its activity planned', async () => {
    const out = await replay(running('series', plan), activityReturned(made));
    expect(out.end).toEqual(continuedAsNew(nextPlan));
  });

  it('takes an edit that came while it made the occurrence over the plan it made itself', async () => {
    const edited = moved('series');
    const out = await replay(
      [...running('series', plan), ...raised(EVENT.plan, edited, plusMs(AT, 1000))],
      activityReturned(made),
    );
    expect(out.end).toEqual(continuedAsNew(edited));
  });

  it('ends on a cancel that came while it made the occurrence', async () => {
    const out = await replay(
      [...running('series', plan), ...raised(EVENT.cancel, {}, plusMs(AT, 1000))],
      activityReturned(made),
    );
    expect(out.end).toEqual(completed('cancelled'));
  });

  it('waits for a plan or cancel when there is no next occurrence yet', async () => {
    const out = await replay(running('series', plan), activityReturned({ outcome: 'made' }));
    expect(out.end).toBeUndefined();
    expect(out.status).toEqual({ state: 'waiting' });
  });

  it('fails on a plan event that is not a plan, rather than sleep on it', async () => {
    const out = await replay(started('series', plan), raised(EVENT.plan, { at: 'soon' }, plusMs(T0, 1000)));
    expect(out.end?.status).toBe('FAILED');
  });
});

// Workflows that were running when the activities' typed result came hold the outputs of before in
// their histories; a replay reads them as what they meant.
describe('an activity output from before the typed result', () => {
  const before = {
    created: { outcome: 'created', task: { id: 't2' }, occurrence: '2030-03-01T10:00', announced: true },
  };

  it.each([
    ['reminder', 'published'],
    ['due', true],
  ] as const)('the %s workflow completes "fired" on %j', async (kind, output) => {
    const out = await replay(running(kind, planOf(kind)), activityReturned(output));
    expect(out.end).toEqual(completed('fired'));
  });

  it.each([
    ['reminder', 'moved'],
    ['due', false],
    ['series', 'published'],
    ['series', true],
    ['series', before.created],
  ] as const)('the %s workflow waits on %j', async (kind, output) => {
    const out = await replay(running(kind, planOf(kind)), activityReturned(output));
    expect(out.end).toBeUndefined();
    expect(out.status).toEqual({ state: 'waiting' });
  });

  it('the series workflow continues as new with the next plan a created occurrence gave', async () => {
    const next: TimerPlan = {
      at: '2030-03-02T10:00:00.000Z',
      job: { ...(jobs.series as Extract<TimerJob, { kind: 'materialise' }>), occurrence: '2030-03-02T10:00' },
    };
    const out = await replay(
      running('series', planOf('series')),
      activityReturned({ ...before.created, next }),
    );
    expect(out.end).toEqual(continuedAsNew(next));
  });
});
