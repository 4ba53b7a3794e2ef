import type { SQLInputValue } from 'node:sqlite';
import type { NotificationEvent } from '@todo/core';
import { openSqlite } from '@todo/server';
import type { Attempt, Delivery, Notification, NotificationStore, Webhook } from './store.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS notifications (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, owner TEXT NOT NULL, kind TEXT NOT NULL,
  event TEXT NOT NULL, received_at TEXT NOT NULL, read_at TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS notifications_owner ON notifications (owner, seq);
CREATE INDEX IF NOT EXISTS notifications_unread ON notifications (owner, seq) WHERE read_at IS NULL;
CREATE TABLE IF NOT EXISTS webhooks (
  id TEXT PRIMARY KEY, owner TEXT NOT NULL, url TEXT NOT NULL, secret TEXT NOT NULL, created_at TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS webhooks_owner ON webhooks (owner, created_at);
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL, owner TEXT NOT NULL, event_id TEXT NOT NULL, body TEXT NOT NULL,
  status TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, created_at TEXT NOT NULL,
  log TEXT NOT NULL, round_from INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS deliveries_webhook ON deliveries (webhook_id, created_at);
`;

type Row = Record<string, SQLInputValue>;

function toNotification(r: Row): Notification {
  return {
    id: r.id as string,
    owner: r.owner as string,
    seq: r.seq as number,
    kind: r.kind as Notification['kind'],
    event: JSON.parse(r.event as string) as NotificationEvent,
    receivedAt: r.received_at as string,
    ...(r.read_at ? { readAt: r.read_at as string } : {}),
  };
}

function toWebhook(r: Row): Webhook {
  return {
    id: r.id as string,
    owner: r.owner as string,
    url: r.url as string,
    secret: r.secret as string,
    createdAt: r.created_at as string,
  };
}

function toDelivery(r: Row): Delivery {
  return {
    id: r.id as string,
    webhookId: r.webhook_id as string,
    owner: r.owner as string,
    eventId: r.event_id as string,
    body: r.body as string,
    status: r.status as Delivery['status'],
    attempts: r.attempts as number,
    roundFrom: r.round_from as number,
    nextAttemptAt: r.next_attempt_at as number,
    createdAt: r.created_at as string,
    log: JSON.parse(r.log as string) as Attempt[],
  };
}

/**
 * The embedded profile's notifications store (seq is one AUTOINCREMENT over all owners, assigned inside
 * the one writer's transactions, so it follows commit order): node:sqlite through `openSqlite` (WAL, answered once on disk), so an
 * acknowledged delivery survives kill -9. Writes that arrive in one turn of the event loop share one
 * transaction (each in its own savepoint), as in the task store: one fsync for a burst of reminders.
 */
export function createSqliteNotificationStore(file: string): NotificationStore {
  const { db, write, close } = openSqlite(file);
  db.exec(SCHEMA);
  // Files made before redeliveries existed lack the column.
  const columns = db.prepare('SELECT name FROM pragma_table_info(?)').all('deliveries') as { name: string }[];
  if (!columns.some((c) => c.name === 'round_from'))
    db.exec('ALTER TABLE deliveries ADD COLUMN round_from INTEGER NOT NULL DEFAULT 0');

  const q = {
    insertNotification: db.prepare(
      'INSERT OR IGNORE INTO notifications (id, owner, kind, event, received_at) VALUES (?, ?, ?, ?, ?)',
    ),
    notificationById: db.prepare('SELECT * FROM notifications WHERE id = ? AND owner = ?'),
    newest: db.prepare(
      'SELECT owner, max(seq) AS seq FROM notifications WHERE owner IN (SELECT value FROM json_each(?)) GROUP BY owner',
    ),
    countUnread: db.prepare('SELECT count(*) AS n FROM notifications WHERE owner = ? AND read_at IS NULL'),
    markRead: db.prepare(
      'UPDATE notifications SET read_at = ? WHERE id = ? AND owner = ? AND read_at IS NULL',
    ),
    markAllRead: db.prepare('UPDATE notifications SET read_at = ? WHERE owner = ? AND read_at IS NULL'),
    insertDelivery: db.prepare(
      `INSERT OR IGNORE INTO deliveries (id, webhook_id, owner, event_id, body, status, attempts, next_attempt_at, created_at, log)
       VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, '[]')`,
    ),
    insertWebhook: db.prepare(
      'INSERT INTO webhooks (id, owner, url, secret, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    webhooks: db.prepare('SELECT * FROM webhooks WHERE owner = ? ORDER BY created_at, id'),
    countWebhooks: db.prepare('SELECT count(*) AS n FROM webhooks WHERE owner = ?'),
    webhook: db.prepare('SELECT * FROM webhooks WHERE id = ?'),
    deleteWebhook: db.prepare('DELETE FROM webhooks WHERE id = ? AND owner = ?'),
    deleteDeliveries: db.prepare('DELETE FROM deliveries WHERE webhook_id = ?'),
    due: db.prepare(
      `SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?
       AND webhook_id NOT IN (SELECT value FROM json_each(?)) AND (next_attempt_at, id) > (?, ?)
       ORDER BY next_attempt_at, id LIMIT ?`,
    ),
    claim: db.prepare(
      "UPDATE deliveries SET next_attempt_at = ? WHERE id = ? AND status = 'pending' AND next_attempt_at = ?",
    ),
    attempt: db.prepare(
      `UPDATE deliveries SET status = ?, next_attempt_at = coalesce(?, next_attempt_at), attempts = attempts + 1,
       log = json_insert(log, '$[#]', json(?)) WHERE id = ?`,
    ),
    delivery: db.prepare('SELECT * FROM deliveries WHERE id = ? AND owner = ? AND webhook_id = ?'),
    redeliver: db.prepare(
      "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, round_from = attempts WHERE id = ?",
    ),
    deliveries: db.prepare(
      'SELECT * FROM deliveries WHERE owner = ? AND webhook_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
    ),
  };

  // One transaction here: the deliveries and the notifications land together or not at all.
  const recordNotifications: NotificationStore['recordNotifications'] = async (entries) =>
    write(() =>
      entries.map(({ notification: n, deliveries }) => {
        for (const d of deliveries) {
          q.insertDelivery.run(d.id, d.webhookId, d.owner, d.eventId, d.body, d.nextAttemptAt, d.createdAt);
        }
        const { changes } = q.insertNotification.run(
          n.id,
          n.owner,
          n.kind,
          JSON.stringify(n.event),
          n.receivedAt,
        );
        if (changes === 0) return null;
        return toNotification(q.notificationById.get(n.id, n.owner) as Row);
      }),
    );

  return {
    gapless: false,
    recordNotifications,
    async listNotifications(owner, { unread, before, after, order, limit }) {
      const where = ['owner = ?'];
      const args: SQLInputValue[] = [owner];
      if (unread) where.push('read_at IS NULL');
      if (before !== undefined) {
        where.push('seq < ?');
        args.push(before);
      }
      if (after !== undefined) {
        where.push('seq > ?');
        args.push(after);
      }
      const sql = `SELECT * FROM notifications WHERE ${where.join(' AND ')} ORDER BY seq ${
        order === 'newest' ? 'DESC' : 'ASC'
      } LIMIT ?`;
      return (db.prepare(sql).all(...args, limit) as Row[]).map(toNotification);
    },
    async newestSeqs(owners) {
      const rows = q.newest.all(JSON.stringify(owners)) as { owner: string; seq: number }[];
      return new Map(rows.map((r) => [r.owner, r.seq]));
    },
    async countUnread(owner) {
      return (q.countUnread.get(owner) as { n: number }).n;
    },
    async markRead(owner, id, at) {
      return write(() => {
        q.markRead.run(at, id, owner);
        const row = q.notificationById.get(id, owner) as Row | undefined;
        return row ? toNotification(row) : null;
      });
    },
    async markAllRead(owner, at) {
      return write(() => Number(q.markAllRead.run(at, owner).changes));
    },

    async createWebhook(w) {
      await write(() => q.insertWebhook.run(w.id, w.owner, w.url, w.secret, w.createdAt));
    },
    async listWebhooks(owner) {
      return (q.webhooks.all(owner) as Row[]).map(toWebhook);
    },
    async countWebhooks(owner) {
      return (q.countWebhooks.get(owner) as { n: number }).n;
    },
    async getWebhook(id) {
      const row = q.webhook.get(id) as Row | undefined;
      return row ? toWebhook(row) : null;
    },
    async deleteWebhook(owner, id) {
      return write(() => {
        if (q.deleteWebhook.run(id, owner).changes === 0) return false;
        q.deleteDeliveries.run(id);
        return true;
      });
    },

    async dueDeliveries(now, limit, skip, after) {
      const rows = q.due.all(
        now,
        JSON.stringify(skip),
        after?.nextAttemptAt ?? Number.MIN_SAFE_INTEGER,
        after?.id ?? '',
        limit,
      );
      return (rows as Row[]).map(toDelivery);
    },
    // One conditional update in one writer: a claim is whole or absent, and it ends with its lease.
    async claimDelivery(id, seen, _now, leaseUntil) {
      return write(() => q.claim.run(leaseUntil, id, seen).changes === 1);
    },
    async recordAttempt(id, attempt, outcome) {
      await write(() =>
        q.attempt.run(
          outcome.status,
          outcome.status === 'pending' ? outcome.nextAttemptAt : null,
          JSON.stringify(attempt),
          id,
        ),
      );
    },
    async redeliver(owner, webhookId, id, now) {
      return write(() => {
        const row = q.delivery.get(id, owner, webhookId) as Row | undefined;
        if (!row) return null;
        if (row.status === 'pending') return 'pending' as const;
        q.redeliver.run(now, id);
        return toDelivery(q.delivery.get(id, owner, webhookId) as Row);
      });
    },
    async listDeliveries(owner, webhookId, limit) {
      return (q.deliveries.all(owner, webhookId, limit) as Row[]).map(toDelivery);
    },

    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      close();
    },
  };
}
