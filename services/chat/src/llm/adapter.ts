import type { Logger } from 'pino';
import { z } from 'zod';
import { INTENTS, ParseResult } from '../parse/contract.ts';
import type { Answer, Engine, Turn } from '../chat/engine.ts';

export interface LlmConfig {
  /** An OpenAI-compatible API root, e.g. https://api.openai.com/v1 (we POST to `${baseUrl}/chat/completions`). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** The whole exchange (both calls); past it the deterministic engine answers. */
  timeoutMs: number;
}

/** The model's tools are the engine's intents; their arguments are the parser's fields (one schema). */
const TOOL_NAMES = INTENTS.filter((i) => i !== 'clarify');
const ARGS = ParseResult.omit({ intent: true, occurrences: true, reason: true, needsConfirmation: true });
const TOOLS = TOOL_NAMES.map((name) => ({
  type: 'function' as const,
  function: {
    name,
    description: `The "${name}" request on the user's tasks`,
    parameters: withoutMeta(z.toJSONSchema(ARGS, { io: 'input' })),
  },
}));
/** At most this many tool calls per message: a model that loops must not flood the tasks API. */
const MAX_TOOL_CALLS = 3;

const ToolCall = z.object({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
const Completion = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          role: z.string().optional(),
          content: z.string().nullable().optional(),
          tool_calls: z.array(ToolCall).optional(),
        }),
      }),
    )
    .min(1),
});

/** The model could not be used for this message (HTTP error, timeout, nonsense): fall back. */
export class LlmError extends Error {}

/**
 * LLM mode: the model picks tools, the engine runs them exactly as it runs parsed messages, the model
 * words the reply. On any failure before a tool ran, the deterministic engine answers instead; after a
 * tool ran, the tools' own replies stand (running the message again would act twice).
 */
export function createLlmResponder(
  config: LlmConfig,
  { engine, logger }: { engine: Engine; logger: Logger },
) {
  const url = `${config.baseUrl.replace(/\/+$/, '')}/chat/completions`;

  async function complete(messages: unknown[], signal: AbortSignal) {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: config.model, messages, tools: TOOLS, tool_choice: 'auto' }),
        signal,
      });
    } catch (err) {
      throw new LlmError(`no answer from the model: ${(err as Error).message}`, { cause: err });
    }
    if (!res.ok) throw new LlmError(`the model answered ${res.status}`);
    let json: unknown;
    try {
      json = await res.json();
    } catch (err) {
      throw new LlmError('the model answered something other than JSON', { cause: err });
    }
    const parsed = Completion.safeParse(json);
    if (!parsed.success) throw new LlmError('the model answered an unexpected shape');
    return parsed.data.choices[0]!.message;
  }

  return async function respond(text: string, turn: Turn, nowLocal: string): Promise<Answer> {
    // A pending yes/no or "which one?" is the engine's to answer: it holds the question's state.
    if (turn.state.pending) return engine.respond(text, turn);
    const signal = AbortSignal.timeout(config.timeoutMs);
    const answers: Answer[] = [];
    try {
      const messages: unknown[] = [
        { role: 'system', content: systemPrompt(nowLocal, turn.user.tz) },
        { role: 'user', content: text },
      ];
      const first = await complete(messages, signal);
      const calls = first.tool_calls ?? [];
      if (!calls.length) {
        if (!first.content) throw new LlmError('the model answered neither a tool call nor text');
        return { reply: first.content, tasks: [] };
      }
      const requests = calls
        .slice(0, MAX_TOOL_CALLS)
        .map((call) => ({ call, request: toRequest(call.function) }));
      messages.push({
        role: 'assistant',
        content: first.content ?? null,
        tool_calls: calls.slice(0, MAX_TOOL_CALLS),
      });
      for (const { call, request } of requests) {
        const answer = await engine.execute(request, turn);
        answers.push(answer);
        messages.push({
          role: 'tool',
          tool_call_id: call.id,
          content: JSON.stringify({
            reply: answer.reply,
            tasks: answer.tasks.map((t) => ({ id: t.id, title: t.title, status: t.status, due: t.due })),
          }),
        });
      }
      // A question the engine asked ("Add ..., repeating ...? (yes/no)") is shown as it is: the answer
      // to it goes to the engine, and a model's paraphrase could leave out the rule or the dates.
      if (turn.state.pending) return merge(answers);
      const final = await complete(messages, signal);
      return merge(answers, final.content || undefined);
    } catch (err) {
      if (!(err instanceof LlmError)) throw err;
      if (answers.length) {
        logger.warn(
          { err: err.message },
          'the model failed after its tools ran: answering with their replies',
        );
        return merge(answers);
      }
      logger.warn({ err: err.message }, 'the model failed: the deterministic engine answers');
      return engine.respond(text, turn);
    }
  };
}

export type LlmResponder = ReturnType<typeof createLlmResponder>;

function toRequest(fn: { name: string; arguments: string }): ParseResult {
  let args: unknown;
  try {
    args = fn.arguments ? JSON.parse(fn.arguments) : {};
  } catch {
    throw new LlmError(`the model's arguments to ${fn.name} are not JSON`);
  }
  if (!(TOOL_NAMES as readonly string[]).includes(fn.name))
    throw new LlmError(`the model called an unknown tool ${fn.name}`);
  const request = ParseResult.safeParse({ ...(args as object), intent: fn.name });
  if (!request.success) throw new LlmError(`the model's arguments to ${fn.name} are invalid`);
  return request.data;
}

function merge(answers: Answer[], reply?: string): Answer {
  const query = answers.findLast((a) => a.query !== undefined)?.query;
  return {
    reply: reply ?? answers.map((a) => a.reply).join('\n'),
    tasks: answers.flatMap((a) => a.tasks),
    ...(query !== undefined ? { query } : {}),
  };
}

function systemPrompt(nowLocal: string, tz: string): string {
  return [
    `You manage the user's todo list with the tools. Now is ${nowLocal} in ${tz}.`,
    'Dates are local: due {date: YYYY-MM-DD, time?: HH:mm}; reminders [{offset: "-PT15M"}] or [{at: "YYYY-MM-DDTHH:mm"}].',
    'Repeats: recurrence {rrule: "FREQ=...", mode: "schedule" | "after-completion"}, with due as the first occurrence.',
    'Name an existing task with ref: "it" (the last one), "them", "first".."tenth", "last" (position in the last list), or words of its title.',
    'list/search take query in the query language (e.g. "is:open due:2026-11-23..2026-11-29", "tag:home", "is:overdue").',
    'After the tools ran, answer in one or two short sentences saying what was done.',
  ].join('\n');
}

function withoutMeta(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}
