import { setTimeout as sleep } from 'node:timers/promises';
import type { NotificationEvent } from '@todo/core';
import { MongoBulkWriteError, MongoClient, type Collection, type Filter } from 'mongodb';
import type { Delivery, NewNotification, Notification, NotificationStore, Webhook } from './store.ts';
import { serialByKey } from './serial.ts';

interface NotificationDoc {
  _id: string;
  owner: string;
  seq: number;
  kind: Notification['kind'];
  event: NotificationEvent;
  receivedAt: string;
  readAt: string | null;
}
interface WebhookDoc extends Omit<Webhook, 'id'> {
  _id: string;
}
interface DeliveryDoc extends Omit<Delivery, 'id' | 'roundFrom'> {
  _id: string;
  roundFrom?: number;
}
/**
 * A claim on one due slot of a delivery, `<delivery>@<slot>#<generation>`: its unique _id makes the claim
 * atomic. A claim holds until `leaseUntil`; after that the next generation can be inserted, by one
 * claimer only, which is how a delivery whose claimer died before it moved the delivery's time (or
 * during the try) is taken again.
 */
interface ClaimDoc {
  _id: string;
  delivery: string;
  slot: number;
  gen: number;
  leaseUntil: number;
}

/** A duplicate key: one error (a server error, or one of a bulk write's), or every one of several. */
const duplicate = (err: unknown): boolean =>
  Array.isArray(err)
    ? err.every(duplicate)
    : typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;

function toNotification({ _id, readAt, ...n }: NotificationDoc): Notification {
  return { id: _id, ...n, ...(readAt ? { readAt } : {}) };
}
const toWebhook = ({ _id, ...w }: WebhookDoc): Webhook => ({ id: _id, ...w });
// Deliveries queued before redeliveries existed carry no roundFrom.
const toDelivery = ({ _id, roundFrom, ...d }: DeliveryDoc): Delivery => ({
  id: _id,
  ...d,
  roundFrom: roundFrom ?? 0,
});

/**
 * The stack's notifications store (MongoDB; FerretDB 1.x in tests). Written for FerretDB's limits: no
 * transactions, and no atomic read-modify-write either: concurrent `$inc`s lose updates and several
 * concurrent conditional updates of one document all succeed (seen here: 50 concurrent `$inc` gave 10
 * distinct values). So everything that must happen once is an insert under a unique key, which is atomic
 * there: de-duplication (the event id as `_id`), the inbox order (a unique `(owner, seq)`, retried on a clash), and
 * a delivery's claim (a claims document per delivery and due time).
 */
