import type { NotificationEvent } from '@todo/core';
import { MongoClient, MongoServerError, type Collection, type Filter } from 'mongodb';
import type { Delivery, Notification, NotificationStore, Webhook } from './store.ts';

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
interface DeliveryDoc extends Omit<Delivery, 'id'> {
  _id: string;
}
interface CounterDoc {
  _id: string;
  seq: number;
}

const duplicate = (err: unknown) => err instanceof MongoServerError && err.code === 11000;

function toNotification({ _id, readAt, ...n }: NotificationDoc): Notification {
  return { id: _id, ...n, ...(readAt ? { readAt } : {}) };
}
const toWebhook = ({ _id, ...w }: WebhookDoc): Webhook => ({ id: _id, ...w });
const toDelivery = ({ _id, ...d }: DeliveryDoc): Delivery => ({ id: _id, ...d });

/**
 * The stack's notifications store (MongoDB; FerretDB 1.x in tests). Written for FerretDB's limits: no
 * transactions, so de-duplication is an insert with the event id as `_id` (a unique violation on insert is
 * 11000 there too), and each write is one single-document operation.
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
  const counters: Collection<CounterDoc> = db.collection('counters');
  await Promise.all([
    notifications.createIndex({ owner: 1, seq: -1 }),
    notifications.createIndex({ owner: 1, readAt: 1, seq: -1 }),
    webhooks.createIndex({ owner: 1, createdAt: 1 }),
    deliveries.createIndex({ status: 1, nextAttemptAt: 1 }),
    deliveries.createIndex({ owner: 1, webhookId: 1, createdAt: -1 }),
    // Made once here, so concurrent increments never race to create it.
    counters.updateOne({ _id: 'notifications' }, { $setOnInsert: { seq: 0 } }, { upsert: true }),
  ]);

  /** The next place in the inbox order; a number taken by a duplicate is simply skipped. */
  async function nextSeq(): Promise<number> {
    const doc = await counters.findOneAndUpdate(
      { _id: 'notifications' },
      { $inc: { seq: 1 } },
      { returnDocument: 'after' },
    );
    if (!doc) throw new Error('the notifications counter is missing');
    return doc.seq;
  }

  return {
    async recordNotification(n, queued) {
      // Deliveries first and idempotently: a crash before the notification is written leaves them queued,
      // and the redelivered event then finds them already there.
      await Promise.all(
        queued.map(async ({ id, ...d }) => {
          try {
            await deliveries.insertOne({ _id: id, ...d, status: 'pending', attempts: 0, log: [] });
          } catch (err) {
            if (!duplicate(err)) throw err;
          }
        }),
      );
      if (await notifications.findOne({ _id: n.id }, { projection: { _id: 1 } })) return null;
      const doc: NotificationDoc = {
        _id: n.id,
        owner: n.owner,
        seq: await nextSeq(),
        kind: n.kind,
        event: n.event,
        receivedAt: n.receivedAt,
        readAt: null,
      };
      try {
        await notifications.insertOne(doc);
      } catch (err) {
        if (duplicate(err)) return null;
        throw err;
      }
      return toNotification(doc);
    },
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
      await deliveries.deleteMany({ webhookId: id });
      return true;
    },

    async dueDeliveries(now, limit, skip) {
      const docs = await deliveries
        .find({
          status: 'pending',
          nextAttemptAt: { $lte: now },
          ...(skip.length ? { webhookId: { $nin: skip } } : {}),
        })
        .sort({ nextAttemptAt: 1, _id: 1 })
        .limit(limit)
        .toArray();
      return docs.map(toDelivery);
    },
    async claimDelivery(id, seen, leaseUntil) {
      const res = await deliveries.updateOne(
        { _id: id, status: 'pending', nextAttemptAt: seen },
        { $set: { nextAttemptAt: leaseUntil } },
      );
      return res.modifiedCount === 1;
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
