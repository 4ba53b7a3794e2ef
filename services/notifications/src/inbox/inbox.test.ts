import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { systemClock } from '@todo/core';
import { describe, expect, it } from 'vitest';
import { createSqliteNotificationStore } from '../store/sqlite.ts';
import { createStreamHub } from '../stream/hub.ts';
import { APP_TOKEN, reminderEvent, testApi } from '../testing.ts';
import { createWebhookDispatcher } from '../webhooks/dispatcher.ts';
import { createNotificationConsumer } from './consumer.ts';

const api = await testApi();

describe('inbox', () => {
  it('records a reminder once when it is delivered twice', async () => {
    const alice = await api.user();
    const event = reminderEvent(alice.id, 'Pay rent');
    expect((await api.deliver(event)).body).toEqual({ status: 'SUCCESS' });
    expect((await api.deliver(event)).body).toEqual({ status: 'SUCCESS' });
    const r = await api.call('GET', '/api/notifications', { token: alice.token });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      notifications: [
        {
          id: event.id,
          kind: 'reminder',
          type: 'reminder.due',
          taskId: event.data.taskId,
          title: 'Pay rent',
          time: event.time,
          receivedAt: expect.any(String),
          read: false,
          data: {
            taskId: event.data.taskId,
            reminderId: 'r1',
            title: 'Pay rent',
            fireAt: '2026-11-24T09:00:00.000Z',
            due: { date: '2026-11-24', time: '10:00' },
          },
        },
      ],
      unread: 1,
    });
  });

  it('takes task.due events from the same topic', async () => {
    const alice = await api.user();
    const event = {
      id: 'due-1-' + alice.id,
      type: 'task.due',
      time: '2026-12-01T08:00:00.000Z',
      subject: 'task-1',
      version: 4,
      data: {
        owner: alice.id,
        taskId: 'task-1',
        title: 'Rent',
        due: { date: '2026-12-01', time: '09:00' },
        occurrence: '2026-12-01',
      },
    };
    expect((await api.deliver(event)).body).toEqual({ status: 'SUCCESS' });
    const [n] = (await api.call('GET', '/api/notifications', { token: alice.token })).body.notifications;
    expect(n).toMatchObject({
      id: event.id,
      kind: 'due',
      type: 'task.due',
      data: { occurrence: '2026-12-01' },
    });
  });

  it("never shows one owner's notifications to another", async () => {
    const alice = await api.user();
    const bob = await api.user();
    const event = reminderEvent(alice.id);
    await api.deliver(event);
    expect((await api.call('GET', '/api/notifications', { token: bob.token })).body).toEqual({
      notifications: [],
      unread: 0,
    });
    const r = await api.call('POST', `/api/notifications/${event.id}/read`, { token: bob.token });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('NOTIFICATION_NOT_FOUND');
    expect((await api.call('POST', '/api/notifications/read-all', { token: bob.token })).body).toEqual({
      marked: 0,
    });
    expect((await api.call('GET', '/api/notifications', { token: alice.token })).body.unread).toBe(1);
  });

  it('pages newest first, filters unread, and marks read', async () => {
    const carol = await api.user();
    const events = [0, 1, 2, 3, 4].map((i) => reminderEvent(carol.id, `n${i}`));
    for (const e of events) await api.deliver(e);
    const titles: string[] = [];
    let cursor = '';
    for (let page = 0; page < 5; page++) {
      const r = await api.call('GET', `/api/notifications?limit=2${cursor}`, { token: carol.token });
      titles.push(...r.body.notifications.map((n: { title: string }) => n.title));
      if (!r.body.next) break;
      cursor = `&cursor=${r.body.next}`;
    }
    expect(titles).toEqual(['n4', 'n3', 'n2', 'n1', 'n0']);

    const read = await api.call('POST', `/api/notifications/${events[3]!.id}/read`, { token: carol.token });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: events[3]!.id, read: true, readAt: expect.any(String) });
    const unread = await api.call('GET', '/api/notifications?unread=true', { token: carol.token });
    expect(unread.body.notifications.map((n: { title: string }) => n.title)).toEqual([
      'n4',
      'n2',
      'n1',
      'n0',
    ]);
    expect(unread.body.unread).toBe(4);
    expect((await api.call('POST', '/api/notifications/read-all', { token: carol.token })).body).toEqual({
      marked: 4,
    });
    const after = await api.call('GET', '/api/notifications?unread=true', { token: carol.token });
    expect(after.body).toEqual({ notifications: [], unread: 0 });
  });

  it('answers bad input with a 4xx that says what and where', async () => {
    const dave = await api.user();
    const bad = async (path: string) => (await api.call('GET', path, { token: dave.token })).body.error;
    expect(await bad('/api/notifications?cursor=nonsense')).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'cursor' }],
    });
    expect((await bad('/api/notifications?limit=0')).details[0].path).toBe('limit');
    expect((await bad('/api/notifications?unread=yes')).details[0].path).toBe('unread');
    expect((await bad('/api/notifications?owner=someone')).details).toEqual([
      { path: 'owner', issue: 'unknown field' },
    ]);
    const anonymous = await api.call('GET', '/api/notifications');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('UNAUTHORIZED');
  });
});