export async function createMongoNotificationStore(
  url: string,
  dbName = 'notifications',
): Promise<NotificationStore> {
  const client = await MongoClient.connect(url, { ignoreUndefined: true });
  const db = client.db(dbName);
  const notifications: Collection<NotificationDoc> = db.collection('notifications');
  const webhooks: Collection<WebhookDoc> = db.collection('webhooks');
  const deliveries: Collection<DeliveryDoc> = db.collection('deliveries');
  const claims: Collection<ClaimDoc> = db.collection('claims');
  // The inbox order was once one seq over all owners (unique on its own); it is per owner now.
  await notifications.dropIndex('seq_1').catch(() => {});
  await Promise.all([
    notifications.createIndex({ owner: 1, seq: 1 }, { unique: true }),
    notifications.createIndex({ owner: 1, readAt: 1, seq: -1 }),
    webhooks.createIndex({ owner: 1, createdAt: 1 }),
    deliveries.createIndex({ status: 1, nextAttemptAt: 1 }),
    deliveries.createIndex({ owner: 1, webhookId: 1, createdAt: -1 }),
    claims.createIndex({ delivery: 1, slot: 1, gen: -1 }),
  ]);

  /** The owner's highest committed seq (0 for none). */
  async function newest(owner: string): Promise<number> {
    const [top] = await notifications
      .find({ owner }, { projection: { seq: 1 } })
      .sort({ seq: -1 })
      .limit(1)
      .toArray();
    return top?.seq ?? 0;
  }

  /** Inserts notifications in order until the first duplicate key; answers how many went in. */
  async function insertInOrder(docs: NotificationDoc[]): Promise<number> {
    try {
      await notifications.insertMany(docs, { ordered: true });
      return docs.length;
    } catch (err) {
      if (!(err instanceof MongoBulkWriteError) || !duplicate(err.writeErrors)) throw err;
      const [first] = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
      return first?.index ?? 0;
    }
  }

  // The newest seq this process wrote or read per owner. Seqs only grow, so it is never ahead of the
  // store: n + 1 is tried first, and a clash (another writer took it) reads the store again. FerretDB
  // does not push the newest-seq sort down to PostgreSQL (explain: sortPushdown false), so that read
  // costs the owner's whole inbox; a burst for one owner now pays it once instead of once per event.
  const tops = new Map<string, number>();
  const OWNERS_KEPT = 10_000;
  // One placement at a time per owner in this process. Deliveries from several partitions carry one
  // owner's events at once; placed side by side they clash on the same seqs, and each clash reads the
  // newest seq again, a scan of the whole collection on FerretDB: 12,687 such scans in one 10,000 burst.
  // Replicas can still clash with each other, which the retry below handles.
  const serially = serialByKey();

  /**
   * One owner's new notifications, in order: each takes the owner's newest committed seq + 1 onwards,
   * never counted ahead of what the store holds: n + 1 is only written once n is visible, so seqs commit
   * in order and a reader that has seen n never meets a smaller one later. The batch goes in as one
   * ordered insert; where it stops, the notification there was either recorded already (answered null
   * and left out) or its seq was taken by another writer (the rest try again, after a short random
   * wait, from the store's newest).
   */
  async function placeInOrder(owner: string, batch: NewNotification[]): Promise<Map<string, Notification>> {
    const placed = new Map<string, Notification>();
    let rest = batch;
    let top = tops.get(owner) ?? (await newest(owner));
    for (let clash = 0; rest.length > 0;) {
      const docs: NotificationDoc[] = rest.map((n, i) => ({
        _id: n.id,
        owner,
        seq: top + 1 + i,
        kind: n.kind,
        event: n.event,
        receivedAt: n.receivedAt,
        readAt: null,
      }));
      const inserted = await insertInOrder(docs);
      for (const doc of docs.slice(0, inserted)) placed.set(doc._id, toNotification(doc));
      top += inserted;
      rest = rest.slice(inserted);
      const [stopped] = rest;
      if (!stopped) break;
      if (await notifications.findOne({ _id: stopped.id }, { projection: { _id: 1 } })) {
        rest = rest.slice(1);
        continue;
      }
      if (++clash === 100) throw new Error('could not find a free place in the inbox order');
      await sleep(Math.random() * Math.min(20, 2 ** clash));
      top = await newest(owner);
    }
    if (tops.size >= OWNERS_KEPT) tops.clear();
    tops.set(owner, top);
    return placed;
  }

  const recordNotifications: NotificationStore['recordNotifications'] = async (entries) => {
    // Deliveries first and idempotently: a crash before the notifications are written leaves them queued,
    // and the redelivered events then find them already there.
    const queued = entries.flatMap((e) => e.deliveries);
    if (queued.length > 0) {
      try {
        await deliveries.insertMany(
          queued.map(({ id, ...d }) => ({
            _id: id,
            ...d,
            status: 'pending' as const,
            attempts: 0,
            roundFrom: 0,
            log: [],
          })),
          { ordered: false },
        );
      } catch (err) {
        if (!(err instanceof MongoBulkWriteError) || !duplicate(err.writeErrors)) throw err;
      }
    }
    // Each event once (a bulk delivery may carry one twice), each owner's in the order given.
    const byOwner = new Map<string, NewNotification[]>();
    const seen = new Set<string>();
    for (const { notification: n } of entries) {
      if (seen.has(n.id)) continue;
      seen.add(n.id);
      const batch = byOwner.get(n.owner) ?? [];
      batch.push(n);
      byOwner.set(n.owner, batch);
    }
    const placed = new Map<string, Notification>();
    for (const [owner, batch] of byOwner)
      for (const [id, n] of await serially(owner, () => placeInOrder(owner, batch))) placed.set(id, n);
    // The first entry of an event answers it; a repeat, like an event recorded before, answers null.
    const answered = new Set<string>();
    return entries.map(({ notification: { id } }) => {
      const n = answered.has(id) ? undefined : placed.get(id);
      answered.add(id);
      return n ?? null;
    });
  };

  return {
    gapless: true,
    recordNotifications,
    async listNotifications(owner, { unread, before, after, order, limit }) {
      const seq: Record<string, number> = {};
      if (before !== undefined) seq.$lt = before;
      if (after !== undefined) seq.$gt = after;
      const filter: Filter<NotificationDoc> = {
        owner,
        ...(unread ? { readAt: null } : {}),
        ...(Object.keys(seq).length ? { seq } : {}),
      };
      const docs = await notifications
        .find(filter)
        .sort({ seq: order === 'newest' ? -1 : 1 })
        .limit(limit)
        .toArray();
      return docs.map(toNotification);
    },
    async newestSeqs(owners) {
      const tops = await Promise.all(owners.map(async (owner) => [owner, await newest(owner)] as const));
      return new Map(tops.filter(([, seq]) => seq > 0));
    },
    async countUnread(owner) {
      return notifications.countDocuments({ owner, readAt: null });
    },
    async markRead(owner, id, at) {
      await notifications.updateOne({ _id: id, owner, readAt: null }, { $set: { readAt: at } });
      const doc = await notifications.findOne({ _id: id, owner });
      return doc ? toNotification(doc) : null;
    },
    async markAllRead(owner, at) {
      const res = await notifications.updateMany({ owner, readAt: null }, { $set: { readAt: at } });
      return res.modifiedCount;
    },

    async createWebhook({ id, ...w }) {
      await webhooks.insertOne({ _id: id, ...w });
    },
    async listWebhooks(owner) {
      const docs = await webhooks.find({ owner }).sort({ createdAt: 1, _id: 1 }).toArray();
      return docs.map(toWebhook);
    },
    async countWebhooks(owner) {
      return webhooks.countDocuments({ owner });
    },
    async getWebhook(id) {
      const doc = await webhooks.findOne({ _id: id });
      return doc ? toWebhook(doc) : null;
    },
    async deleteWebhook(owner, id) {
      const res = await webhooks.deleteOne({ _id: id, owner });
      if (res.deletedCount === 0) return false;
      const queued = await deliveries.find({ webhookId: id }, { projection: { _id: 1 } }).toArray();
      await deliveries.deleteMany({ webhookId: id });
      if (queued.length) await claims.deleteMany({ delivery: { $in: queued.map((d) => d._id) } });
      return true;
    },

    async dueDeliveries(now, limit, skip, after) {
      const docs = await deliveries
        .find({
          status: 'pending',
          nextAttemptAt: { $lte: now },
          ...(skip.length ? { webhookId: { $nin: skip } } : {}),
          ...(after
            ? {
                $or: [
                  { nextAttemptAt: { $gt: after.nextAttemptAt } },
                  { nextAttemptAt: after.nextAttemptAt, _id: { $gt: after.id } },
                ],
              }
            : {}),
        })
        .sort({ nextAttemptAt: 1, _id: 1 })
        .limit(limit)
        .toArray();
      return docs.map(toDelivery);
    },
    async claimDelivery(id, seen, now, leaseUntil) {
      // Only one claimer can insert a given generation of this due slot's claim; the next generation is
      // tried only once the newest one's lease has ended. The winner then moves the time to the lease end.
      const [top] = await claims.find({ delivery: id, slot: seen }).sort({ gen: -1 }).limit(1).toArray();
      if (top && top.leaseUntil > now) return false;
      const gen = top ? top.gen + 1 : 0;
      try {
        await claims.insertOne({ _id: `${id}@${seen}#${gen}`, delivery: id, slot: seen, gen, leaseUntil });
      } catch (err) {
        if (duplicate(err)) return false;
        throw err;
      }
      const res = await deliveries.updateOne(
        { _id: id, status: 'pending', nextAttemptAt: seen },
        { $set: { nextAttemptAt: leaseUntil } },
      );
      return res.matchedCount === 1;
    },
    async recordAttempt(id, attempt, outcome) {
      await deliveries.updateOne(
        { _id: id },
        {
          $set: {
            status: outcome.status,
            ...(outcome.status === 'pending' ? { nextAttemptAt: outcome.nextAttemptAt } : {}),
          },
          $inc: { attempts: 1 },
          $push: { log: attempt },
        },
      );
      if (outcome.status !== 'pending') await claims.deleteMany({ delivery: id });
    },
    async redeliver(owner, webhookId, id, now) {
      const doc = await deliveries.findOne({ _id: id, owner, webhookId });
      if (!doc) return null;
      if (doc.status === 'pending') return 'pending';
      // Two redeliveries at once set the same values; no try is in flight for a finished delivery.
      await deliveries.updateOne(
        { _id: id, status: doc.status },
        { $set: { status: 'pending', nextAttemptAt: now, roundFrom: doc.attempts } },
      );
      return toDelivery({ ...doc, status: 'pending', nextAttemptAt: now, roundFrom: doc.attempts });
    },
    async listDeliveries(owner, webhookId, limit) {
      const docs = await deliveries
        .find({ owner, webhookId })
        .sort({ createdAt: -1, _id: -1 })
        .limit(limit)
        .toArray();
      return docs.map(toDelivery);
    },

    async ping() {
      await db.command({ ping: 1 });
    },
    async close() {
      await client.close();
    },
  };
}
