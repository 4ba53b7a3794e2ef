import { randomUUID } from 'node:crypto';
import type { Task, TaskEvent } from '@todo/core';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createSqliteStore } from '../store/sqlite.ts';
import { createRelay, type EventPublisher } from './relay.ts';

const logger = pino({ level: 'silent' });

function change(id: string, version: number, type: TaskEvent['type'] = 'task.updated') {
  const task: Task = {
    id,
    title: `v${version}`,
    status: 'open',
    priority: 'none',
    tags: [],
    reminders: [],
    createdAt: '2026-11-24T10:00:00.000Z',
    updatedAt: '2026-11-24T10:00:00.000Z',
    version,
  };
  const event: TaskEvent = {
    id: randomUUID(),
    type,
    time: task.updatedAt,
    subject: id,
    version,
    data: { owner: 'o', task },
  };
  return { task, event };
}

describe('outbox relay', () => {
  it('publishes every change once, in version order per task, and empties the outbox', async () => {
    const store = createSqliteStore(':memory:');
    const published: TaskEvent[] = [];
    const relay = createRelay({
      store,
      logger,
      publisher: { publish: async (es) => void published.push(...es) },
    });
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) {
      const c1 = change(id, 1, 'task.created');
      await store.insertTask('o', 'UTC', c1.task, c1.event);
      const c2 = change(id, 2);
      await store.replaceTask('o', 'UTC', c2.task, 1, c2.event);
    }
    expect(await relay.drain()).toBe(4);
    expect(await relay.drain()).toBe(0);
    for (const id of ids) {
      expect(published.filter((e) => e.subject === id).map((e) => e.version)).toEqual([1, 2]);
    }
    expect(await store.pendingEvents(100)).toEqual([]);
  });

  it('keeps events whose publish failed and sends them on the next round', async () => {
    const store = createSqliteStore(':memory:');
    const published: string[] = [];
    let down = true;
    const publisher: EventPublisher = {
      publish: async (es) => {
        if (down) throw new Error('broker unavailable');
        published.push(...es.map((e) => e.id));
      },
    };
    const relay = createRelay({ store, logger, publisher });
    const c = change(randomUUID(), 1, 'task.created');
    await store.insertTask('o', 'UTC', c.task, c.event);
    await expect(relay.drain()).rejects.toThrow('broker unavailable');
    expect((await store.pendingEvents(10)).map((b) => b.events.map((e) => e.id))).toEqual([[c.event.id]]);
    down = false;
    await relay.drain();
    expect(published).toEqual([c.event.id]);
  });

  it('wakes on demand and retries with backoff until the broker is back', async () => {
    const store = createSqliteStore(':memory:');
    let attempts = 0;
    const delivered = Promise.withResolvers<string>();
    const publisher: EventPublisher = {
      publish: async (es) => {
        if (++attempts < 3) throw new Error('not yet');
        delivered.resolve(es[0]!.id);
      },
    };
    const relay = createRelay({ store, logger, publisher, pollMs: 60_000 });
    const c = change(randomUUID(), 1, 'task.created');
    await store.insertTask('o', 'UTC', c.task, c.event);
    relay.wake();
    expect(await delivered.promise).toBe(c.event.id);
    expect(attempts).toBe(3);
    await relay.stop();
  });

  it('publishes from one replica at a time: the lease holder, until its lease lapses', async () => {
    const store = createSqliteStore(':memory:');
    let clock = new Date('2026-11-24T10:00:00Z');
    const now = () => clock;
    const published: Record<string, string[]> = { a: [], b: [] };
    const relay = (holder: 'a' | 'b') =>
      createRelay({
        store,
        logger,
        holder,
        leaseMs: 10_000,
        now,
        publisher: { publish: async (es) => void published[holder]!.push(...es.map((e) => e.id)) },
      });
    const [a, b] = [relay('a'), relay('b')];
    const write = async () => {
      const c = change(randomUUID(), 1, 'task.created');
      await store.insertTask('o', 'UTC', c.task, c.event);
      return c.event.id;
    };
    const first = await write();
    expect(await a.drain()).toBe(1);
    const second = await write();
    expect(await b.drain()).toBe(0);
    expect(await a.drain()).toBe(1);
    // a stops renewing (it died): once its lease has run out, b takes over.
    const third = await write();
    clock = new Date(clock.getTime() + 9_000);
    expect(await b.drain()).toBe(0);
    clock = new Date(clock.getTime() + 2_000);
    expect(await b.drain()).toBe(1);
    expect(published).toEqual({ a: [first, second], b: [third] });
  });
});
