// A series is one long-lived workflow (docs/decisions/0015): it makes its occurrence, plans the next from
// the new instance's rule, and sleeps until then; the coordinator only tells it of edits. The times here
// are a day and more ahead, past the reconciler's 15-minute horizon, so the reconciler (which runs every
// 2 s in the tests' stack) can not be what puts the workflow there: for these plans it is switched off.
import type { Task } from '@todo/core';
import { describe, expect, it } from 'vitest';
import { createTask, daprHeaders, daprUrl, json, signUp, tasksUrl, waitFor } from './helpers.ts';

const auth = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
const DAY = 24 * 3600_000;
const minuteAfter = (ms: number) => Math.ceil(ms / 60_000) * 60_000;
const dueAt = (ms: number) => {
  const iso = new Date(ms).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
};

async function openTasks(token: string): Promise<Task[]> {
  const res = await fetch(tasksUrl(`/api/tasks?q=${encodeURIComponent('status:open')}&limit=100`), {
    headers: auth(token),
  });
  return (await json<{ tasks: Task[] }>(res, 200)).tasks;
}

/** What the series' workflow sleeps until, as its custom status says. */
async function sleepingUntil(seriesId: string): Promise<string | undefined> {
  const res = await fetch(
    daprUrl('workflows', `/v1.0/workflows/dapr/${encodeURIComponent(`s~${seriesId}`)}`),
    {
      headers: daprHeaders('workflows'),
    },
  );
  const wf = await json<{ runtimeStatus: string; properties: Record<string, string> }>(res, 200);
  if (wf.runtimeStatus !== 'RUNNING') return undefined;
  const status = JSON.parse(wf.properties['dapr.workflow.custom_status'] ?? '{}') as {
    state?: string;
    at?: string;
  };
  return status.state === 'sleeping' ? status.at : undefined;
}

describe('a series workflow', () => {
  it('sleeps on to the occurrence after the one it made, and moves on an edit, with no reconciler', async () => {
    const { token } = await signUp();
    // Daily; a reminder carried to every occurrence rings so long before its due that the second
    // occurrence is made a few seconds from now. The third is then a day away.
    const first = minuteAfter(Date.now() + DAY + 5 * 60_000);
    const second = first + DAY;
    const offsetS = Math.round((second - Date.now()) / 1000) - 6;
    const head = await createTask(token, {
      title: 'Daily stand-up notes',
      due: dueAt(first),
      recurrence: { rrule: 'FREQ=DAILY' },
      reminders: [{ id: 'early', offset: `-PT${offsetS}S` }],
    });
    const made = await waitFor('the second instance', async () => {
      const open = await openTasks(token);
      return open.find((t) => t.id !== head.id);
    });
    expect(made).toMatchObject({ seriesId: head.id, due: dueAt(second) });

    const third = new Date(second + DAY - offsetS * 1000).toISOString();
    expect(
      await waitFor('the workflow asleep until the third', async () => {
        const at = await sleepingUntil(head.id);
        return at === third ? at : undefined;
      }),
    ).toBe(third);

    // An edit of the instance that drives the series reaches the workflow: weekly from now on.
    const res = await fetch(tasksUrl(`/api/tasks/${made.id}`), {
      method: 'PATCH',
      headers: auth(token),
      body: JSON.stringify({ recurrence: { rrule: 'FREQ=WEEKLY' } }),
    });
    await json(res, 200);
    const weekLater = new Date(second + 7 * DAY - offsetS * 1000).toISOString();
    expect(
      await waitFor('the workflow asleep until a week on', async () => {
        const at = await sleepingUntil(head.id);
        return at === weekLater ? at : undefined;
      }),
    ).toBe(weekLater);
    expect(await openTasks(token)).toHaveLength(2);
  });
});
