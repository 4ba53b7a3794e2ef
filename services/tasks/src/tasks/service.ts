import { randomBytes, randomUUID } from 'node:crypto';
import {
  AppError,
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
  formatQuery,
  parseQuery,
  parseSort,
  occurrences,
  parseRule,
  ruleFrequency,
  type Clock,
  type ErrorDetail,
  type OccurrenceCreate,
  type QueryNode,
  type ReminderInput,
  type Reminder,
  type Task,
  type TaskCreate,
  type TaskEvent,
  type TaskEventType,
  type TaskPatch,
} from '@todo/core';
import {
  decodeCursor as decodeServerCursor,
  encodeCursor as encodeServerCursor,
  currentTraceparent,
  type Principal,
} from '@todo/server';
import { z } from 'zod';
import { sortValue, type Position, type Sort, type Store } from '../store/store.ts';

export interface ListParams {
  q?: string;
  sort?: string;
  cursor?: string;
  limit?: number;
}

const ALLOWED_FREQUENCIES = new Set(['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY', 'HOURLY']);
const MAX_RETRIES = 5;
/** How many keys of a task's latest keyed changes are kept: a client retries a recent change, not an old one. */
const CHANGE_KEYS = 20;

export interface TaskServiceDeps {
  store: Store;
  clock: Clock;
  /** Called after every committed change, e.g. to wake the outbox relay. */
  onWrite?: () => void;
}