describe('reminders subscription', () => {
  it('lists its subscription for daprd, in bulk, with a dead-letter topic it drains', async () => {
    const bulkSubscribe = { enabled: true, maxMessagesCount: 50, maxAwaitDurationMs: 50 };
    expect((await api.call('GET', '/dapr/subscribe')).body).toEqual([
      {
        pubsubname: 'pubsub',
        topic: 'reminders',
        route: '/events/reminders',
        deadLetterTopic: 'reminders-dlq',
        bulkSubscribe,
      },
      {
        pubsubname: 'pubsub',
        topic: 'reminders-dlq',
        route: '/events/reminders/dead-letters',
        deadLetterTopic: 'reminders-dlq',
        bulkSubscribe,
      },
    ]);
  });

  it('records a bulk delivery in order, each event once, and answers each entry', async () => {
    const [alice, bob] = [await api.user(), await api.user()];
    const before = reminderEvent(alice.id, 'already there');
    await api.deliver(before);
    const events = [
      before,
      reminderEvent(alice.id, 'first'),
      reminderEvent(bob.id, 'for bob'),
      { hello: 'world' },
      reminderEvent(alice.id, 'second'),
    ];
    const entries = [...events, events[1]].map((data, i) => ({
      entryId: `e${i}`,
      event: { specversion: '1.0', id: randomUUID(), source: 'workflows', type: 'x', data },
      contentType: 'application/cloudevents+json',
    }));
    const res = await api.call('POST', '/events/reminders', {
      body: { id: randomUUID(), topic: 'reminders', pubsubname: 'pubsub', entries },
      headers: { 'dapr-api-token': APP_TOKEN },
    });
    expect(res.body).toEqual({
      statuses: ['SUCCESS', 'SUCCESS', 'SUCCESS', 'DROP', 'SUCCESS', 'SUCCESS'].map((status, i) => ({
        entryId: `e${i}`,
        status,
      })),
    });
    const titles = async (token: string) =>
      (await api.call('GET', '/api/notifications', { token })).body.notifications.map(
        (n: { title: string }) => n.title,
      );
    expect(await titles(alice.token)).toEqual(['second', 'first', 'already there']);
    expect(await titles(bob.token)).toEqual(['for bob']);
  });

  it('answers DROP to what is not a reminder or due event, and 401 without the app token', async () => {
    const alice = await api.user();
    expect((await api.deliver({ hello: 'world' })).body).toEqual({ status: 'DROP' });
    const noOwner = { ...reminderEvent(alice.id), data: { title: 'x' } };
    expect((await api.deliver(noOwner)).body).toEqual({ status: 'DROP' });
    const forged = await api.deliver(reminderEvent(alice.id), 'guess');
    expect(forged.status).toBe(401);
    expect((await api.call('GET', '/api/notifications', { token: alice.token })).body.notifications).toEqual(
      [],
    );
  });

  it('takes a dead letter back once, and acknowledges one it refuses instead of sending it round again', async () => {
    const alice = await api.user();
    const event = reminderEvent(alice.id);
    const drain = (data: unknown, appToken = APP_TOKEN) =>
      api.call('POST', '/events/reminders/dead-letters', {
        body: JSON.stringify({ specversion: '1.0', id: randomUUID(), source: 'workflows', type: 'x', data }),
        headers: { 'content-type': 'application/cloudevents+json', 'dapr-api-token': appToken },
      });
    expect((await drain(event)).body).toEqual({ status: 'SUCCESS' });
    expect((await api.deliver(event)).body).toEqual({ status: 'SUCCESS' });
    expect((await drain(event)).body).toEqual({ status: 'SUCCESS' });
    const inbox = (await api.call('GET', '/api/notifications', { token: alice.token })).body.notifications;
    expect(inbox.map((n: { id: string }) => n.id)).toEqual([event.id]);
    expect((await drain({ hello: 'world' })).body).toEqual({ status: 'SUCCESS' });
    expect((await drain(event, 'guess')).status).toBe(401);
  });

  it('asks for redelivery (RETRY) while its store is unavailable', async () => {
    const logger = pino({ level: 'silent' });
    const store = createSqliteNotificationStore(':memory:');
    const hub = createStreamHub({ store, logger });
    const dispatcher = createWebhookDispatcher({ store, clock: systemClock, logger });
    const consume = createNotificationConsumer({ store, hub, dispatcher, clock: systemClock, logger });
    const event = reminderEvent('erin');
    await store.close();
    expect(await consume(event)).toBe('RETRY');
    const fresh = createSqliteNotificationStore(':memory:');
    const again = createNotificationConsumer({ store: fresh, hub, dispatcher, clock: systemClock, logger });
    expect(await again(event)).toBe('SUCCESS');
    expect(await fresh.countUnread('erin')).toBe(1);
    await fresh.close();
  });
});
