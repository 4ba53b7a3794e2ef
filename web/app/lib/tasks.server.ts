import { describeRule, dueInstant, occurrences } from '@todo/core';
import { DateTime } from 'luxon';
import type { TaskView } from './format.ts';

/** The rule of a series as the recurrence engine reads it: its start, zone and exdates. */
export function ruleOf(task: TaskView, ownerZone: string) {
  if (!task.recurrence || !task.due) return undefined;
  return {
    rrule: task.recurrence.rrule,
    dtstart: task.due.time ? `${task.due.date}T${task.due.time}` : task.due.date,
    tz: task.due.tz ?? ownerZone,
    ...(task.recurrence.exdate ? { exdate: task.recurrence.exdate } : {}),
  };
}

/** A task with its rule in words and the next `count` dates from now, from @todo/core's engine. */
export function withRule(task: TaskView, ownerZone: string, now: Date, count = 3): TaskView {
  const rule = ruleOf(task, ownerZone);
  if (!rule) return task;
  try {
    const after = DateTime.fromJSDate(now, { zone: rule.tz }).toFormat("yyyy-MM-dd'T'HH:mm");
    const next = occurrences(rule, { count, after }).map((o) => o.local);
    return { ...task, rule: { text: describeRule(rule), next } };
  } catch {
    // A rule the engine refuses is still shown, as it is stored.
    return { ...task, rule: { text: task.recurrence!.rrule, next: [] } };
  }
}

export type Group = 'overdue' | 'today' | 'upcoming' | 'none';
export const GROUPS: { key: Group; title: string }[] = [
  { key: 'overdue', title: 'Overdue' },
  { key: 'today', title: 'Today' },
  { key: 'upcoming', title: 'Upcoming' },
  { key: 'none', title: 'No date' },
];

/** Which board group a task falls in, read in the owner's zone (a date without time is due at its day's end). */
export function groupOf(task: TaskView, ownerZone: string, now: Date): Group {
  if (!task.due) return 'none';
  const at = dueInstant(task.due, ownerZone);
  const today = DateTime.fromJSDate(now, { zone: ownerZone });
  if (task.status === 'open' && at.toMillis() < now.getTime()) return 'overdue';
  if (at.setZone(ownerZone).hasSame(today, 'day')) return 'today';
  return at.toMillis() < now.getTime() ? 'overdue' : 'upcoming';
}
