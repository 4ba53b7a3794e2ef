import { randomUUID } from 'node:crypto';
import { fixedClock } from '@todo/core';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { reminderNotification } from '../store/contract.ts';
import { createMongoNotificationStore } from '../store/mongo.ts';
import { receiver } from '../testing.ts';
import { createWebhookDispatcher } from './dispatcher.ts';
import { recordNotification } from '../store/store.ts';

// The dispatcher on a real MongoDB-wire server (FerretDB here), against claimers that died half-way.
const dbName = `notifications-dispatch-${randomUUID().slice(0, 8)}`;
const store = await createMongoNotificationStore(inject('mongoUrl'), dbName);
const client = await MongoClient.connect(inject('mongoUrl'));
const hooks = await receiver({ '/ok': (_n, res) => res.writeHead(204).end() });
afterAll(async () => {
  await store.close();
  await client.close();
});

describe('webhook dispatcher on MongoDB', () => {
  it('is not stalled by deliveries whose claimers died before moving them, and takes those once their lease ends', async () => {
    const clock = fixedClock(new Date());
    const now = clock.now().getTime();
    const [stuck, bob] = [`stuck-${randomUUID()}`, `bob-${randomUUID()}`];
    const made = async (owner: string) => {
      const webhook = {
        id: randomUUID(),
        owner,
        url: hooks.url('/ok'),
        secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
        createdAt: new Date(now).toISOString(),
      };
      await store.createWebhook(webhook);
      return webhook;
    };
    const [stuckHook, bobsHook] = [await made(stuck), await made(bob)];
    // 70 deliveries (more than a page of the queue), each claimed by a process that died between
    // inserting its claim and moving the delivery's time: a claim with an hour's lease is all it left.
    const claims = client
      .db(dbName)
      .collection<{ _id: string; delivery: string; slot: number; gen: number; leaseUntil: number }>('claims');
    const stranded: string[] = [];
    for (let i = 0; i < 70; i++) {
      const n = reminderNotification(stuck, `stuck ${i}`);
      const slot = now - 60_000 + i;
      const id = `${n.id}:${stuckHook.id}`;
      await recordNotification(store, n, [
        {
          id,
          webhookId: stuckHook.id,
          owner: stuck,
          eventId: n.id,
          body: JSON.stringify(n.event),
          nextAttemptAt: slot,
          createdAt: new Date(slot).toISOString(),
        },
      ]);
      await claims.insertOne({
        _id: `${id}@${slot}#0`,
        delivery: id,
        slot,
        gen: 0,
        leaseUntil: now + 3_600_000,
      });
      stranded.push(n.id);
    }
    // Bob's delivery is due after all of them.
    const n = reminderNotification(bob, "bob's");
    await recordNotification(store, n, [
      {
        id: `${n.id}:${bobsHook.id}`,
        webhookId: bobsHook.id,
        owner: bob,
        eventId: n.id,
        body: JSON.stringify(n.event),
        nextAttemptAt: now,
        createdAt: new Date(now).toISOString(),
      },
    ]);

    const dispatcher = createWebhookDispatcher({
      store,
      clock,
      logger: pino({ level: 'silent' }),
      // A small concurrency: a page of the queue (twice the free slots) is far shorter than the stranded rows.
      options: { allowInternal: true, requireHttps: false, pollMs: 20, concurrency: 4, perWebhook: 2 },
    });
    dispatcher.start();
    try {
      const sent = (ids: string[]) =>
        hooks.received('/ok').filter((r) => ids.includes(String(r.headers['x-event-id'])));
      await expect.poll(() => sent([n.id]), { timeout: 20_000 }).toHaveLength(1);
      expect(sent(stranded)).toEqual([]);
      // The dead claimers' leases end: each stranded delivery is taken (once) and sent.
      clock.advance(3_600_001);
      await expect.poll(() => sent(stranded).length, { timeout: 20_000 }).toBe(70);
      await expect
        .poll(
          async () =>
            (await store.listDeliveries(stuck, stuckHook.id, 100)).every((d) => d.status === 'delivered'),
          { timeout: 10_000 },
        )
        .toBe(true);
      expect(new Set(sent(stranded).map((r) => r.headers['x-event-id'])).size).toBe(70);
    } finally {
      await dispatcher.stop();
    }
  });
});
