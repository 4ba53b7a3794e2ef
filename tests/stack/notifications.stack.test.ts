import { randomUUID } from 'node:crypto';
import type { ReminderDue } from '@todo/core';
import { openEventStream } from '@todo/server/testing';
import { describe, expect, it } from 'vitest';
import { committedOffset, daprHeaders, daprUrl, json, readTopic, signUp, stack, waitFor } from './helpers.ts';

const notificationsUrl = (path: string) => `http://127.0.0.1:${stack().apps['notifications']}${path}`;

/** A `reminder.due` for one task, as the workflow worker publishes it: a CloudEvent around the event. */
function reminderDue(owner: string, taskId: string, title: string) {
  const now = new Date().toISOString();
  const event: ReminderDue = {
    id: `reminder-${randomUUID()}`,
    type: 'reminder.due',
    time: now,
    subject: taskId,
    version: 1,
    data: { owner, taskId, reminderId: 'r1', title, fireAt: now },
  };
  return { specversion: '1.0', id: event.id, source: 'workflows', type: event.type, data: event };
}

describe('notifications in the stack', () => {
  it('a reminder published twice to Kafka reaches the inbox and an open stream once', async () => {
    const { token, userId } = await signUp();
    const stream = await openEventStream(notificationsUrl('/api/notifications/stream'), {
      authorization: `Bearer ${token}`,
    });
    expect(stream.res.status).toBe(200);

    const taskId = randomUUID();
    const cloudEvent = reminderDue(userId, taskId, 'Water the plants');
    // The same event twice, as Kafka redelivers after a consumer crash: published through a sidecar.
    for (let i = 0; i < 2; i++) {
      const res = await fetch(
        daprUrl('stack-probe', `/v1.0/publish/pubsub/reminders?metadata.partitionKey=${taskId}`),
        {
          method: 'POST',
          headers: daprHeaders('stack-probe', { 'content-type': 'application/cloudevents+json' }),
          body: JSON.stringify(cloudEvent),
        },
      );
      expect(res.status).toBe(204);
    }

    await stream.next((f) => f.event === 'reminder', 30_000);
    const inbox = await waitFor('the reminder in the inbox', async () => {
      const res = await fetch(notificationsUrl('/api/notifications'), {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = await json<{ notifications: { id: string; taskId: string }[] }>(res, 200);
      return body.notifications.length ? body.notifications : undefined;
    });
    // Wait until the notifications group has committed past the second copy: both were delivered.
    const topic = await readTopic('reminders');
    try {
      const copies = await waitFor('both copies on the topic', async () => {
        const mine = topic.records.filter((r) => (r.value as { id?: string })?.id === cloudEvent.id);
        return mine.length === 2 ? mine : undefined;
      });
      const last = copies[1]!;
      await waitFor('the notifications group past the second copy', async () =>
        (await committedOffset('notifications', 'reminders', last.partition)) > BigInt(last.offset)
          ? true
          : undefined,
      );
    } finally {
      await topic.stop();
    }
    stream.close();
    const again = await fetch(notificationsUrl('/api/notifications'), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect((await json<{ notifications: unknown[] }>(again, 200)).notifications).toHaveLength(1);
    expect(inbox[0]).toMatchObject({ taskId });
    expect(stream.events().filter((f) => f.event === 'reminder')).toHaveLength(1);
  });

  it('a reminder on the dead-letter topic is drained back into the inbox', async () => {
    const { token, userId } = await signUp();
    const taskId = randomUUID();
    // Where daprd puts a reminder notifications could not take in time; its publishing scope allows it.
    const res = await fetch(daprUrl('notifications', '/v1.0/publish/pubsub/reminders-dlq'), {
      method: 'POST',
      headers: daprHeaders('notifications', { 'content-type': 'application/cloudevents+json' }),
      body: JSON.stringify(reminderDue(userId, taskId, 'Feed the cat')),
    });
    expect(res.status).toBe(204);
    const inbox = await waitFor('the dead letter in the inbox', async () => {
      const list = await fetch(notificationsUrl('/api/notifications'), {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = await json<{ notifications: { taskId: string }[] }>(list, 200);
      return body.notifications.length ? body.notifications : undefined;
    });
    expect(inbox.map((n) => n.taskId)).toEqual([taskId]);
  });
});
