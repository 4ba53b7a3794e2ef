import { randomUUID } from 'node:crypto';
import type { NotificationEvent } from '@todo/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  recordNotification,
  type NewDelivery,
  type NewNotification,
  type NotificationStore,
  type Webhook,
} from './store.ts';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A reminder notification for `owner` (fresh event id unless given). */
export function reminderNotification(owner: string, title = 'Pay rent', id = randomUUID()): NewNotification {
  const taskId = randomUUID();
  const event: NotificationEvent = {
    id,
    type: 'reminder.due',
    time: iso(T0),
    subject: taskId,
    version: 3,
    data: { owner, taskId, reminderId: 'r1', title, fireAt: iso(T0), due: { date: '2026-12-01' } },
  };
  return { id, owner, kind: 'reminder', event, receivedAt: iso(T0) };
}

function delivery(n: NewNotification, webhookId: string, at = T0): NewDelivery {
  return {
    id: `${n.id}:${webhookId}`,
    webhookId,
    owner: n.owner,
    eventId: n.id,
    body: JSON.stringify(n.event),
    nextAttemptAt: at,
    createdAt: iso(at),
  };
}

/**
 * The contract every NotificationStore keeps; run on SQLite (unit tier) and a real MongoDB-wire server
 * (integration tier). `open` is called twice and must give two handles on the same database (two replicas
 * of the service). Owners and webhooks are fresh per run, so a shared server needs no cleaning.
 */