/** The task use cases: validation across fields, versions, events. Storage is the store's. */
export function createTaskService({ store, clock, onWrite = () => {} }: TaskServiceDeps) {
  const now = () => clock.now().toISOString();

  function event(type: TaskEventType, user: Principal, task: Task, changed?: string[]): TaskEvent {
    const traceparent = currentTraceparent();
    return {
      id: randomUUID(),
      type,
      time: task.updatedAt,
      subject: task.id,
      version: task.version,
      ...(traceparent ? { traceparent } : {}),
      data: { owner: user.id, zone: user.tz, task, ...(changed ? { changed } : {}) },
    };
  }

  async function load(user: Principal, id: string): Promise<Task> {
    const task = await store.getTask(user.id, id);
    if (!task) throw new NotFoundError('task', 'TASK_NOT_FOUND');
    return task;
  }

  /**
   * Applies `change` to the current task and writes it if nobody wrote in between. With `ifMatch` the
   * client's version must be current (else 412); without it a lost race is retried on the fresh task.
   * `change` returns null when there is nothing to do. A change with a `changeKey` the task has already
   * seen is a client's retry: it answers the task as it is and writes nothing.
   */
  async function mutate(
    user: Principal,
    id: string,
    ifMatch: number | undefined,
    change: (t: Task) => { task: Task; type: TaskEventType; changed?: string[] } | null,
    changeKey?: string,
  ): Promise<Task> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const current = await load(user, id);
      let keys: string[] | undefined;
      if (changeKey) {
        const seen = await store.changeKeys(user.id, id);
        // Written in between the two reads: read both again.
        if (seen?.version !== current.version) continue;
        if (seen.keys.includes(changeKey)) return current;
        keys = [...seen.keys, changeKey].slice(-CHANGE_KEYS);
      }
      if (ifMatch !== undefined && current.version !== ifMatch)
        throw new PreconditionFailedError(current.version);
      const next = change(current);
      if (!next) return current;
      const task = { ...next.task, version: current.version + 1, updatedAt: now() };
      const ok = await store.replaceTask(
        user.id,
        user.tz,
        task,
        current.version,
        event(next.type, user, task, next.changed),
        keys,
      );
      if (ok) {
        onWrite();
        return task;
      }
    }
    throw new ConflictError('WRITE_CONFLICT', 'the task is being changed by someone else: try again');
  }

  async function insert(
    user: Principal,
    input: Omit<TaskCreate, 'reminders'> & { reminders: Reminder[]; seriesId?: string; occurrence?: string },
    idempotencyKey?: string,
  ): Promise<{ task: Task; replayed: boolean }> {
    const at = now();
    const id = randomUUID();
    const task: Task = withSeries({
      id,
      title: input.title,
      ...(input.notes !== undefined ? { notes: input.notes } : {}),
      status: 'open',
      priority: input.priority,
      tags: input.tags,
      ...(input.due ? { due: input.due } : {}),
      reminders: input.reminders,
      ...(input.recurrence ? { recurrence: input.recurrence } : {}),
      ...(input.seriesId ? { seriesId: input.seriesId } : {}),
      ...(input.occurrence ? { occurrence: input.occurrence } : {}),
      createdAt: at,
      updatedAt: at,
      version: 1,
    });
    check(task);
    const stored = await store.insertTask(
      user.id,
      user.tz,
      task,
      event('task.created', user, task),
      idempotencyKey,
    );
    if (stored !== task) return { task: stored, replayed: true };
    onWrite();
    return { task, replayed: false };
  }

  return {
    /**
     * Creates a task. A repeat with the same idempotency key creates nothing and answers the first task
     * (`replayed`), whatever its body: a client that retries gets what its first try made.
     */
    create(user: Principal, input: TaskCreate, idempotencyKey?: string) {
      return insert(user, { ...input, reminders: withIds(input.reminders) }, idempotencyKey);
    },

    /**
     * Creates one instance of a series for the workflows: its reminders keep their ids (they are the
     * series' reminders) and it names its series and occurrence. The key makes a replay create nothing.
     */
    async createOccurrence(owner: string, idempotencyKey: string, input: OccurrenceCreate): Promise<Task> {
      const user = await store.findUserById(owner);
      if (!user) throw new NotFoundError('owner', 'OWNER_NOT_FOUND');
      return (await insert({ id: owner, tz: user.tz }, input, idempotencyKey)).task;
    },

    get: load,

    async list(user: Principal, params: ListParams) {
      const filter = parseQuery(params.q ?? '');
      const sort = parseSort(params.sort ?? 'due');
      const limit = params.limit ?? 50;
      const tasks = await store.listTasks(user.id, {
        filter,
        ctx: { now: clock.now(), zone: user.tz },
        sort,
        after: params.cursor ? decodeCursor(params.cursor, sort) : undefined,
        limit: limit + 1,
      });
      const page = tasks.slice(0, limit);
      const last = page.at(-1);
      const more = tasks.length > limit && last;
      return {
        tasks: page,
        query: formatQuery(filter),
        ...(more ? { next: encodeCursor(sort, { v: sortValue(last, sort.key, user.tz), id: last.id }) } : {}),
      };
    },

    /**
     * Changes a task. `patch` may be a function of the current task (for changes made from what is
     * there, such as one reminder's snooze): it is asked again when a concurrent write wins the race.
     */
    update(
      user: Principal,
      id: string,
      patch: TaskPatch | ((current: Task) => TaskPatch),
      ifMatch?: number,
      changeKey?: string,
    ): Promise<Task> {
      return mutate(
        user,
        id,
        ifMatch,
        (current) => {
          const task: Record<string, unknown> = { ...current };
          const changed: string[] = [];
          const fields = typeof patch === 'function' ? patch(current) : patch;
          for (const [key, value] of Object.entries(fields)) {
            if (value === undefined) continue;
            const next = key === 'reminders' ? withIds(value as ReminderInput[]) : value;
            if (JSON.stringify(next) === JSON.stringify(task[key] ?? null)) continue;
            if (next === null) delete task[key];
            else task[key] = next;
            changed.push(key);
          }
          if (changed.length === 0) return null;
          const result = withSeries(task as Task);
          check(result, 'change');
          return { task: result, type: 'task.updated', changed };
        },
        changeKey,
      );
    },

    complete(user: Principal, id: string, ifMatch?: number, changeKey?: string): Promise<Task> {
      return mutate(
        user,
        id,
        ifMatch,
        (t) =>
          t.status === 'done'
            ? null
            : { task: { ...t, status: 'done', completedAt: now() }, type: 'task.completed' },
        changeKey,
      );
    },

    reopen(user: Principal, id: string, ifMatch?: number, changeKey?: string): Promise<Task> {
      return mutate(
        user,
        id,
        ifMatch,
        ({ completedAt: _done, ...t }) =>
          t.status === 'open' ? null : { task: { ...t, status: 'open' }, type: 'task.reopened' },
        changeKey,
      );
    },

    /** Skips this occurrence of a recurring task: it stays in history as skipped. */
    skip(user: Principal, id: string, ifMatch?: number, changeKey?: string): Promise<Task> {
      return mutate(
        user,
        id,
        ifMatch,
        (t) => {
          if (!t.recurrence && !t.seriesId) {
            throw new ConflictError('NOT_RECURRING', 'only an occurrence of a recurring task can be skipped');
          }
          return t.status === 'skipped' ? null : { task: { ...t, status: 'skipped' }, type: 'task.skipped' };
        },
        changeKey,
      );
    },

    async remove(user: Principal, id: string, ifMatch?: number): Promise<void> {
      for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
        const current = await load(user, id);
        if (ifMatch !== undefined && current.version !== ifMatch)
          throw new PreconditionFailedError(current.version);
        const gone = { ...current, version: current.version + 1, updatedAt: now() };
        if (await store.deleteTask(user.id, id, current.version, event('task.deleted', user, gone))) return;
      }
      throw new ConflictError('WRITE_CONFLICT', 'the task is being changed by someone else: try again');
    },

    tags: (user: Principal) => store.tagCounts(user.id),

    /** What the owner keeps, for the quotas. */
    usage: (user: Principal) => store.usage(user.id),

    /** Every task of the owner that `filter` matches (lists stop at 200 a page; this does not). */
    async all(user: Principal, filter: QueryNode | null): Promise<Task[]> {
      const out: Task[] = [];
      for await (const page of pages(user, filter)) out.push(...page);
      return out;
    },

    /** Renames tags `from` to `to` on every task of the owner (a merge when `to` exists). */
    async retag(user: Principal, from: string[], to: string): Promise<{ updated: number }> {
      const names = new Set(from.filter((t) => t !== to));
      let updated = 0;
      for await (const page of pages(user, null)) {
        for (const t of page) {
          if (!t.tags.some((tag) => names.has(tag))) continue;
          const tags = [...new Set(t.tags.map((tag) => (names.has(tag) ? to : tag)))];
          await this.update(user, t.id, { tags });
          updated++;
        }
      }
      return { updated };
    },
  };

  /** The owner's tasks that `filter` matches, a page at a time, in order of creation (which no change moves). */
  async function* pages(user: Principal, filter: QueryNode | null): AsyncGenerator<Task[]> {
    const sort: Sort = { key: 'created', dir: -1 };
    let after: Position | undefined;
    for (;;) {
      const page = await store.listTasks(user.id, {
        filter,
        ctx: { now: clock.now(), zone: user.tz },
        sort,
        after,
        limit: 500,
      });
      yield page;
      const last = page.at(-1);
      if (page.length < 500 || !last) return;
      after = { v: sortValue(last, sort.key, user.tz), id: last.id };
    }
  }
}

