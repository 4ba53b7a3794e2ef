import { dueInstant, PRIORITY_RANK, type Task } from '../task.ts';
import { ValidationError } from '../errors.ts';

/** The keys a list or a search sorts by (besides a search's relevance). */
export const SORT_KEYS = ['due', 'priority', 'created', 'updated', 'title'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
/** A sort key and its direction; each key's natural direction is the useful one (soonest, highest, newest). */
export interface Sort {
  key: SortKey;
  dir: 1 | -1;
}
export const NATURAL_DIR: Record<SortKey, 1 | -1> = {
  due: 1,
  priority: -1,
  created: -1,
  updated: -1,
  title: 1,
};

/** Reads `due`, `-priority`, ... (a leading - reverses the key's natural direction); 400 on anything else. */
export function parseSort(raw: string, path = 'sort'): Sort {
  const desc = raw.startsWith('-');
  const key = (desc ? raw.slice(1) : raw) as SortKey;
  if (!Object.hasOwn(NATURAL_DIR, key)) {
    throw new ValidationError('unknown sort', [
      { path, issue: `expected one of ${SORT_KEYS.join(', ')}, optionally with a leading -` },
    ]);
  }
  return { key, dir: (desc ? -NATURAL_DIR[key] : NATURAL_DIR[key]) as 1 | -1 };
}

/** Where a page ends: the sort value and id of its last task (keyset pagination). */
export interface Position {
  v: string | number;
  id: string;
}

/** Sorts after every real due: the largest time a JS Date holds. */
export const NO_DUE = 8.64e15;

/** The value a task sorts by under `key`; tasks with no due sort after all others. */
export function sortValue(task: Task, key: SortKey, zone: string): string | number {
  switch (key) {
    case 'due':
      return task.due ? dueInstant(task.due, zone).toMillis() : NO_DUE;
    case 'priority':
      return PRIORITY_RANK[task.priority];
    case 'created':
      return task.createdAt;
    case 'updated':
      return task.updatedAt;
    case 'title':
      return task.title.toLowerCase();
  }
}

function compare(a: Position, b: Position): number {
  return a.v < b.v ? -1 : a.v > b.v ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Sorts tasks by (sort value, id) in the sort's direction, the order both stores give, keeping those
 * after `after` (the end of the previous page). Each task's sort value is computed once.
 */
export function sortTasks(tasks: Task[], sort: Sort, zone: string, after?: Position): Task[] {
  return tasks
    .map((task) => ({ task, pos: { v: sortValue(task, sort.key, zone), id: task.id } }))
    .filter((e) => !after || compare(e.pos, after) * sort.dir > 0)
    .sort((a, b) => compare(a.pos, b.pos) * sort.dir)
    .map((e) => e.task);
}
