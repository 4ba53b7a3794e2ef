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

const walls = new Map<string, string>();
const rules = new Map<string, { text: string; next: string[] }>();
/** Now as a wall time in `zone`, to the minute (kept per minute and zone: a board asks for it per series). */
function wallNow(now: Date, zone: string): string {
  const key = `${zone}|${Math.floor(now.getTime() / 60_000)}`;
  let wall = walls.get(key);
  if (!wall) {
    wall = DateTime.fromJSDate(now, { zone }).toFormat("yyyy-MM-dd'T'HH:mm");
    if (walls.size > 1000) walls.clear();
    walls.set(key, wall);
  }
  return wall;
}

/** A task with its rule in words and the next `count` dates from now, from @todo/core's engine. */
export function withRule(task: TaskView, ownerZone: string, now: Date, count = 3): TaskView {
  const rule = ruleOf(task, ownerZone);
  if (!rule) return task;
  try {
    const after = wallNow(now, rule.tz);
    const key = `${rule.rrule}|${rule.dtstart}|${rule.tz}|${rule.exdate?.join(',') ?? ''}|${count}|${after}`;
    let described = rules.get(key);
    if (!described) {
      // Zone arithmetic makes a series cost ~1 ms: the same rule in the same minute has the same answer.
      described = { text: describeRule(rule), next: occurrences(rule, { count, after }).map((o) => o.local) };
      if (rules.size > 5000) rules.clear();
      rules.set(key, described);
    }
    return { ...task, rule: described };
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

/**
 * Which board group each task falls in, read in the owner's zone (a date without time is due at its day's
 * end). Today's bounds are computed once: zone arithmetic is the cost of a 500-task board.
 */
export function grouper(ownerZone: string, now: Date): (task: TaskView) => Group {
  const today = DateTime.fromJSDate(now, { zone: ownerZone });
  const start = today.startOf('day').toMillis();
  const end = today.endOf('day').toMillis();
  const nowMs = now.getTime();
  return (task) => {
    if (!task.due) return 'none';
    const at = dueInstant(task.due, ownerZone).toMillis();
    if (task.status === 'open' && at < nowMs) return 'overdue';
    if (at >= start && at <= end) return 'today';
    return at < nowMs ? 'overdue' : 'upcoming';
  };
}

/** What a page needs of a task (the rest stays on the server, out of the page's data). */
export function slim(task: TaskView): TaskView {
  return {
    id: task.id,
    title: task.title,
    status: task.status,
    priority: task.priority,
    tags: task.tags,
    reminders: task.reminders,
    version: task.version,
    ...(task.due ? { due: task.due } : {}),
    ...(task.recurrence ? { recurrence: task.recurrence } : {}),
    ...(task.rule ? { rule: task.rule } : {}),
  };
}
