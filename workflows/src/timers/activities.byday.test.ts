import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '@todo/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEmbeddedWorkflows, type EmbeddedWorkflows } from '../embedded.ts';
import { memoryPublisher, memoryTasks } from '../testing/memory.ts';

// Issue 18: a series on "every Monday and the last Friday" (BYDAY=MO,-1FR) once made no instance after
// its first, silently. Here the whole series path runs: task events through the coordinator into the
// SQLite timer table, timers fired by its loop into the series activities, which create each instance
// from the last one, with @todo/core's engine (the one the preview uses). Time moves when the test says.

let wf: EmbeddedWorkflows | undefined;
let dir: string | undefined;
afterEach(async () => {
  await wf?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a BYDAY=MO,-1FR series', () => {
  it('makes an instance for each Monday and for the last Friday of the month', async () => {
    dir = mkdtempSync(join(tmpdir(), 'series-mo-fr-'));
    const clock = fixedClock('2026-01-05T07:00:00Z');
    let consume: ((e: unknown) => Promise<string>) | undefined;
    const tasks = memoryTasks({
      clock: { now: () => new Date(clock.now().getTime() + 20) },
      zone: 'Europe/Berlin',
      onEvent: async (e) => {
        const answer = await consume!(e);
        if (answer !== 'SUCCESS') throw new Error(`coordinator answered ${answer}`);
      },
    });
    wf = createEmbeddedWorkflows({
      file: join(dir, 'timers.db'),
      tasks,
      publisher: memoryPublisher().publisher,
      clock,
    });
    consume = wf.coordinator;
    wf.start();
    const timers = wf.timers;
    /** Moves the clock and waits until every timer due by then has fired (and what that set off). */
    const at = async (time: string) => {
      clock.set(time);
      timers.poke();
      const now = Date.parse(time);
      await vi.waitFor(() => expect(timers.list().filter((t) => t.at <= now)).toEqual([]), {
        timeout: 5000,
      });
    };
    const made = () =>
      tasks
        .all()
        .map((t) => t.occurrence)
        .sort();

    const head = await tasks.create('u1', {
      title: 'timesheet',
      due: { date: '2026-01-05', time: '09:00', tz: 'Europe/Berlin' },
      recurrence: { rrule: 'FREQ=MONTHLY;BYDAY=MO,-1FR', mode: 'schedule' },
    });
    expect(head.occurrence).toBe('2026-01-05T09:00');

    // Each instance is made when its occurrence starts: 09:00 in Berlin is 08:00 UTC in winter.
    const want = ['2026-01-05', '2026-01-12', '2026-01-19', '2026-01-26', '2026-01-30', '2026-02-02'];
    for (let i = 1; i < want.length; i++) {
      await at(`${want[i]}T07:59:00Z`);
      expect(made()).toHaveLength(i);
      await at(`${want[i]}T08:00:00Z`);
      expect(made()).toEqual(want.slice(0, i + 1).map((d) => `${d}T09:00`));
    }
    const last = tasks.all().find((t) => t.occurrence === '2026-02-02T09:00')!;
    expect(last).toMatchObject({ seriesId: head.seriesId, due: { date: '2026-02-02', time: '09:00' } });
  });
});
