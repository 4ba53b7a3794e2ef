import {
  AppError,
  UnauthorizedError,
  type ErrorDetail,
  type SearchAnswer,
  type SnoozeRequest,
  type Task,
  type TaskCreate,
  type TaskPatch,
  type WorkflowInfo,
} from '@todo/core';

/** What the chat does to a reminder or series: the management API's actions, one meaning each. */
export type WorkflowAction = 'pause' | 'resume' | 'cancel' | 'skip';

/** One call the chat made on the tasks API, shown to the client as `actions`. */
export interface ToolCall {
  tool: string;
  method: string;
  path: string;
  status: number;
}

/** A 4xx from the tasks API: the engine turns it into a friendly reply. */
export class TasksApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  constructor(status: number, code: string, message: string, details: ErrorDetail[]) {
    super(message);
    this.name = 'TasksApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The tasks API did not answer, or answered 5xx: the chat can not act, and says so with a 502. */
export class TasksUnavailableError extends AppError {
  // Written for the user (and its details name only the call), so shown although it is a 5xx.
  override readonly expose = true;
  constructor(reason: string, options?: ErrorOptions) {
    super('TASKS_UNAVAILABLE', 502, 'the task service is not answering: try again in a moment', [
      { path: '(tasks)', issue: reason },
    ]);
    if (options?.cause) this.cause = options.cause;
  }
}

export interface TaskList {
  tasks: Task[];
  query: string;
  next?: string;
}

export interface TasksClientOptions {
  /** Where `/api/tasks` lives: Dapr's invoke URL in the stack, the process's own origin when embedded. */
  baseUrl: string;
  /** Where `/api/search` lives (the search app's invoke URL in the stack); default `baseUrl`. */
  searchUrl?: string;
  /** Sent with every call (dapr-api-token in the stack). */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * The tasks API as the signed-in owner: the caller's own Authorization header is forwarded, so the tasks
 * service scopes every read and write to that owner (the chat never sees another owner's tasks).
 */
export function createTasksClient({
  baseUrl,
  searchUrl,
  headers = {},
  timeoutMs = 10_000,
}: TasksClientOptions) {
  const base = baseUrl.replace(/\/+$/, '');
  const searchBase = (searchUrl ?? baseUrl).replace(/\/+$/, '');
  /**
   * `turnKey` names the chat turn: each change it makes carries `Idempotency-Key: {turnKey}-{n}` (n counts
   * the turn's changes), so a retried turn, which makes the same calls in the same order, repeats none.
   */
  return function asOwner(authorization: string, calls: ToolCall[] = [], turnKey?: string) {
    let changes = 0;
    async function call<T>(
      tool: string,
      method: string,
      path: string,
      body?: unknown,
      root = base,
    ): Promise<T> {
      let res: Response;
      try {
        res = await fetch(root + path, {
          method,
          headers: {
            ...headers,
            authorization,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(turnKey && method !== 'GET' ? { 'idempotency-key': `${turnKey}-${changes++}` } : {}),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new TasksUnavailableError(`the tasks API did not answer ${method} ${path}`, { cause: err });
      }
      calls.push({ tool, method, path: path.split('?')[0] ?? path, status: res.status });
      const text = await res.text();
      const json = text ? safeJson(text) : undefined;
      if (res.ok) return json as T;
      const error = (json as { error?: { code?: string; message?: string; details?: ErrorDetail[] } })?.error;
      // The owner's session ended (signed out, revoked, expired): the chat call is refused as a whole, so
      // the client signs in again instead of reading a reply.
      if (res.status === 401) throw new UnauthorizedError(error?.message ?? 'sign in again');
      if (res.status >= 400 && res.status < 500 && error)
        throw new TasksApiError(
          res.status,
          error.code ?? 'BAD_REQUEST',
          error.message ?? 'refused',
          error.details ?? [],
        );
      throw new TasksUnavailableError(`the tasks API answered ${res.status} to ${method} ${path}`);
    }
    const task = (id: string) => `/api/tasks/${encodeURIComponent(id)}`;
    const workflow = (id: string) => `/api/workflows/${encodeURIComponent(id)}`;
    return {
      calls,
      create: (input: Partial<TaskCreate> & { title: string }) =>
        call<Task>('add', 'POST', '/api/tasks', input),
      list: (q: string, sort?: string, limit = 20) =>
        call<TaskList>(
          'list',
          'GET',
          `/api/tasks?${new URLSearchParams({ q, limit: String(limit), ...(sort ? { sort } : {}) })}`,
        ),
      search: (q: string, filter: string, sort?: string, limit = 20) =>
        call<SearchAnswer>(
          'search',
          'GET',
          `/api/search?${new URLSearchParams({ q, filter, limit: String(limit), ...(sort ? { sort } : {}) })}`,
          undefined,
          searchBase,
        ),
      get: (id: string) => call<Task>('get', 'GET', task(id)),
      update: (id: string, patch: TaskPatch, tool = 'update') => call<Task>(tool, 'PATCH', task(id), patch),
      remove: (id: string) => call<void>('delete', 'DELETE', task(id)),
      complete: (id: string) => call<Task>('complete', 'POST', `${task(id)}/complete`),
      reopen: (id: string) => call<Task>('reopen', 'POST', `${task(id)}/reopen`),
      skip: (id: string) => call<Task>('skip', 'POST', `${task(id)}/skip`),
      workflowInfo: (id: string) => call<WorkflowInfo>('workflow', 'GET', workflow(id)),
      /** A reminder or series action through /api/workflows (the same semantics as the web app's). */
      workflow: (id: string, action: WorkflowAction) =>
        call<WorkflowInfo>(action, 'POST', `${workflow(id)}/${action}`),
      snooze: (id: string, body: SnoozeRequest) =>
        call<WorkflowInfo>('snooze', 'POST', `${workflow(id)}/snooze`, body),
    };
  };
}

export type TasksClient = ReturnType<ReturnType<typeof createTasksClient>>;
export type TasksClientFactory = ReturnType<typeof createTasksClient>;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
