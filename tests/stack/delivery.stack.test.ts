// Lose nothing (docs/decisions/0032): an app that is down for two minutes while its events arrive gets
// every one of them once it is back, once each. The app is really gone (killed, its port held so that the
// supervisor can not restart it: outage.ts); its daprd stays up, as a pod's sidecar would. Two consumers:
// notifications on `reminders`, and the workflows coordinator on `task-events`. (The search indexer
// rebuilds its in-process index from Kafka when it starts, so taking it down shows nothing here.)
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReminderDue } from '@todo/core';
import { openEventStream } from '@todo/server/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  activity,
  createTask,
  daprHeaders,
  daprUrl,
  json,
  readTopic,
  signUp,
  stack,
  waitFor,
} from './helpers.ts';
import { takeDown } from './outage.ts';

const REMINDERS = 200;
const OUTAGE_MS = 120_000;

const notificationsUrl = (path: string) => `http://127.0.0.1:${stack().apps['notifications']}${path}`;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

type Notification = { id: string; kind: string; taskId: string };

/** The whole inbox, page after page. */
async function inbox(token: string): Promise<Notification[]> {
  const all: Notification[] = [];
  let cursor: string | undefined;
  do {
    const query = `limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await fetch(notificationsUrl(`/api/notifications?${query}`), { headers: auth(token) });
    const page = await json<{ notifications: Notification[]; next?: string }>(res, 200);
    all.push(...page.notifications);
    cursor = page.next;
  } while (cursor);
  return all;
}

/** Runs `fn` over `items`, `n` at a time. */
async function inBatches<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += n) out.push(...(await Promise.all(items.slice(i, i + n).map(fn))));
  return out;
}

describe('delivery through an outage', () => {
  it(
    `${REMINDERS} reminders that fire while notifications is down reach the inbox and the stream once each`,
    async () => {
      const { token, userId } = await signUp();
      const reminders = await readTopic('reminders');
      try {
        const downAt = Date.now();
        // daprd delivers to the internal listener: that is the port to hold.
        const outage = await takeDown(stack().internalPorts['notifications']!, notificationsUrl('/readyz'));
        onTestFinished(() => outage.restore()); // never leave the stack without notifications
        // Every reminder fires between 30 and 90 s into the outage.
        const tasks = await inBatches(
          Array.from({ length: REMINDERS }, (_, i) => i),
          10,
          (i) =>
            createTask(token, {
              title: `Outage reminder ${i}`,
              reminders: [
                { id: 'r1', at: new Date(downAt + 30_000 + (i * 60_000) / REMINDERS).toISOString() },
              ],
            }),
        );
        const taskIds = new Set(tasks.map((t) => t.id));

        // They all fire into Kafka while notifications is away: the workflows do not wait for it.
        const published = await waitFor(
          `${REMINDERS} reminder.due events on the reminders topic`,
          async () => {
            // Each record is a CloudEvent whose data is the event.
            const mine = reminders.records
              .map((r) => (r.value as { data: ReminderDue }).data)
              .filter((e) => e.type === 'reminder.due' && e.data.owner === userId);
            if (mine.length < REMINDERS) throw new Error(`${mine.length} so far`);
            return mine;
          },
          { timeoutMs: OUTAGE_MS - 5_000, everyMs: 1000 },
        );
        const eventIds = new Set(published.map((e) => e.id));
        expect(eventIds.size).toBe(REMINDERS);
        expect(new Set(published.map((e) => e.data.taskId))).toEqual(taskIds);
        expect(Date.now() - downAt).toBeLessThan(OUTAGE_MS);

        await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));
        await outage.restore();

        // The stream from the start (Last-Event-ID 0): what is stored replays, what arrives later is live.
        const stream = await openEventStream(notificationsUrl('/api/notifications/stream'), {
          ...auth(token),
          'last-event-id': '0',
        });
        expect(stream.res.status).toBe(200);
        try {
          const got = await waitFor(
            `all ${REMINDERS} reminders in the inbox`,
            async () => {
              const all = await inbox(token);
              if (all.length < REMINDERS) throw new Error(`${all.length} so far`);
              return all;
            },
            { timeoutMs: 240_000, everyMs: 1000 },
          );
          await waitFor(
            `all ${REMINDERS} reminders on the stream`,
            async () => {
              const n = stream.events().length;
              if (n < REMINDERS) throw new Error(`${n} so far`);
              return true;
            },
            { timeoutMs: 30_000 },
          );
          await sleep(5000); // a duplicate would show up by now
          const settled = await inbox(token);
          expect(settled).toHaveLength(REMINDERS);
          expect(new Set(settled.map((n) => n.id))).toEqual(eventIds);
          expect(got.every((n) => n.kind === 'reminder')).toBe(true);
          const onStream = stream.events().filter((f) => f.event === 'reminder');
          expect(onStream).toHaveLength(REMINDERS);
          expect(new Set(onStream.map((f) => (f.data as { id: string }).id))).toEqual(eventIds);
        } finally {
          stream.close();
        }
      } finally {
        await reminders.stop();
      }
    },
    10 * 60_000,
  );

  it(
    `the coordinator, down while ${REMINDERS} tasks are made, starts each one's reminder workflow once it is back`,
    async () => {
      const { token } = await signUp();
      // An hour ahead: past the reconciler's 15-minute horizon, so only the coordinator can start them.
      const at = new Date(Date.now() + 3600_000).toISOString();
      const workflowsUrl = (path: string) => `http://127.0.0.1:${stack().apps['workflows']}${path}`;
      const downAt = Date.now();
      const outage = await takeDown(stack().internalPorts['workflows']!, workflowsUrl('/readyz'));
      onTestFinished(() => outage.restore());
      const tasks = await inBatches(
        Array.from({ length: REMINDERS }, (_, i) => i),
        10,
        (i) =>
          createTask(token, {
            title: `Made while the coordinator was away ${i}`,
            reminders: [{ id: 'r1', at }],
          }),
      );
      await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));
      await outage.restore();

      const sleeping = async (taskId: string) => {
        const res = await fetch(
          daprUrl('workflows', `/v1.0/workflows/dapr/${encodeURIComponent(`r~${taskId}~r1`)}`),
          { headers: daprHeaders('workflows') },
        );
        if (res.status !== 200) return false;
        const wf = (await res.json()) as { runtimeStatus: string; properties: Record<string, string> };
        const status = wf.properties['dapr.workflow.custom_status'];
        return wf.runtimeStatus === 'RUNNING' && status !== undefined && JSON.parse(status).at === at;
      };
      await waitFor(
        `all ${REMINDERS} reminder workflows asleep until their time`,
        async () => {
          const asleep = (await inBatches(tasks, 20, (t) => sleeping(t.id))).filter(Boolean).length;
          if (asleep < REMINDERS) throw new Error(`${asleep} so far`);
          return true;
        },
        { timeoutMs: 240_000, everyMs: 2000 },
      );
      // Each task's history (the task history, another task-events consumer) has its creation once.
      for (const t of tasks.slice(0, 20)) {
        const entries = await activity(token, t.id);
        expect(
          entries.filter((e) => e.type === 'task.created'),
          t.id,
        ).toHaveLength(1);
      }
    },
    10 * 60_000,
  );
});
