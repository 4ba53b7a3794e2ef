import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createSqliteStore } from '../store/sqlite.ts';
import { testApi } from '../testing.ts';
import { createHistoryConsumer } from './consumer.ts';

const api = await testApi({ appApiToken: 'app-token' });
const token = await api.signup();

async function pendingEvents(taskId: string) {
  return (await api.store.pendingEvents(1000)).find((b) => b.taskId === taskId)?.events ?? [];
}

function deliver(body: unknown, headers: Record<string, string> = { 'dapr-api-token': 'app-token' }) {
  return api.call('POST', '/events/task-events', {
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/cloudevents+json', ...headers },
  });
}

describe('task history', () => {
  it("keeps a task's history from its events, also after the task is deleted", async () => {
    const t = (await api.call('POST', '/api/tasks', { token, body: { title: 'Renew passport' } })).body;
    await api.call('PATCH', `/api/tasks/${t.id}`, { token, body: { priority: 'high' } });
    await api.call('POST', `/api/tasks/${t.id}/complete`, { token });
    await api.call('DELETE', `/api/tasks/${t.id}`, { token });
    await api.relay.drain();
    const r = await api.call('GET', `/api/tasks/${t.id}/activity`, { token });
    expect(r.body.activity.map((a: { type: string; version: number }) => [a.type, a.version])).toEqual([
      ['task.created', 1],
      ['task.updated', 2],
      ['task.completed', 3],
      ['task.deleted', 4],
    ]);
    expect(r.body.activity[1].changed).toEqual(['priority']);
    const other = await api.signup();
    expect((await api.call('GET', `/api/tasks/${t.id}/activity`, { token: other })).body.activity).toEqual(
      [],
    );
  });

  it('lists its subscription for daprd, with a dead-letter topic it drains', async () => {
    const r = await api.call('GET', '/dapr/subscribe');
    expect(r.body).toEqual([
      {
        pubsubname: 'pubsub',
        topic: 'task-events',
        route: '/events/task-events',
        deadLetterTopic: 'task-events-dlq',
      },
      {
        pubsubname: 'pubsub',
        topic: 'task-events-dlq',
        route: '/events/task-events/dead-letters',
        deadLetterTopic: 'task-events-dlq',
      },
    ]);
  });

  it('answers SUCCESS to a CloudEvent delivery, and records a redelivery once', async () => {
    const t = (await api.call('POST', '/api/tasks', { token, body: { title: 'Delivered twice' } })).body;
    const [event] = await pendingEvents(t.id);
    const cloudEvent = { specversion: '1.0', id: event!.id, type: event!.type, source: 'tasks', data: event };
    expect((await deliver(cloudEvent)).body).toEqual({ status: 'SUCCESS' });
    expect((await deliver(cloudEvent)).body).toEqual({ status: 'SUCCESS' });
    const r = await api.call('GET', `/api/tasks/${t.id}/activity`, { token });
    expect(r.body.activity.map((a: { eventId: string }) => a.eventId)).toEqual([event!.id]);
  });

  it('answers DROP to a message that is not a task event, and 401 to a caller without the app token', async () => {
    expect((await deliver({ specversion: '1.0', id: 'x', data: { hello: 'world' } })).body).toEqual({
      status: 'DROP',
    });
    const forged = await deliver({ specversion: '1.0', id: 'y', data: {} }, { 'dapr-api-token': 'guess' });
    expect(forged.status).toBe(401);
  });

  it('asks for redelivery (RETRY) while its store is unavailable', async () => {
    const store = createSqliteStore(':memory:');
    const consume = createHistoryConsumer({ store, logger: pino({ level: 'silent' }) });
    const t = (await api.call('POST', '/api/tasks', { token, body: { title: 'Store down' } })).body;
    const [event] = await pendingEvents(t.id);
    await store.close();
    expect(await consume(event)).toBe('RETRY');
    const fresh = createSqliteStore(':memory:');
    expect(await createHistoryConsumer({ store: fresh, logger: pino({ level: 'silent' }) })(event)).toBe(
      'SUCCESS',
    );
    expect(await fresh.listActivity(event!.data.owner, event!.subject)).toHaveLength(1);
  });
});
