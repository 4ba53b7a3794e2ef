import { SnoozeRequest, WORKFLOW_KINDS, WorkflowInfo } from '@todo/core';
import { endpoint, ErrorBody, idempotencyKey, type Endpoint } from '@todo/server';
import type { Context } from 'koa';
import { z } from 'zod';
import { ActivityEntry } from '../history/routes.ts';
import type { WorkflowAction, WorkflowService } from './service.ts';

const WorkflowList = z.object({
  workflows: z.array(WorkflowInfo),
  /** Pass as `cursor` for the next page; absent on the last page. */
  next: z.string().optional(),
});
const WorkflowDetail = WorkflowInfo.extend({
  /** The task's latest changes, newest first. */
  recent: z.array(ActivityEntry),
});
const ListQuery = z.strictObject({
  kind: z.enum(WORKFLOW_KINDS).optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});
const errors = {
  401: { description: 'No or bad bearer token', schema: ErrorBody },
  404: { description: 'No such workflow for this owner', schema: ErrorBody },
};
function acted(conflict?: string): Endpoint['responses'] {
  const responses: Endpoint['responses'] = {
    200: { description: 'The workflow after the change', schema: WorkflowInfo },
    400: { description: 'Invalid input', schema: ErrorBody },
    ...errors,
  };
  if (conflict) responses[409] = { description: conflict, schema: ErrorBody };
  return responses;
}

const principal = (ctx: Context) => ctx.state.user;
const id = (ctx: Context) => String(ctx.params.id);

const ACTIONS: Record<WorkflowAction, { summary: string; conflict?: string }> = {
  pause: {
    summary: 'Pause a series: no new occurrences and no reminders until it is resumed',
    conflict: 'Not a series (NOT_A_SERIES) or an ended one (SERIES_ENDED)',
  },
  resume: {
    summary: 'Resume a paused series',
    conflict: 'Not a series (NOT_A_SERIES) or an ended one (SERIES_ENDED)',
  },
  cancel: {
    summary:
      'Cancel a reminder (removed from its task) or end a series (its newest instance stops recurring)',
  },
  skip: {
    summary: "Skip a series' next planned occurrence (added to its exdate)",
    conflict:
      'Not a schedule series (NOT_A_SERIES, SERIES_ENDED, NOT_SKIPPABLE) or nothing left (NOTHING_TO_SKIP)',
  },
};

/** /api/workflows: the owner's reminders and series, and what can be done to them (as task changes). */
export function workflowEndpoints(workflows: WorkflowService): Endpoint[] {
  return [
    endpoint({
      method: 'get',
      path: '/api/workflows',
      summary:
        "The owner's reminders (of open tasks) and series, soonest first; kind=reminder|series, cursor, limit",
      description:
        'A page at a time, as /api/tasks: up to `limit` (1 to 200, default 100); `next` is the cursor of the ' +
        'following page (with the same kind), absent on the last.',
      tag: 'workflows',
      auth: true,
      query: ListQuery,
      responses: {
        200: { description: 'Workflows', schema: WorkflowList },
        400: { description: 'Invalid kind, cursor or limit', schema: ErrorBody },
        401: errors[401],
      },
      handler: async (ctx, { query }) => {
        ctx.body = await workflows.list(principal(ctx), query);
      },
    }),
    endpoint({
      method: 'get',
      path: '/api/workflows/:id',
      summary: "A workflow, with its task's latest activity",
      tag: 'workflows',
      auth: true,
      responses: { 200: { description: 'The workflow', schema: WorkflowDetail }, ...errors },
      handler: async (ctx) => {
        ctx.body = await workflows.get(principal(ctx), id(ctx));
      },
    }),
    ...(Object.keys(ACTIONS) as WorkflowAction[]).map((action) =>
      endpoint({
        method: 'post',
        path: `/api/workflows/:id/${action}`,
        summary: ACTIONS[action].summary,
        tag: 'workflows',
        auth: true,
        responses: acted(ACTIONS[action].conflict),
        handler: async (ctx) => {
          ctx.body = await workflows.act(principal(ctx), id(ctx), action, idempotencyKey(ctx));
        },
      }),
    ),
    endpoint({
      method: 'post',
      path: '/api/workflows/:id/snooze',
      summary: 'Snooze a reminder: it rings no earlier than {minutes} (1 to 10080) from now, or {until}',
      tag: 'workflows',
      auth: true,
      body: SnoozeRequest,
      responses: acted('Not a reminder (NOT_A_REMINDER)'),
      handler: async (ctx, { body }) => {
        ctx.body = await workflows.snooze(principal(ctx), id(ctx), body, idempotencyKey(ctx));
      },
    }),
  ];
}
