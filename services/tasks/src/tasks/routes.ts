import { AppError, SORT_KEYS, Tag, Task, TaskCreate, TaskPatch, ValidationError } from '@todo/core';
import type { Context } from 'koa';
import { z } from 'zod';
import { endpoint, ErrorBody, idempotencyKey, type Endpoint } from '@todo/server';
import type { TaskService } from './service.ts';

const TaskList = z.object({
  tasks: z.array(Task),
  /** The query as understood, in canonical form. */
  query: z.string(),
  /** Pass as `cursor` for the next page; absent on the last page. */
  next: z.string().optional(),
});
const ListQuery = z.strictObject({
  q: z.string().max(2000).optional(),
  sort: z
    .string()
    .regex(
      new RegExp(`^-?(?:${SORT_KEYS.join('|')})$`),
      `one of ${SORT_KEYS.join(', ')}, a leading - reverses`,
    )
    .optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});
const TagCounts = z.object({ tags: z.array(z.object({ tag: z.string(), count: z.number() })) });
const Updated = z.object({ updated: z.number() });
const errors = {
  400: { description: 'Invalid input: what was wrong and where', schema: ErrorBody },
  401: { description: 'No or bad bearer token', schema: ErrorBody },
};
const found = { ...errors, 404: { description: 'No such task for this owner', schema: ErrorBody } };
const versioned = {
  ...found,
  412: { description: 'If-Match does not name the current version', schema: ErrorBody },
};
const one = { 200: { description: 'The task', schema: Task } };

/** The version a client names in If-Match ("3", 3 or W/"3"), if any. */
function ifMatch(ctx: Context): number | undefined {
  const raw = ctx.get('if-match');
  if (!raw) return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(raw.trim());
  if (!m)
    throw new ValidationError('bad If-Match', [
      { path: 'If-Match', issue: 'expected a task version such as "3"' },
    ]);
  return Number(m[1]);
}

function send(ctx: Context, task: Task, status = 200): void {
  ctx.status = status;
  ctx.set('ETag', `"${task.version}"`);
  ctx.body = task;
}

const principal = (ctx: Context) => ctx.state.user;
const id = (ctx: Context) => String(ctx.params.id);

/** How much one owner may keep: tasks (not deleted) and reminders (of open tasks). */
export interface Quotas {
  tasks: number;
  reminders: number;
}
export const DEFAULT_QUOTAS: Quotas = { tasks: 10_000, reminders: 2_000 };

/** The owner keeps as much as the quota allows already. */
export class QuotaExceededError extends AppError {
  constructor(what: keyof Quotas, limit: number) {
    super('QUOTA_EXCEEDED', 409, `at most ${limit} ${what} per owner: delete some first`, [
      { path: what, issue: `the quota is ${limit} ${what} per owner` },
    ]);
  }
}
const quotaReached = {
  409: { description: 'The owner reached a quota (QUOTA_EXCEEDED)', schema: ErrorBody },
};

