import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createMongoNotificationStore } from '../store/mongo.ts';
import type { NotificationStore } from '../store/store.ts';
import { reminderEvent, testApi } from '../testing.ts';

// Two replicas of the service on one MongoDB-wire database (FerretDB here), as in the stack: Kafka gives
// each event to one of them, and a browser's stream may be open on either.
const db = `notifications-replicas-${randomUUID().slice(0, 8)}`;
const replicas = [
  await testApi({ store: await createMongoNotificationStore(inject('mongoUrl'), db), streamPollMs: 50 }),
  await testApi({ store: await createMongoNotificationStore(inject('mongoUrl'), db), streamPollMs: 50 }),
];
const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];

describe('live streams across replicas', () => {
  it('sends what a replica recorded to its own streams without reading the store', async () => {
    const store = await createMongoNotificationStore(inject('mongoUrl'), db);
    let reads = 0;
    const counting: NotificationStore = {
      ...store,
      listNotifications: (owner, q) => {
        reads++;
        return store.listNotifications(owner, q);
      },
    };
    // No poll of the store meanwhile (one that sees a commit before its publish reads it, rightly).
    const quiet = await testApi({ store: counting, streamPollMs: 3_600_000 });
    const carol = await quiet.user();
    const s = await quiet.stream({ token: carol.token });
    const events = Array.from({ length: 5 }, (_, i) => reminderEvent(carol.id, `live ${i}`));
    // One after another, so each is published in seq order (a gap, as when deliveries overtake each
    // other, is read from the store: the next test).
    for (const e of events) await quiet.deliver(e);
    for (const e of events) expect((await s.next()).data.id).toBe(e.id);
    expect(reads).toBe(0);
    s.close();
  });

  it('pushes a notification that one replica consumed to the streams open on the other', async () => {
    const alice = await a.user();
    const onB = await b.stream({ token: alice.token });
    const onA = await a.stream({ token: alice.token });
    const event = reminderEvent(alice.id, 'consumed by a');
    await a.deliver(event);
    // Up to a poll late on the other replica (longer on a busy machine).
    expect((await onB.next(undefined, 10_000)).data.id).toBe(event.id);
    expect((await onA.next()).data.id).toBe(event.id);
    onA.close();
    onB.close();
  });

  it('gives every stream each of many concurrent events once, in one order, whichever replica took them', async () => {
    const alice = await a.user();
    const streams = [await a.stream({ token: alice.token }), await b.stream({ token: alice.token })];
    const events = Array.from({ length: 16 }, (_, i) => reminderEvent(alice.id, `e${i}`));
    await Promise.all(events.map((e, i) => (i % 2 ? a : b).deliver(e)));
    for (const s of streams) {
      await expect.poll(() => s.events().length, { timeout: 10_000 }).toBe(events.length);
      const ids = s.events().map((f) => Number(f.id));
      expect(ids).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
      expect(new Set(s.events().map((f) => f.data.id))).toEqual(new Set(events.map((e) => e.id)));
    }
    expect(streams[0]!.events().map((f) => f.data.id)).toEqual(streams[1]!.events().map((f) => f.data.id));
    // A reconnect to the other replica resumes exactly where the stream left off.
    const last = streams[0]!.events()[9]!.id!;
    streams[0]!.close();
    const resumed = await b.stream({ token: alice.token, lastEventId: last });
    await expect.poll(() => resumed.events().length, { timeout: 10_000 }).toBe(6);
    expect(resumed.events().map((f) => f.data.id)).toEqual(
      streams[1]!
        .events()
        .slice(10)
        .map((f) => f.data.id),
    );
    for (const s of [...streams, resumed]) s.close();
  });
});
