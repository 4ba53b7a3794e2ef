// Observability in the stack: every app's /metrics (METRICS_PORT) moves when a reminder fires, and one
// trace in Jaeger runs from POST /api/tasks through the relay, Kafka, the coordinator, the workflow's
// activity and the notification's SSE write.
import { randomBytes } from 'node:crypto';
import { openEventStream, seriesValue } from '@todo/server/testing';
import { describe, expect, it } from 'vitest';
import { json, signUp, stack, tasksUrl, waitFor } from './helpers.ts';

const appUrl = (app: string, path: string) => `http://127.0.0.1:${stack().apps[app]}${path}`;
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

async function scrape(app: string): Promise<string> {
  const port = stack().metrics?.[app];
  if (!port) throw new Error(`the stack lists no metrics port for ${app}: restart \`npm run stack\``);
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

async function scrapeAll(): Promise<Record<string, string>> {
  const apps = Object.keys(stack().apps);
  return Object.fromEntries(await Promise.all(apps.map(async (a) => [a, await scrape(a)] as const)));
}

/** A reminder a few seconds on, with an open stream to see it arrive; answers the task and the stream. */
async function remindSoon(headers: Record<string, string> = {}) {
  const { token } = await signUp();
  const stream = await openEventStream(appUrl('notifications', '/api/notifications/stream'), {
    authorization: `Bearer ${token}`,
  });
  const res = await fetch(tasksUrl('/api/tasks'), {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ title: 'Feed the cat', reminders: [{ id: 'r1', at: inSeconds(6) }] }),
  });
  const task = await json<{ id: string }>(res, 201);
  return { token, task, stream };
}

describe('observability in the stack', () => {
  it('every app serves /metrics, and a fired reminder moves the named series', async () => {
    const before = await scrapeAll();
    for (const [app, text] of Object.entries(before)) {
      expect(seriesValue(text, 'process_cpu_user_seconds_total'), app).toBeGreaterThan(0);
      expect(text, app).toContain('# TYPE http_request_duration_seconds histogram');
    }
    const { token, task, stream } = await remindSoon();
    expect(seriesValue(await scrape('notifications'), 'todo_sse_connections')).toBeGreaterThanOrEqual(1);
    // The reconciler's census (the cron binding runs it; daprd's call is made here directly) counts it.
    const reconcile = await fetch(`http://127.0.0.1:${stack().internalPorts['workflows']}/reconcile-cron`, {
      method: 'POST',
      headers: { 'dapr-api-token': stack().tokens['workflows']!.appApiToken },
    });
    expect(reconcile.status).toBe(200);
    await waitFor('the reminder workflow in the census', async () => {
      const n = seriesValue(await scrape('workflows'), 'todo_workflows_live', { kind: 'reminder' });
      return n >= 1 || undefined;
    });
    await stream.next(
      (f) => f.event === 'reminder' && (f.data as { taskId?: string }).taskId === task.id,
      30_000,
    );
    stream.close();
    const search = await fetch(appUrl('search', '/api/search?q=cat'), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(search.status).toBe(200);
    const chat = await fetch(appUrl('chat', '/api/chat'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ message: 'what is due today' }),
    });
    expect(chat.status).toBe(200);
    expect((await fetch(appUrl('web', '/signin'))).status).toBe(200);

    // Counters are cumulative; the inbox write and the delivery ack land just after the SSE frame.
    const moved = async (app: string, name: string, labels: Record<string, string> = {}) =>
      seriesValue(await scrape(app), name, labels) - seriesValue(before[app]!, name, labels);
    const http = 'http_request_duration_seconds_count';
    expect(await moved('tasks', http, { method: 'POST', route: '/api/tasks', status: '201' })).toBe(1);
    expect(
      await moved('tasks', 'todo_events_published_total', { topic: 'task-events' }),
    ).toBeGreaterThanOrEqual(1);
    expect(await scrape('tasks')).toContain('todo_outbox_lag_seconds');
    for (const app of ['workflows', 'search'])
      expect(
        await moved(app, 'todo_events_consumed_total', { topic: 'task-events', outcome: 'SUCCESS' }),
        app,
      ).toBeGreaterThanOrEqual(1);
    expect(
      await moved('workflows', 'todo_events_published_total', { topic: 'reminders' }),
    ).toBeGreaterThanOrEqual(1);
    await waitFor('the reminder counted as consumed and late', async () => {
      const consumed = await moved('notifications', 'todo_events_consumed_total', {
        topic: 'reminders',
        outcome: 'SUCCESS',
      });
      const inbox = await moved('notifications', 'todo_reminder_lateness_seconds_count', { stage: 'inbox' });
      return consumed >= 1 && inbox >= 1 ? true : undefined;
    });
    expect(
      await moved('notifications', 'todo_reminder_lateness_seconds_count', {
        kind: 'reminder',
        stage: 'sse',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(await moved('search', 'todo_search_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(await moved('chat', http, { route: '/api/chat', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(await moved('web', http, { route: 'page' })).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('one trace runs from POST /api/tasks through the relay, Kafka, the coordinator, the activity and the SSE write', async () => {
    const jaeger = stack().jaeger;
    if (!jaeger)
      throw new Error('no Jaeger in this stack: `npm run stack:install` builds it (STACK_TRACING=on)');
    // The test starts the trace itself, so it knows which one to look for.
    const traceId = randomBytes(16).toString('hex');
    const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
    const { task, stream } = await remindSoon({ traceparent });
    await stream.next(
      (f) => f.event === 'reminder' && (f.data as { taskId?: string }).taskId === task.id,
      30_000,
    );
    stream.close();

    type Span = { operationName: string; processID: string };
    type Trace = { spans: Span[]; processes: Record<string, { serviceName: string }> };
    const wanted: [service: string, operation: RegExp][] = [
      ['tasks', /^POST \/api\/tasks$/],
      ['tasks', /^publish task-events$/],
      ['tasks-daprd', /task-events/],
      ['workflows-daprd', /task-events/],
      ['workflows', /^POST \/events\/task-events$/],
      ['workflows', /^activity fireReminder$/],
      ['workflows', /^publish reminders$/],
      ['notifications', /^POST \/events\/reminders$/],
      ['notifications', /^notification sse write$/],
    ];
    const seen = (t: Trace) =>
      new Set(t.spans.map((s) => `${t.processes[s.processID]?.serviceName} ${s.operationName}`));
    const trace = await waitFor(
      'every hop in the one trace',
      async () => {
        const res = await fetch(`${jaeger.query}/api/traces/${traceId}`);
        if (res.status !== 200) throw new Error(`jaeger answered ${res.status}`);
        const t = (await res.json()) as { data: Trace[] };
        const spans = seen(t.data[0]!);
        const missing = wanted.filter(
          ([svc, op]) => ![...spans].some((s) => s.startsWith(`${svc} `) && op.test(s.slice(svc.length + 1))),
        );
        if (missing.length) throw new Error(`missing ${missing.map(([s, o]) => `${s} ${o}`).join(', ')}`);
        return t.data[0]!;
      },
      { timeoutMs: 30_000, everyMs: 500 },
    );
    expect(trace.spans.length).toBeGreaterThanOrEqual(wanted.length);
  }, 120_000);
});
