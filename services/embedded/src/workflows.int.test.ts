import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowInfo } from '@todo/core';
import { apiCaller } from '@todo/server/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { inSeconds, startEmbedded, until } from './testing.ts';

// Workflow management in the embedded profile: the API's actions are task changes, which reach the
// timer table through the outbox and the coordinator, and the list shows what the timers then hold.
const dataDir = mkdtempSync(join(tmpdir(), 'embedded-workflows-'));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

describe('embedded profile: workflow management', async () => {
  const e = await startEmbedded(dataDir);
  child = e.child;
  const api = apiCaller(e.base);
  const { token } = (
    await api('POST', '/api/auth/signup', {
      body: { email: 'w@example.com', password: 'manage my workflows' },
    })
  ).body;
  const call = (method: string, path: string, body?: unknown) => api(method, path, { body, token });
  /** The list entry `id` once `ok` holds for it. */
  const listed = (id: string, ok: (w: WorkflowInfo) => boolean) =>
    until(`${id} in the list`, async () => {
      const { workflows } = (await call('GET', '/api/workflows')).body as { workflows: WorkflowInfo[] };
      const w = workflows.find((x) => x.id === id);
      return w && ok(w) ? w : undefined;
    });

  it('lists a reminder sleeping until its time; snoozed it sleeps longer; cancelled it is gone', async () => {
    const at = inSeconds(3600);
    const task = (await call('POST', '/api/tasks', { title: 'Call the bank', reminders: [{ at }] })).body;
    const id = `r~${task.id}~${task.reminders[0].id}`;
    const sleeping = await listed(id, (w) => w.status === 'sleeping');
    expect(sleeping).toMatchObject({ kind: 'reminder', taskId: task.id, nextAt: new Date(at).toISOString() });

    const snoozed = await call('POST', `/api/workflows/${id}/snooze`, { minutes: 120 });
    expect(snoozed.status).toBe(200);
    expect(Date.parse(snoozed.body.nextAt) - Date.parse(at)).toBeGreaterThan(50 * 60_000);
    await listed(id, (w) => w.status === 'sleeping' && w.nextAt === snoozed.body.nextAt);

    expect((await call('POST', `/api/workflows/${id}/cancel`)).status).toBe(200);
    await until('the reminder to leave the list', async () => {
      const { workflows } = (await call('GET', '/api/workflows')).body as { workflows: WorkflowInfo[] };
      return workflows.some((w) => w.id === id) ? undefined : true;
    });
  });

  it('skips, pauses and resumes a series', async () => {
    const task = (
      await call('POST', '/api/tasks', {
        title: 'Standup',
        due: { date: day(1), time: '09:00' },
        recurrence: { rrule: 'FREQ=DAILY' },
      })
    ).body;
    const id = `s~${task.id}`;
    const first = await listed(id, (w) => w.status === 'sleeping');
    expect(first.nextAt).toBe(`${day(2)}T09:00:00.000Z`);

    const skipped = await call('POST', `/api/workflows/${id}/skip`);
    expect(skipped.body.nextAt).toBe(`${day(3)}T09:00:00.000Z`);
    const paused = await call('POST', `/api/workflows/${id}/pause`);
    expect(paused.body).toMatchObject({ paused: true });
    await listed(id, (w) => w.status === 'none' && w.paused === true && w.nextAt === undefined);
    await call('POST', `/api/workflows/${id}/resume`);
    await listed(id, (w) => w.status === 'sleeping' && w.nextAt === `${day(3)}T09:00:00.000Z`);
  });

  it('rings a snoozed reminder once, at the snoozed time', async () => {
    const task = (await call('POST', '/api/tasks', { title: 'Stretch', reminders: [{ at: inSeconds(2) }] }))
      .body;
    const id = `r~${task.id}~${task.reminders[0].id}`;
    const until4 = inSeconds(4);
    const snoozed = await call('POST', `/api/workflows/${id}/snooze`, { until: until4 });
    expect(snoozed.body.nextAt).toBe(new Date(until4).toISOString());
    type Notification = { taskId: string; type: string; receivedAt: string; data: { fireAt?: string } };
    const mine = async () =>
      ((await call('GET', '/api/notifications')).body.notifications as Notification[]).filter(
        (n) => n.taskId === task.id,
      );
    const [rang] = await until('the snoozed reminder in the inbox', async () => {
      const found = await mine();
      return found.length ? found : undefined;
    });
    expect(rang).toMatchObject({ type: 'reminder.due', data: { fireAt: new Date(until4).toISOString() } });
    expect(Date.parse(rang!.receivedAt)).toBeGreaterThanOrEqual(Date.parse(until4));
    await new Promise((r) => setTimeout(r, 1500)); // room for a wrong second ring to show up
    expect(await mine()).toHaveLength(1);
  });
});
