import { createHash, randomUUID } from 'node:crypto';
import { NotFoundError, Task, type Clock } from '@todo/core';
import { endpoint, ErrorBody, idempotencyKey, rateLimit, type Endpoint, type Principal } from '@todo/server';
import type { Context } from 'koa';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Conversations, Pending } from '../conversation/state.ts';
import type { LlmResponder } from '../llm/adapter.ts';
import type { TasksClientFactory, ToolCall } from '../tasks/client.ts';
import type { Engine } from './engine.ts';

export const MESSAGE_LIMIT = 4000;
// Newlines and tabs are fine in a message; other control characters only hide text or break logs.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const ConversationId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1 to 64 letters, digits, _ or -');

const ChatRequest = z.strictObject({
  /** Omit to start a conversation; the answer names it. */
  conversationId: ConversationId.optional(),
  message: z
    .string()
    .refine((s) => !CONTROL.test(s), 'must not contain control characters other than newline and tab')
    .trim()
    .min(1, 'must not be empty')
    .max(MESSAGE_LIMIT, `at most ${MESSAGE_LIMIT} characters`),
});

const PendingView = z.object({
  kind: z.enum(['confirm', 'choose']),
  question: z.string(),
  options: z.array(z.object({ id: z.string(), title: z.string() })).optional(),
});
const ChatReply = z.object({
  conversationId: z.string(),
  reply: z.string(),
  /** The calls made on the tasks API for this message, in order. */
  actions: z.array(z.object({ tool: z.string(), method: z.string(), path: z.string(), status: z.number() })),
  /** The tasks acted on or shown. */
  tasks: z.array(Task),
  /** list/search: the query-language text that ran. */
  query: z.string().optional(),
  /** What the next message is expected to answer. */
  pending: PendingView.optional(),
});
const History = z.object({
  conversationId: z.string(),
  history: z.array(z.object({ role: z.enum(['user', 'assistant']), text: z.string(), at: z.string() })),
  pending: PendingView.optional(),
});
const errors = {
  400: { description: 'Invalid input: what was wrong and where', schema: ErrorBody },
  401: { description: 'No or bad bearer token', schema: ErrorBody },
};

export interface ChatRouteDeps {
  engine: Engine;
  llm?: LlmResponder;
  conversations: Conversations;
  tasks: TasksClientFactory;
  clock: Clock;
  /** Messages per owner a minute; 0: no limit. */
  turnsPerMinute: number;
}

export function chatEndpoints({
  engine,
  llm,
  conversations,
  tasks,
  clock,
  turnsPerMinute,
}: ChatRouteDeps): Endpoint[] {
  // Per owner (after auth), in this replica's memory: each replica allows the rate (decision 0024).
  const perOwner = rateLimit({
    max: turnsPerMinute,
    id: (ctx) => `owner ${(ctx.state.user as Principal).id}`,
    message: `at most ${turnsPerMinute} messages a minute: wait a little`,
  });
  return [
    endpoint({
      method: 'post',
      path: '/api/chat',
      summary:
        'Send a message; the answer says what was understood and done (send Idempotency-Key to make retries safe)',
      tag: 'chat',
      auth: true,
      middleware: perOwner,
      body: ChatRequest,
      responses: {
        200: { description: 'The reply', schema: ChatReply },
        ...errors,
        409: { description: 'The conversation changed at the same time', schema: ErrorBody },
        429: { description: 'Too many messages from this owner (Retry-After)', schema: ErrorBody },
        502: { description: 'The task service is not answering', schema: ErrorBody },
      },
      handler: async (ctx, { body }) => {
        const user = ctx.state.user as Principal;
        const clientKey = idempotencyKey(ctx);
        // A first message retried with its key must land in the same (new) conversation.
        const conversationId =
          body.conversationId ?? (clientKey ? `k-${digest(user.id, clientKey).slice(0, 32)}` : randomUUID());
        const { state, etag } = await conversations.load(user.id, conversationId);
        const turnNo = state.turns ?? Math.ceil(state.history.length / 2);
        // The turn's key: the client's, or this turn's place in the conversation, with the message. A turn that
        // failed before it was saved is retried at the same place, so its changes carry the same keys.
        const turnKey = `chat-${digest(user.id, conversationId, clientKey ? `key ${clientKey}` : `turn ${turnNo}`, body.message)}`;
        const replay = state.answered?.find((a) => a.key === turnKey);
        if (replay) {
          ctx.set('Idempotent-Replayed', 'true');
          ctx.body = replay.body;
          return;
        }
        const actions: ToolCall[] = [];
        // The caller's own token (from the bearer header or the session cookie) goes on to the tasks API
        // as a bearer: it acts as them, scoped to their tasks, and the tasks service checks its session.
        const turn = { user, state, tasks: tasks(`Bearer ${ctx.state.token as string}`, actions, turnKey) };
        const now = DateTime.fromJSDate(clock.now(), { zone: user.tz });
        const answer = llm
          ? await llm(body.message, turn, now.toFormat("yyyy-MM-dd'T'HH:mm"))
          : await engine.respond(body.message, turn);
        const at = now.toUTC().toISO()!;
        state.history.push(
          { role: 'user', text: body.message, at },
          { role: 'assistant', text: answer.reply, at },
        );
        const reply = {
          conversationId,
          reply: answer.reply,
          actions,
          tasks: answer.tasks,
          ...(answer.query !== undefined ? { query: answer.query } : {}),
          ...pendingView(state.pending),
        };
        state.turns = turnNo + 1;
        state.answered = [...(state.answered ?? []), { key: turnKey, body: reply }];
        await conversations.save(user.id, conversationId, state, etag);
        ctx.body = reply;
      },
    }),
    endpoint({
      method: 'get',
      path: '/api/chat/:conversationId',
      summary: "A conversation's history (the signed-in owner's only)",
      tag: 'chat',
      auth: true,
      responses: {
        200: { description: 'The history, oldest first', schema: History },
        ...errors,
        404: { description: 'No such conversation for this owner', schema: ErrorBody },
      },
      handler: async (ctx: Context) => {
        const user = ctx.state.user as Principal;
        const id = ConversationId.safeParse(ctx.params.conversationId);
        const found = id.success ? await conversations.load(user.id, id.data) : null;
        if (!found?.etag || !id.success) throw new NotFoundError('conversation', 'CONVERSATION_NOT_FOUND');
        ctx.body = {
          conversationId: id.data,
          history: found.state.history,
          ...pendingView(found.state.pending),
        };
      },
    }),
  ];
}

/** A URL-safe SHA-256 of the parts, kept apart so that no two lists of parts run together. */
function digest(...parts: string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

function pendingView(p: Pending | undefined) {
  if (!p) return {};
  return {
    pending: { kind: p.kind, question: p.question, ...(p.kind === 'choose' ? { options: p.options } : {}) },
  };
}