export function taskEndpoints(tasks: TaskService, quotas: Quotas = DEFAULT_QUOTAS): Endpoint[] {
  /** Refuses a write that would take the owner past a quota; `reminders` is how many it adds. */
  async function withinQuota(ctx: Context, added: { tasks: number; reminders: number }) {
    if (added.tasks <= 0 && added.reminders <= 0) return;
    const usage = await tasks.usage(principal(ctx));
    if (added.tasks > 0 && usage.tasks + added.tasks > quotas.tasks)
      throw new QuotaExceededError('tasks', quotas.tasks);
    if (added.reminders > 0 && usage.reminders + added.reminders > quotas.reminders)
      throw new QuotaExceededError('reminders', quotas.reminders);
  }

  return [
    endpoint({
      method: 'post',
      path: '/api/tasks',
      summary: 'Create a task (send Idempotency-Key to make retries safe)',
      tag: 'tasks',
      auth: true,
      body: TaskCreate,
      responses: {
        201: { description: 'Created', schema: Task },
        200: {
          description: 'A repeat of an earlier request with the same Idempotency-Key: its task',
          schema: Task,
        },
        ...errors,
        ...quotaReached,
      },
      handler: async (ctx, { body }) => {
        await withinQuota(ctx, { tasks: 1, reminders: body.reminders.length });
        const { task, replayed } = await tasks.create(principal(ctx), body, idempotencyKey(ctx));
        ctx.set('Location', `/api/tasks/${task.id}`);
        if (replayed) ctx.set('Idempotent-Replayed', 'true');
        send(ctx, task, replayed ? 200 : 201);
      },
    }),
    endpoint({
      method: 'get',
      path: '/api/tasks',
      summary:
        'List tasks: q (query language), sort (due, priority, created, updated, title; -key reverses), cursor, limit',
      tag: 'tasks',
      auth: true,
      query: ListQuery,
      responses: { 200: { description: 'A page of tasks', schema: TaskList }, ...errors },
      handler: async (ctx, { query }) => {
        ctx.body = await tasks.list(principal(ctx), query);
      },
    }),
    endpoint({
      method: 'get',
      path: '/api/tasks/:id',
      summary: 'Get a task',
      tag: 'tasks',
      auth: true,
      responses: { ...one, ...found },
      handler: async (ctx) => send(ctx, await tasks.get(principal(ctx), id(ctx))),
    }),
    endpoint({
      method: 'patch',
      path: '/api/tasks/:id',
      summary: 'Change a task (If-Match: its version; null clears a field)',
      tag: 'tasks',
      auth: true,
      body: TaskPatch,
      responses: {
        ...one,
        ...versioned,
        409: {
          description:
            "TASK_INCONSISTENT: the change does not fit the task's other fields (a recurrence or a relative " +
            'reminder needs a due date; the rule must fit the due); QUOTA_EXCEEDED: the owner has as many ' +
            'reminders as the quota allows',
          schema: ErrorBody,
        },
      },
      handler: async (ctx, { body }) => {
        if (body.reminders) {
          const current = await tasks.get(principal(ctx), id(ctx));
          const had = current.status === 'open' ? current.reminders.length : 0;
          await withinQuota(ctx, { tasks: 0, reminders: body.reminders.length - had });
        }
        send(ctx, await tasks.update(principal(ctx), id(ctx), body, ifMatch(ctx), idempotencyKey(ctx)));
      },
    }),
    endpoint({
      method: 'delete',
      path: '/api/tasks/:id',
      summary: 'Delete a task',
      tag: 'tasks',
      auth: true,
      responses: { 204: { description: 'Deleted' }, ...versioned },
      handler: async (ctx) => {
        await tasks.remove(principal(ctx), id(ctx), ifMatch(ctx));
        ctx.status = 204;
      },
    }),
    ...(['complete', 'reopen', 'skip'] as const).map((action) =>
      endpoint({
        method: 'post',
        path: `/api/tasks/:id/${action}`,
        summary: {
          complete: 'Mark a task done',
          reopen: 'Open a done or skipped task again',
          skip: 'Skip this occurrence of a recurring task',
        }[action],
        tag: 'tasks',
        auth: true,
        responses: {
          ...one,
          ...versioned,
          409: { description: 'Skip: the task is not recurring', schema: ErrorBody },
        },
        handler: async (ctx) =>
          send(ctx, await tasks[action](principal(ctx), id(ctx), ifMatch(ctx), idempotencyKey(ctx))),
      }),
    ),
    endpoint({
      method: 'get',
      path: '/api/tags',
      summary: "The owner's tags with how many tasks carry each",
      tag: 'tags',
      auth: true,
      responses: { 200: { description: 'Tags, most used first', schema: TagCounts }, ...errors },
      handler: async (ctx) => {
        ctx.body = { tags: await tasks.tags(principal(ctx)) };
      },
    }),
    endpoint({
      method: 'post',
      path: '/api/tags/rename',
      summary: 'Rename a tag on every task',
      tag: 'tags',
      auth: true,
      body: z.strictObject({ from: Tag, to: Tag }),
      responses: { 200: { description: 'How many tasks changed', schema: Updated }, ...errors },
      handler: async (ctx, { body }) => {
        ctx.body = await tasks.retag(principal(ctx), [body.from], body.to);
      },
    }),
    endpoint({
      method: 'post',
      path: '/api/tags/merge',
      summary: 'Merge several tags into one on every task',
      tag: 'tags',
      auth: true,
      body: z.strictObject({ from: z.array(Tag).min(1).max(50), to: Tag }),
      responses: { 200: { description: 'How many tasks changed', schema: Updated }, ...errors },
      handler: async (ctx, { body }) => {
        ctx.body = await tasks.retag(principal(ctx), body.from, body.to);
      },
    }),
  ];
}
