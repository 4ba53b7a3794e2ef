import type { Clock, NotificationEvent, Task, TaskEvent, TaskEventType } from '@todo/core';
import type { NotificationPublisher, OccurrenceCreate, TasksReader, TasksWriter } from '../deps.ts';

/**
 * An in-memory stand-in for the task service in unit tests: tasks with versions, one event per change
 * handed to `onEvent` (as the relay would), and idempotent creation of series instances.
 */
export function memoryTasks({
  clock,
  zone = 'UTC',
  onEvent = async () => {},
}: {
  clock: Clock;
  zone?: string;
  onEvent?: (e: TaskEvent) => Promise<unknown>;
}) {
  const tasks = new Map<string, { owner: string; task: Task }>();
  const keys = new Map<string, string>();
  const events: TaskEvent[] = [];
  let reads = 0;
  // Ids count up, so a failing test names the same tasks and events on every run.
  let made = 0;
  const nextId = (kind: string) => `${kind}-${++made}`;

  async function emit(type: TaskEventType, owner: string, task: Task): Promise<TaskEvent> {
    const e: TaskEvent = {
      id: nextId('event'),
      type,
      time: task.updatedAt,
      subject: task.id,
      version: task.version,
      data: { owner, task },
    };
    events.push(e);
    await onEvent(e);
    return e;
  }

  async function insert(owner: string, fields: Partial<Task> & { title: string }): Promise<Task> {
    const at = clock.now().toISOString();
    const id = fields.id ?? nextId('task');
    let task: Task = {
      status: 'open',
      priority: 'none',
      tags: [],
      reminders: [],
      ...fields,
      id,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    if (task.recurrence && task.due && !task.seriesId) {
      task = {
        ...task,
        seriesId: id,
        occurrence: task.due.time ? `${task.due.date}T${task.due.time}` : task.due.date,
      };
    }
    tasks.set(id, { owner, task });
    await emit('task.created', owner, task);
    return task;
  }

  async function change(id: string, type: TaskEventType, fn: (t: Task) => Task): Promise<Task> {
    const entry = tasks.get(id);
    if (!entry) throw new Error(`no task ${id}`);
    const task = { ...fn(entry.task), version: entry.task.version + 1, updatedAt: clock.now().toISOString() };
    if (type === 'task.deleted') tasks.delete(id);
    else tasks.set(id, { owner: entry.owner, task });
    await emit(type, entry.owner, task);
    return task;
  }

  const reader: TasksReader & TasksWriter = {
    async getTask(owner, id) {
      reads++;
      const e = tasks.get(id);
      return e && e.owner === owner ? e.task : null;
    },
    async ownerZone() {
      return zone;
    },
    async createOccurrence(owner, idempotencyKey, input: OccurrenceCreate) {
      const existing = keys.get(idempotencyKey);
      if (existing) return tasks.get(existing)!.task;
      const id = nextId('task');
      keys.set(idempotencyKey, id);
      return insert(owner, { ...input, id });
    },
  };

  return {
    ...reader,
    events,
    reads: () => reads,
    all: () => [...tasks.values()].map((e) => e.task),
    create: insert,
    update: (id: string, patch: Partial<Task>) => change(id, 'task.updated', (t) => ({ ...t, ...patch })),
    complete: (id: string) =>
      change(id, 'task.completed', (t) => ({ ...t, status: 'done', completedAt: clock.now().toISOString() })),
    reopen: (id: string) =>
      change(id, 'task.reopened', ({ completedAt: _c, ...t }) => ({ ...t, status: 'open' })),
    skip: (id: string) => change(id, 'task.skipped', (t) => ({ ...t, status: 'skipped' })),
    remove: (id: string) => change(id, 'task.deleted', (t) => t),
  };
}

export type MemoryTasks = ReturnType<typeof memoryTasks>;

/** A publisher that keeps what it was given, and a de-duplicated view of it by event id. */
export function memoryPublisher(fail: () => boolean = () => false) {
  const published: NotificationEvent[] = [];
  const publisher: NotificationPublisher = {
    async publish(e) {
      if (fail()) throw new Error('broker down');
      published.push(e);
    },
  };
  return {
    publisher,
    published,
    delivered: () => [...new Map(published.map((e) => [e.id, e])).values()],
  };
}
