import type { Task } from './task.ts';

// Task fixtures for tests of the schedule and the workflows (`@todo/core/testing`).

const T0 = '2025-01-01T00:00:00.000Z';

/** An open task with no due, reminders or recurrence, created at T0; `fields` override. */
export function task(fields: Partial<Task> = {}): Task {
  return {
    id: 't1',
    title: 'pay rent',
    status: 'open',
    priority: 'none',
    tags: [],
    reminders: [],
    createdAt: T0,
    updatedAt: T0,
    version: 1,
    ...fields,
  };
}

/** The first instance of a series: `task` with a recurrence, its seriesId and its occurrence (needs a due). */
export function series(
  fields: Partial<Task> & { rrule: string; mode?: 'schedule' | 'after-completion' },
): Task {
  const { rrule, mode = 'schedule', ...rest } = fields;
  const t = task({ recurrence: { rrule, mode }, ...rest });
  const due = t.due!;
  return { seriesId: t.id, occurrence: due.time ? `${due.date}T${due.time}` : due.date, ...t };
}
