import { fixedClock, type LivePage, type Task, type TimerJob } from '@todo/core';
import { task } from '@todo/core/testing';
import { describe, expect, it } from 'vitest';
import { createReconciler } from './reconciler.ts';
import type { InstanceState } from '../timers/scheduler.dapr.ts';

const NOW = '2030-03-01T09:00:00.000Z';
const inMinutes = (m: number) => new Date(Date.parse(NOW) + m * 60_000).toISOString();

/** A reconciler over one page of live tasks, and a fake engine whose instances a test sets. */
function setup(tasks: Task[], instances: Record<string, InstanceState> = {}) {
  const started: { key: string; at: string; job: TimerJob }[] = [];
  const page: LivePage = { items: tasks.map((t) => ({ owner: 'u1', zone: 'UTC', task: t })) };
  const reconciler = createReconciler({
    live: async () => page,
    scheduler: {
      state: async (id) => instances[id],
      schedule: async (key, at, job) => {
        started.push({ key, at: at.toISOString(), job });
      },
    },
    state: { get: async () => undefined, put: async () => true },
    clock: fixedClock(NOW),
  });
  return { reconciler, started };
}

const withReminder = (id: string, at: string) => task({ id, reminders: [{ id: 'r', at }] });

describe('the reconciler', () => {
  it('starts a reminder due soon that has no workflow', async () => {
    const { reconciler, started } = setup([withReminder('t1', inMinutes(5))]);
    expect(await reconciler.run()).toEqual({ tasks: 1, checked: 1, restarted: 1, replanned: 0 });
    expect(started).toEqual([
      {
        key: 'r~t1~r',
        at: inMinutes(5),
        job: {
          kind: 'reminder',
          owner: 'u1',
          taskId: 't1',
          reminderId: 'r',
          fireAt: inMinutes(5),
          version: 1,
          title: 'pay rent',
          zone: 'UTC',
        },
      },
    ]);
  });

  it('leaves alone one sleeping until its time, and one that fired at that time', async () => {
    const { reconciler, started } = setup(
      [withReminder('t1', inMinutes(5)), withReminder('t2', inMinutes(-1))],
      {
        'r~t1~r': { active: true, status: { state: 'sleeping', at: inMinutes(5) } },
        'r~t2~r': { active: false, status: { state: 'sleeping', at: inMinutes(-1) }, output: 'fired' },
      },
    );
    expect(await reconciler.run()).toMatchObject({ checked: 2, restarted: 0, replanned: 0 });
    expect(started).toEqual([]);
  });

  it('restarts a terminated workflow and re-plans one sleeping until another time', async () => {
    const { reconciler, started } = setup(
      [withReminder('t1', inMinutes(5)), withReminder('t2', inMinutes(6))],
      {
        'r~t1~r': { active: false, status: { state: 'sleeping', at: inMinutes(5) } },
        'r~t2~r': { active: true, status: { state: 'sleeping', at: inMinutes(60) } },
      },
    );
    expect(await reconciler.run()).toMatchObject({ restarted: 1, replanned: 1 });
    expect(started.map((s) => [s.key, s.at])).toEqual([
      ['r~t1~r', inMinutes(5)],
      ['r~t2~r', inMinutes(6)],
    ]);
  });

  it('checks only timers due within its horizon, and never those long past', async () => {
    const { reconciler, started } = setup([
      withReminder('later', inMinutes(16)),
      withReminder('old', inMinutes(-60)),
    ]);
    expect(await reconciler.run()).toMatchObject({ tasks: 2, checked: 0 });
    expect(started).toEqual([]);
  });
});