export type TaskService = ReturnType<typeof createTaskService>;

function withIds(reminders: ReminderInput[]): Reminder[] {
  return reminders.map((r) => ({ id: r.id ?? randomBytes(6).toString('base64url'), ...r }) as Reminder);
}

/** A task with a recurrence is its series' first occurrence until the workflows materialise more. */
function withSeries(task: Task): Task {
  if (!task.recurrence) {
    if (task.seriesId !== task.id) return task;
    const { seriesId: _s, occurrence: _o, ...rest } = task;
    return rest;
  }
  const due = task.due;
  if (task.seriesId || !due) return task;
  return { ...task, seriesId: task.id, occurrence: due.time ? `${due.date}T${due.time}` : due.date };
}

/**
 * Rules across fields that the schemas can not see alone. A new task breaks them by its own input (400);
 * a change can break them only together with the fields it leaves as they are (409: fine on another task).
 */
function check(task: Task, by: 'input' | 'change' = 'input'): void {
  const details: ErrorDetail[] = [];
  task.reminders.forEach((r, i) => {
    if ('offset' in r && !task.due)
      details.push({ path: `reminders.${i}.offset`, issue: 'a relative reminder needs a due date' });
  });
  const ids = task.reminders.map((r) => r.id);
  if (new Set(ids).size !== ids.length)
    details.push({ path: 'reminders', issue: 'reminder ids must be unique' });
  if (task.recurrence) {
    if (!task.due)
      details.push({ path: 'recurrence', issue: 'a recurring task needs a due date (its first occurrence)' });
    try {
      parseRule(task.recurrence.rrule);
      // The engine refuses a rule it cannot follow to its end (decision 0022): refused here, at the write,
      // rather than at a series' next occurrence.
      if (task.due) {
        const { date, time, tz } = task.due;
        occurrences(
          { rrule: task.recurrence.rrule, dtstart: time ? `${date}T${time}` : date, ...(tz ? { tz } : {}) },
          { count: 1, floatingZone: 'UTC' },
        );
      }
      const freq = ruleFrequency(task.recurrence.rrule);
      if (!ALLOWED_FREQUENCIES.has(freq)) {
        details.push({
          path: 'recurrence.rrule',
          issue: `FREQ=${freq} is more frequent than hourly; tasks repeat at most hourly`,
        });
      }
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      details.push(...err.details.map((d) => ({ path: `recurrence.${d.path}`, issue: d.issue })));
    }
  }
  if (details.length === 0) return;
  if (by === 'input') throw new ValidationError('the task is not consistent', details);
  throw new AppError('TASK_INCONSISTENT', 409, "the change does not fit the task's other fields", details);
}

function encodeCursor(sort: Sort, pos: Position): string {
  return encodeServerCursor({ k: sort.key, d: sort.dir, ...pos });
}

function decodeCursor(cursor: string, sort: Sort): Position {
  const { v, id } = decodeServerCursor(
    cursor,
    z.object({
      k: z.literal(sort.key),
      d: z.literal(sort.dir),
      id: z.string(),
      v: z.union([z.string(), z.number()]),
    }),
    'this list with this sort',
  );
  return { v, id };
}
