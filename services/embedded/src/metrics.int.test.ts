import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { apiCaller, openEventStream, seriesValue } from '@todo/server/testing';
import { inSeconds, startEmbedded, until } from './testing.ts';

// The embedded profile serves /metrics on its one origin; a reminder that fires moves the named series.
const dataDir = mkdtempSync(join(tmpdir(), 'embedded-metrics-'));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

it('serves /metrics on the one origin, and a fired reminder moves the named series', async () => {
  const e = await startEmbedded(dataDir);
  child = e.child;
  const call = apiCaller(e.base);
  const scrape = async () => {
    const res = await fetch(`${e.base}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };
  const { token } = (
    await call('POST', '/api/auth/signup', { body: { email: 'm@example.com', password: 'metrics please' } })
  ).body;
  const stream = await openEventStream(`${e.base}/api/notifications/stream`, {
    authorization: `Bearer ${token}`,
  });
  const before = await scrape();
  expect(seriesValue(before, 'todo_sse_connections')).toBe(1);
  expect(seriesValue(before, 'process_resident_memory_bytes')).toBeGreaterThan(0);

  const task = await call('POST', '/api/tasks', {
    token,
    body: { title: 'Water the plants', reminders: [{ at: inSeconds(3) }] },
  });
  expect(task.status).toBe(201);
  // The coordinator set a timer: a sleeping reminder workflow.
  await until(
    'a sleeping reminder in the census',
    async () =>
      seriesValue(await scrape(), 'todo_workflows_live', { kind: 'reminder', state: 'sleeping' }) === 1 ||
      undefined,
  );
  await stream.next((f) => f.event === 'reminder', 15_000);
  expect((await call('GET', '/api/search?q=plants', { token })).status).toBe(200);
  stream.close();

  const after = await scrape();
  const moved = (name: string, labels: Record<string, string> = {}) =>
    seriesValue(after, name, labels) - seriesValue(before, name, labels);
  expect(
    moved('http_request_duration_seconds_count', { method: 'POST', route: '/api/tasks', status: '201' }),
  ).toBe(1);
  expect(moved('todo_events_published_total', { topic: 'task-events' })).toBeGreaterThanOrEqual(1);
  expect(moved('todo_events_published_total', { topic: 'reminders' })).toBe(1);
  expect(moved('todo_events_consumed_total', { topic: 'reminders', outcome: 'SUCCESS' })).toBe(1);
  expect(
    moved('todo_events_consumed_total', { topic: 'task-events', outcome: 'SUCCESS' }),
  ).toBeGreaterThanOrEqual(1);
  expect(moved('todo_reminder_lateness_seconds_count', { kind: 'reminder', stage: 'inbox' })).toBe(1);
  expect(moved('todo_reminder_lateness_seconds_count', { kind: 'reminder', stage: 'sse' })).toBe(1);
  expect(moved('todo_search_duration_seconds_count')).toBe(1);
  expect(seriesValue(after, 'todo_workflows_live', { kind: 'reminder' })).toBe(0);
  expect(after).toContain('todo_outbox_lag_seconds 0');
});