export function notificationStoreContract(name: string, open: () => Promise<NotificationStore>): void {
  describe(`${name} notification store contract`, () => {
    let store: NotificationStore;
    let replica: NotificationStore;
    beforeAll(async () => {
      store = await open();
      replica = await open();
    });
    afterAll(async () => {
      await store?.close();
      await replica?.close();
    });

    it('records an event once, however often it is delivered, and only for its owner', async () => {
      const alice = `alice-${randomUUID()}`;
      const n = reminderNotification(alice);
      const first = await recordNotification(store, n, []);
      expect(first).toEqual({ ...n, seq: expect.any(Number) });
      expect(await recordNotification(store, n, [])).toBeNull();
      const again = await Promise.all([1, 2, 3].map(() => recordNotification(store, n, [])));
      expect(again).toEqual([null, null, null]);
      const listed = await store.listNotifications(alice, { order: 'newest', limit: 10 });
      expect(listed).toEqual([first]);
      expect(await store.listNotifications(`bob-${randomUUID()}`, { order: 'newest', limit: 10 })).toEqual(
        [],
      );
    });

    it('gives each of many concurrent events its own place, also across replicas, and records a racing duplicate once', async () => {
      const owner = `ivan-${randomUUID()}`;
      const made = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          recordNotification(i % 2 ? store : replica, reminderNotification(owner, `c${i}`), []),
        ),
      );
      expect(made.every((n) => n !== null)).toBe(true);
      expect(new Set(made.map((n) => n!.seq)).size).toBe(30);
      const listed = await store.listNotifications(owner, { order: 'oldest', limit: 100 });
      expect(listed).toHaveLength(30);

      const n = reminderNotification(owner, 'racing');
      const raced = await Promise.all(
        Array.from({ length: 6 }, (_, i) => recordNotification(i % 2 ? store : replica, n, [])),
      );
      expect(raced.filter((r) => r !== null)).toHaveLength(1);
      expect(await store.countUnread(owner)).toBe(31);
    });

    it("commits each owner's seqs in order: a reader tailing by seq while two replicas write misses none", async () => {
      const owner = `tail-${randomUUID()}`;
      const total = 40;
      let done = false;
      const writes = Promise.all(
        Array.from({ length: total }, (_, i) =>
          recordNotification(i % 2 ? store : replica, reminderNotification(owner, `t${i}`), []),
        ),
      ).finally(() => (done = true));
      const seen: string[] = [];
      let last = 0;
      const tail = async () => {
        const page = await replica.listNotifications(owner, { after: last, order: 'oldest', limit: 3 });
        for (const n of page) {
          expect(n.seq).toBeGreaterThan(last);
          seen.push(n.id);
          last = n.seq;
        }
        return page.length;
      };
      // A synchronous store (SQLite) answers without a turn of the event loop: give the writers theirs.
      while (!done) {
        await tail();
        await new Promise((r) => setImmediate(r));
      }
      await writes;
      while ((await tail()) > 0);
      expect(seen).toHaveLength(total);
      expect(new Set(seen).size).toBe(total);
      const other = `tail-other-${randomUUID()}`;
      expect(await store.newestSeqs([owner, other])).toEqual(new Map([[owner, last]]));
    });

    it('records a batch in the order given, each event once, while another replica writes batches too', async () => {
      const owner = `batch-${randomUUID()}`;
      const other = `batch-other-${randomUUID()}`;
      const earlier = reminderNotification(owner, 'earlier');
      await recordNotification(store, earlier, []);
      const mine = Array.from({ length: 12 }, (_, i) => reminderNotification(owner, `m${i}`));
      const theirs = Array.from({ length: 12 }, (_, i) => reminderNotification(owner, `r${i}`));
      const entry = (n: NewNotification) => ({ notification: n, deliveries: [] });
      const [a, b] = await Promise.all([
        store.recordNotifications([earlier, ...mine, mine[0]!, reminderNotification(other, 'o')].map(entry)),
        replica.recordNotifications(theirs.map(entry)),
      ]);
      expect(a[0]).toBeNull();
      expect(a[13]).toBeNull();
      expect(a.slice(1, 13).map((n) => n?.event.data.title)).toEqual(mine.map((n) => n.event.data.title));
      expect(a[14]).toMatchObject({ owner: other, seq: expect.any(Number) });
      expect(b.every((n) => n !== null)).toBe(true);
      const listed = await store.listNotifications(owner, { order: 'oldest', limit: 100 });
      expect(listed).toHaveLength(25);
      expect(new Set(listed.map((n) => n.seq)).size).toBe(25);
      const order = (prefix: string) =>
        listed.map((n) => n.event.data.title).filter((t) => t.startsWith(prefix));
      expect(order('m')).toEqual(mine.map((n) => n.event.data.title));
      expect(order('r')).toEqual(theirs.map((n) => n.event.data.title));
    });

    it('orders by insertion, pages both ways and filters unread', async () => {
      const owner = `carol-${randomUUID()}`;
      const made = [];
      for (let i = 0; i < 5; i++)
        made.push(await recordNotification(store, reminderNotification(owner, `n${i}`), []));
      const seqs = made.map((n) => n!.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(5);
      const titles = (ns: { event: NotificationEvent }[]) => ns.map((n) => n.event.data.title);

      const page1 = await store.listNotifications(owner, { order: 'newest', limit: 2 });
      expect(titles(page1)).toEqual(['n4', 'n3']);
      const page2 = await store.listNotifications(owner, {
        order: 'newest',
        limit: 2,
        before: page1[1]!.seq,
      });
      expect(titles(page2)).toEqual(['n2', 'n1']);
      const replay = await store.listNotifications(owner, { order: 'oldest', limit: 10, after: seqs[2] });
      expect(titles(replay)).toEqual(['n3', 'n4']);

      expect(await store.countUnread(owner)).toBe(5);
      const read = await store.markRead(owner, made[1]!.id, iso(T0 + 1000));
      expect(read).toEqual({ ...made[1], readAt: iso(T0 + 1000) });
      // A second read keeps the first read time.
      expect((await store.markRead(owner, made[1]!.id, iso(T0 + 5000)))?.readAt).toBe(iso(T0 + 1000));
      expect(await store.markRead(`mallory-${randomUUID()}`, made[1]!.id, iso(T0))).toBeNull();
      expect(await store.markRead(owner, 'no-such-id', iso(T0))).toBeNull();
      expect(
        titles(await store.listNotifications(owner, { order: 'newest', limit: 10, unread: true })),
      ).toEqual(['n4', 'n3', 'n2', 'n0']);
      expect(await store.countUnread(owner)).toBe(4);
      expect(await store.markAllRead(owner, iso(T0 + 2000))).toBe(4);
      expect(await store.countUnread(owner)).toBe(0);
      expect(await store.markAllRead(owner, iso(T0 + 3000))).toBe(0);
      const all = await store.listNotifications(owner, { order: 'oldest', limit: 10 });
      expect(all.map((n) => n.readAt)).toEqual([
        iso(T0 + 2000),
        iso(T0 + 1000),
        iso(T0 + 2000),
        iso(T0 + 2000),
        iso(T0 + 2000),
      ]);
    });

    it('keeps webhooks per owner and removes one with its deliveries', async () => {
      const owner = `dave-${randomUUID()}`;
      const other = `erin-${randomUUID()}`;
      const hook = (o: string, n: number): Webhook => ({
        id: randomUUID(),
        owner: o,
        url: `https://example.com/hook/${n}`,
        secret: `whsec_${n}`,
        createdAt: iso(T0 + n),
      });
      const [a, b, c] = [hook(owner, 1), hook(owner, 2), hook(other, 3)];
      for (const w of [b, a, c]) await store.createWebhook(w);
      expect(await store.listWebhooks(owner)).toEqual([a, b]);
      expect(await store.countWebhooks(owner)).toBe(2);
      expect(await store.getWebhook(c.id)).toEqual(c);
      const n = reminderNotification(owner);
      await recordNotification(store, n, [delivery(n, a.id)]);
      expect(await store.deleteWebhook(other, a.id)).toBe(false);
      expect(await store.deleteWebhook(owner, a.id)).toBe(true);
      expect(await store.deleteWebhook(owner, a.id)).toBe(false);
      expect(await store.getWebhook(a.id)).toBeNull();
      expect(await store.listDeliveries(owner, a.id, 10)).toEqual([]);
      expect(await store.listWebhooks(owner)).toEqual([b]);
    });

    it('queues deliveries once, hands each due one to one claimer, and logs every try', async () => {
      const owner = `frank-${randomUUID()}`;
      const [w1, w2] = [randomUUID(), randomUUID()];
      const n = reminderNotification(owner);
      // The first attempt crashed after queueing: the redelivery queues nothing twice.
      await recordNotification(store, n, [delivery(n, w1), delivery(n, w2, T0 + 60_000)]);
      await recordNotification(store, n, [delivery(n, w1), delivery(n, w2, T0 + 60_000)]);
      const mine = async (now: number, skip: string[] = []) =>
        (await store.dueDeliveries(now, 10_000, skip)).filter((d) => d.owner === owner);

      const due = await mine(T0);
      expect(due).toEqual([{ ...delivery(n, w1), status: 'pending', attempts: 0, roundFrom: 0, log: [] }]);
      expect(await mine(T0, [w1])).toEqual([]);
      expect((await mine(T0 + 60_000)).map((d) => d.webhookId)).toEqual([w1, w2]);

      const claims = await Promise.all(
        [store, replica, store, replica].map((s) => s.claimDelivery(due[0]!.id, T0, T0, T0 + 30_000)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await mine(T0 + 29_999, [w2])).toEqual([]);
      // The lease ends (the worker died): the delivery is due again.
      expect((await mine(T0 + 30_000, [w2])).map((d) => d.id)).toEqual([due[0]!.id]);

      const failed = { at: iso(T0 + 100), status: 500, ms: 12 };
      await store.recordAttempt(due[0]!.id, failed, { status: 'pending', nextAttemptAt: T0 + 5000 });
      const ok = { at: iso(T0 + 5100), status: 204, ms: 3 };
      await store.recordAttempt(due[0]!.id, ok, { status: 'delivered' });
      const timeout = { at: iso(T0 + 60_100), error: 'timed out after 10000 ms', ms: 10_000 };
      await store.recordAttempt(`${n.id}:${w2}`, timeout, { status: 'failed' });

      expect(await mine(T0 + 1e9)).toEqual([]);
      const [logged] = await store.listDeliveries(owner, w1, 10);
      expect(logged).toMatchObject({ status: 'delivered', attempts: 2, log: [failed, ok] });
      expect(await store.listDeliveries(owner, w2, 10)).toEqual([
        { ...delivery(n, w2, T0 + 60_000), status: 'failed', attempts: 1, roundFrom: 0, log: [timeout] },
      ]);
      expect(await store.listDeliveries(`grace-${randomUUID()}`, w1, 10)).toEqual([]);
    });

    it('takes a delivery again once the lease of a claimer that died has ended, one claimer only', async () => {
      const owner = `ivy-${randomUUID()}`;
      const w = randomUUID();
      const n = reminderNotification(owner);
      const d = delivery(n, w);
      await recordNotification(store, n, [d]);
      // The claimer dies at once: whatever it left behind holds until its lease ends, then one of the
      // racing claimers takes the delivery.
      expect(await store.claimDelivery(d.id, T0, T0, T0 + 30_000)).toBe(true);
      const early = [store, replica].map((s) => s.claimDelivery(d.id, T0, T0 + 29_999, T0 + 60_000));
      expect(await Promise.all(early)).toEqual([false, false]);
      const [at] = (await store.dueDeliveries(T0 + 30_000, 10_000, [])).filter((x) => x.id === d.id);
      expect(at?.nextAttemptAt).toBe(T0 + 30_000);
      const late = await Promise.all(
        [store, replica, store, replica].map((s) =>
          s.claimDelivery(d.id, T0 + 30_000, T0 + 30_000, T0 + 70_000),
        ),
      );
      expect(late.filter(Boolean)).toHaveLength(1);
    });

    it('pages through the due queue past deliveries it could not take', async () => {
      const owner = `judy-${randomUUID()}`;
      const w = randomUUID();
      const ns = [0, 1, 2, 3, 4].map(() => reminderNotification(owner));
      // Far in the past, so no other test's deliveries come before these.
      const at = T0 - 1e12;
      for (const n of ns) await recordNotification(store, n, [delivery(n, w, at)]);
      const ids = ns.map((n) => `${n.id}:${w}`).sort();
      const first = await store.dueDeliveries(at, 2, []);
      expect(first.map((d) => d.id)).toEqual(ids.slice(0, 2));
      const second = await store.dueDeliveries(at, 2, [], first[1]);
      expect(second.map((d) => d.id)).toEqual(ids.slice(2, 4));
      const last = await store.dueDeliveries(at, 2, [], second[1]);
      expect(last.map((d) => d.id)).toEqual(ids.slice(4));
      for (const d of [...first, ...second, ...last])
        await store.recordAttempt(d.id, { at: iso(at), status: 200, ms: 1 }, { status: 'delivered' });
    });

    it('queues a finished delivery again for its owner only, with a fresh round of tries', async () => {
      const owner = `kim-${randomUUID()}`;
      const w = randomUUID();
      const n = reminderNotification(owner);
      const d = delivery(n, w);
      await recordNotification(store, n, [d]);
      expect(await store.redeliver(owner, w, d.id, T0 + 1)).toBe('pending');
      const failed = { at: iso(T0), status: 500, ms: 1 };
      await store.recordAttempt(d.id, failed, { status: 'pending', nextAttemptAt: T0 + 10 });
      await store.recordAttempt(d.id, failed, { status: 'failed' });
      expect(await store.redeliver(`mallory-${randomUUID()}`, w, d.id, T0 + 100)).toBeNull();
      expect(await store.redeliver(owner, randomUUID(), d.id, T0 + 100)).toBeNull();
      expect(await store.redeliver(owner, w, 'no-such-delivery', T0 + 100)).toBeNull();
      const again = await replica.redeliver(owner, w, d.id, T0 + 100);
      expect(again).toMatchObject({ status: 'pending', attempts: 2, roundFrom: 2, nextAttemptAt: T0 + 100 });
      expect((await store.dueDeliveries(T0 + 100, 10_000, [])).map((x) => x.id)).toContain(d.id);
      expect(await store.claimDelivery(d.id, T0 + 100, T0 + 100, T0 + 200)).toBe(true);
      await store.recordAttempt(d.id, { at: iso(T0 + 100), status: 200, ms: 1 }, { status: 'delivered' });
      const [logged] = await store.listDeliveries(owner, w, 1);
      expect(logged).toMatchObject({ status: 'delivered', attempts: 3, roundFrom: 2 });
      expect(logged!.log.map((a) => a.status)).toEqual([500, 500, 200]);
    });

    it('lists a webhook log newest first', async () => {
      const owner = `heidi-${randomUUID()}`;
      const w = randomUUID();
      const ns = [0, 1, 2].map(() => reminderNotification(owner));
      for (const [i, n] of ns.entries()) await recordNotification(store, n, [delivery(n, w, T0 + i)]);
      expect((await store.listDeliveries(owner, w, 2)).map((d) => d.eventId)).toEqual([ns[2]!.id, ns[1]!.id]);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
