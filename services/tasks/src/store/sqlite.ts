import { toPredicate, type Task, type TaskEvent } from '@todo/core';
import { openSqlite } from '@todo/server';
import {
  DuplicateEmailError,
  headIds,
  sortTasks,
  type Activity,
  type SeriesInstance,
  type ListOptions,
  type LiveTask,
  type Session,
  type Store,
  type User,
} from './store.ts';

/** A task the workflows keep: open, with reminders or in a series (kept in sync with mongo.ts's filter). */
const LIVE = `deleted = 0 AND json_extract(doc, '$.status') = 'open'
  AND (json_extract(doc, '$.seriesId') IS NOT NULL OR json_array_length(doc, '$.reminders') > 0)`;

/** Rows the idempotency sweep deletes or changes in one transaction. */
const PURGE_BATCH = 500;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL, tz TEXT NOT NULL, created_at TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY, owner TEXT NOT NULL, version INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL,
  idempotency_key TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS tasks_owner ON tasks (owner, deleted);
CREATE INDEX IF NOT EXISTS tasks_live ON tasks (id) WHERE ${LIVE};
CREATE TABLE IF NOT EXISTS activity (
  event_id TEXT PRIMARY KEY, owner TEXT NOT NULL, task_id TEXT NOT NULL, version INTEGER NOT NULL, entry TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS activity_task ON activity (owner, task_id, version);
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY, owner TEXT NOT NULL, created_at TEXT NOT NULL, last_seen_at TEXT NOT NULL,
  expires_at TEXT NOT NULL, revoked_at TEXT, user_agent TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS sessions_owner ON sessions (owner);
CREATE TABLE IF NOT EXISTS calendar_keys (owner TEXT PRIMARY KEY, key TEXT NOT NULL UNIQUE) STRICT;
CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS outbox (
  task_id TEXT NOT NULL, version INTEGER NOT NULL, event TEXT NOT NULL, PRIMARY KEY (task_id, version)
) STRICT;
`;

/**
 * The embedded profile's store: node:sqlite in WAL mode with synchronous=FULL, so a write that was
 * acknowledged survives kill -9 and power loss. A task and its outbox row are written in one transaction
 * (group-committed with the other writes of the same moment).
 * This process is the database's only writer, so each owner's live tasks are also kept in memory once
 * read (updated after each commit): reads and lists never touch the disk, and lists filter in process
 * with the query language's predicate.
 */
export function createSqliteStore(file: string): Store {
  const { db, write, close } = openSqlite(file);
  db.exec(SCHEMA);
  // Data directories made before tasks had idempotency keys get the column.
  const columns = db.prepare('SELECT name FROM pragma_table_info(?)').all('tasks') as { name: string }[];
  if (!columns.some((c) => c.name === 'idempotency_key'))
    db.exec('ALTER TABLE tasks ADD COLUMN idempotency_key TEXT');
  db.exec('CREATE UNIQUE INDEX IF NOT EXISTS tasks_idempotency ON tasks (owner, idempotency_key)');
  if (!columns.some((c) => c.name === 'change_keys'))
    db.exec('ALTER TABLE tasks ADD COLUMN change_keys TEXT');
  // Sessions made before refresh tokens get the columns (and no refresh token: they sign in again).
  const sessionColumns = db.prepare('SELECT name FROM pragma_table_info(?)').all('sessions') as {
    name: string;
  }[];
  if (!sessionColumns.some((c) => c.name === 'refresh_gen'))
    db.exec(
      'ALTER TABLE sessions ADD COLUMN refresh_gen INTEGER; ALTER TABLE sessions ADD COLUMN refresh_hash TEXT',
    );

  const q = {
    insertUser: db.prepare(
      'INSERT INTO users (id, email, password_hash, tz, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    userByEmail: db.prepare('SELECT * FROM users WHERE email = ?'),
    userById: db.prepare('SELECT * FROM users WHERE id = ?'),
    setZone: db.prepare('UPDATE users SET tz = ? WHERE id = ?'),
    insertSession: db.prepare(
      `INSERT INTO sessions (id, owner, created_at, last_seen_at, expires_at, revoked_at, user_agent,
       refresh_gen, refresh_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    rotateRefresh: db.prepare(
      `UPDATE sessions SET refresh_gen = refresh_gen + 1, refresh_hash = ?
       WHERE id = ? AND refresh_gen = ? AND revoked_at IS NULL`,
    ),
    session: db.prepare('SELECT * FROM sessions WHERE id = ?'),
    touchSession: db.prepare('UPDATE sessions SET last_seen_at = max(last_seen_at, ?) WHERE id = ?'),
    revokeSession: db.prepare(
      'UPDATE sessions SET revoked_at = ? WHERE id = ? AND owner = ? AND revoked_at IS NULL',
    ),
    revokeSessions: db.prepare('UPDATE sessions SET revoked_at = ? WHERE owner = ? AND revoked_at IS NULL'),
    liveSessions: db.prepare(
      `SELECT * FROM sessions WHERE owner = ? AND revoked_at IS NULL AND expires_at > ?
       ORDER BY last_seen_at DESC, id`,
    ),
    addCalendarKey: db.prepare('INSERT OR IGNORE INTO calendar_keys (owner, key) VALUES (?, ?)'),
    calendarKey: db.prepare('SELECT key FROM calendar_keys WHERE owner = ?'),
    setCalendarKey: db.prepare(
      'INSERT INTO calendar_keys (owner, key) VALUES (?, ?) ON CONFLICT (owner) DO UPDATE SET key = excluded.key',
    ),
    calendarOwner: db.prepare('SELECT owner FROM calendar_keys WHERE key = ?'),
    insertTask: db.prepare(
      'INSERT INTO tasks (id, owner, version, doc, idempotency_key) VALUES (?, ?, ?, ?, ?)',
    ),
    byKey: db.prepare('SELECT doc FROM tasks WHERE owner = ? AND idempotency_key = ?'),
    ownerTasks: db.prepare('SELECT doc FROM tasks WHERE owner = ? AND deleted = 0'),
    replaceTask: db.prepare(
      `UPDATE tasks SET doc = ?, version = ?, change_keys = coalesce(?, change_keys)
       WHERE id = ? AND owner = ? AND version = ? AND deleted = 0`,
    ),
    changeKeys: db.prepare(
      'SELECT version, change_keys FROM tasks WHERE id = ? AND owner = ? AND deleted = 0',
    ),
    deleteTask: db.prepare(
      'UPDATE tasks SET deleted = 1, version = ? WHERE id = ? AND owner = ? AND version = ? AND deleted = 0',
    ),
    addEvent: db.prepare('INSERT INTO outbox (task_id, version, event) VALUES (?, ?, ?)'),
    pending: db.prepare('SELECT task_id, version, event FROM outbox ORDER BY rowid LIMIT ?'),
    markSent: db.prepare('DELETE FROM outbox WHERE task_id = ? AND version <= ?'),
    // One statement, so atomic: the holder renews, anyone takes a lease that has run out.
    lease: db.prepare(
      `INSERT INTO leases (name, holder, until) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE
       SET holder = excluded.holder, until = excluded.until WHERE holder = excluded.holder OR until <= ?`,
    ),
    addActivity: db.prepare(
      'INSERT OR IGNORE INTO activity (event_id, owner, task_id, version, entry) VALUES (?, ?, ?, ?, ?)',
    ),
    activity: db.prepare(
      'SELECT entry FROM activity WHERE owner = ? AND task_id = ? ORDER BY version, event_id',
    ),
    // The partial index holds just these rows, in id order; a page of them needs no sort.
    live: db.prepare(
      `SELECT t.owner, t.doc, coalesce(u.tz, 'UTC') AS tz
       FROM (SELECT id, owner, doc FROM tasks WHERE ${LIVE} AND id > ? ORDER BY id LIMIT ?) AS t
       LEFT JOIN users AS u ON u.id = t.owner ORDER BY t.id`,
    ),
    every: db.prepare(
      `SELECT t.owner, t.doc, coalesce(u.tz, 'UTC') AS tz
       FROM (SELECT id, owner, doc FROM tasks WHERE deleted = 0 AND id > ? ORDER BY id LIMIT ?) AS t
       LEFT JOIN users AS u ON u.id = t.owner ORDER BY t.id`,
    ),
    // coalesce(?, seriesId) = seriesId holds for every series without the parameter (and never for NULL).
    seriesInstances: db.prepare(
      `SELECT id, deleted, json_extract(doc, '$.seriesId') AS seriesId, json_extract(doc, '$.occurrence') AS occurrence
       FROM tasks WHERE owner = ? AND json_extract(doc, '$.seriesId') = coalesce(?, json_extract(doc, '$.seriesId'))`,
    ),
    // A deleted instance with a newer one in its series is not its series' end marker.
    purgeKeyed: db.prepare(
      `DELETE FROM tasks WHERE id IN (SELECT t.id FROM tasks AS t
       WHERE t.deleted = 1 AND t.idempotency_key IS NOT NULL AND json_extract(t.doc, '$.createdAt') < ?
       AND NOT EXISTS (SELECT 1 FROM outbox WHERE task_id = t.id)
       AND (json_extract(t.doc, '$.seriesId') IS NULL OR EXISTS (SELECT 1 FROM tasks AS n
         WHERE n.owner = t.owner AND json_extract(n.doc, '$.seriesId') = json_extract(t.doc, '$.seriesId')
         AND (coalesce(json_extract(n.doc, '$.occurrence'), '') > coalesce(json_extract(t.doc, '$.occurrence'), '')
           OR (coalesce(json_extract(n.doc, '$.occurrence'), '') = coalesce(json_extract(t.doc, '$.occurrence'), '')
             AND n.id > t.id))))
       LIMIT ?)`,
    ),
    forgetKeys: db.prepare(
      `UPDATE tasks SET idempotency_key = NULL WHERE id IN (SELECT id FROM tasks
       WHERE deleted = 0 AND idempotency_key IS NOT NULL AND json_extract(doc, '$.seriesId') IS NULL
       AND json_extract(doc, '$.createdAt') < ? LIMIT ?)`,
    ),
    purge: db.prepare(
      `DELETE FROM tasks WHERE id = ? AND deleted = 1 AND idempotency_key IS NULL
       AND NOT EXISTS (SELECT 1 FROM outbox WHERE task_id = ?)`,
    ),
  };

  const toUser = (row: unknown): User | null => {
    const r = row as Record<string, string> | undefined;
    return r
      ? { id: r.id!, email: r.email!, passwordHash: r.password_hash!, tz: r.tz!, createdAt: r.created_at! }
      : null;
  };
  const toSession = (row: unknown): Session | null => {
    const r = row as Record<string, string | null> | undefined;
    const gen = r?.refresh_gen as unknown as number | null | undefined;
    if (!r) return null;
    return {
      id: r.id!,
      owner: r.owner!,
      createdAt: r.created_at!,
      lastSeenAt: r.last_seen_at!,
      expiresAt: r.expires_at!,
      ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}),
      ...(r.user_agent ? { userAgent: r.user_agent } : {}),
      ...(typeof gen === 'number' && r.refresh_hash ? { refreshGen: gen, refreshHash: r.refresh_hash } : {}),
    };
  };
  const addEvent = (e: TaskEvent) => q.addEvent.run(e.subject, e.version, JSON.stringify(e));
  const owners = new Map<string, Map<string, Task>>();
  function live(owner: string): Map<string, Task> {
    let tasks = owners.get(owner);
    if (!tasks) {
      const rows = q.ownerTasks.all(owner) as { doc: string }[];
      tasks = new Map(rows.map((r) => JSON.parse(r.doc) as Task).map((t) => [t.id, t]));
      owners.set(owner, tasks);
    }
    return tasks;
  }

  return {
    async createUser(u: User) {
      try {
        await write(() => q.insertUser.run(u.id, u.email, u.passwordHash, u.tz, u.createdAt));
      } catch (err) {
        if ((err as { errcode?: number }).errcode === 2067) throw new DuplicateEmailError(u.email);
        throw err;
      }
    },
    async findUserByEmail(email) {
      return toUser(q.userByEmail.get(email));
    },
    async findUserById(id) {
      return toUser(q.userById.get(id));
    },
    async setUserZone(id, tz) {
      await write(() => q.setZone.run(tz, id));
      return toUser(q.userById.get(id));
    },

    async createSession(s) {
      await write(() =>
        q.insertSession.run(
          s.id,
          s.owner,
          s.createdAt,
          s.lastSeenAt,
          s.expiresAt,
          s.revokedAt ?? null,
          s.userAgent ?? null,
          s.refreshGen ?? null,
          s.refreshHash ?? null,
        ),
      );
    },
    async rotateRefresh(id, gen, hash) {
      const { changes } = await write(() => q.rotateRefresh.run(hash, id, gen));
      return changes === 1;
    },
    async getSession(id) {
      return toSession(q.session.get(id));
    },
    async touchSession(id, at) {
      await write(() => q.touchSession.run(at, id));
    },
    async revokeSession(owner, id, at) {
      const { changes } = await write(() => q.revokeSession.run(at, id, owner));
      return changes === 1;
    },
    async revokeSessions(owner, at) {
      const { changes } = await write(() => q.revokeSessions.run(at, owner));
      return Number(changes);
    },
    async listSessions(owner, now) {
      return q.liveSessions.all(owner, now).map((r) => toSession(r)!);
    },

    async calendarKey(owner, candidate) {
      await write(() => q.addCalendarKey.run(owner, candidate));
      return (q.calendarKey.get(owner) as { key: string }).key;
    },
    async rotateCalendarKey(owner, key) {
      await write(() => q.setCalendarKey.run(owner, key));
    },
    async calendarOwner(key) {
      return (q.calendarOwner.get(key) as { owner: string } | undefined)?.owner ?? null;
    },

    async insertTask(owner, _zone, task, event, idempotencyKey) {
      const stored = await write(() => {
        const earlier = idempotencyKey
          ? (q.byKey.get(owner, idempotencyKey) as { doc: string } | undefined)
          : undefined;
        if (earlier) return JSON.parse(earlier.doc) as Task;
        q.insertTask.run(task.id, owner, task.version, JSON.stringify(task), idempotencyKey ?? null);
        addEvent(event);
        return task;
      });
      if (stored === task) live(owner).set(task.id, task);
      return stored;
    },
    async getTask(owner, id) {
      return live(owner).get(id) ?? null;
    },
    async listTasks(owner, { filter, ctx, sort, after, limit }: ListOptions) {
      const matches = toPredicate(filter, ctx);
      return sortTasks([...live(owner).values()].filter(matches), sort, ctx.zone, after).slice(0, limit);
    },
    async replaceTask(owner, _zone, task, expectedVersion, event, changeKeys) {
      const ok = await write(() => {
        const { changes } = q.replaceTask.run(
          JSON.stringify(task),
          task.version,
          changeKeys ? JSON.stringify(changeKeys) : null,
          task.id,
          owner,
          expectedVersion,
        );
        if (changes === 0) return false;
        addEvent(event);
        return true;
      });
      if (ok) live(owner).set(task.id, task);
      return ok;
    },
    async changeKeys(owner, id) {
      const row = q.changeKeys.get(id, owner) as { version: number; change_keys: string | null } | undefined;
      return row ? { version: row.version, keys: row.change_keys ? JSON.parse(row.change_keys) : [] } : null;
    },
    async deleteTask(owner, id, expectedVersion, event) {
      const ok = await write(() => {
        const { changes } = q.deleteTask.run(event.version, id, owner, expectedVersion);
        if (changes === 0) return false;
        addEvent(event);
        return true;
      });
      if (ok) live(owner).delete(id);
      return ok;
    },
    async usage(owner) {
      let reminders = 0;
      const tasks = live(owner);
      for (const t of tasks.values()) if (t.status === 'open') reminders += t.reminders.length;
      return { tasks: tasks.size, reminders };
    },
    async tagCounts(owner) {
      const counts = new Map<string, number>();
      for (const t of live(owner).values())
        for (const tag of t.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
      return [...counts]
        .map(([tag, count]) => ({ tag, count }))
        .sort((a, b) => b.count - a.count || (a.tag < b.tag ? -1 : 1));
    },
    async liveTasks(after, limit) {
      return withZones(q.live.all(after ?? '', limit));
    },
    async everyTask(after, limit) {
      return withZones(q.every.all(after ?? '', limit));
    },
    async seriesHeads(owner, seriesId) {
      const rows = q.seriesInstances.all(owner, seriesId ?? null) as (Omit<SeriesInstance, 'deleted'> & {
        deleted: number;
      })[];
      const tasks = live(owner);
      return headIds(rows.map((r) => ({ ...r, occurrence: r.occurrence ?? '', deleted: r.deleted === 1 })))
        .map((id) => tasks.get(id))
        .filter((t) => t !== undefined);
    },

    async purgeIdempotency(before) {
      // In batches, so that the other writes of the moment wait for one batch at most.
      const total = { purged: 0, forgotten: 0 };
      for (;;) {
        const batch = await write(() => ({
          purged: Number(q.purgeKeyed.run(before, PURGE_BATCH).changes),
          forgotten: Number(q.forgetKeys.run(before, PURGE_BATCH).changes),
        }));
        total.purged += batch.purged;
        total.forgotten += batch.forgotten;
        if (batch.purged < PURGE_BATCH && batch.forgotten < PURGE_BATCH) return total;
      }
    },

    async pendingEvents(limit) {
      const batches = new Map<string, { taskId: string; version: number; events: TaskEvent[] }>();
      for (const r of q.pending.all(limit) as { task_id: string; version: number; event: string }[]) {
        const b = batches.get(r.task_id) ?? { taskId: r.task_id, version: 0, events: [] };
        b.events.push(JSON.parse(r.event) as TaskEvent);
        b.version = Math.max(b.version, r.version);
        batches.set(r.task_id, b);
      }
      return [...batches.values()];
    },
    async markSent(taskId, version) {
      await write(() => {
        q.markSent.run(taskId, version);
        q.purge.run(taskId, taskId);
      });
    },

    async lease(name, holder, now, ttlMs) {
      const until = new Date(now.getTime() + ttlMs).toISOString();
      const { changes } = await write(() => q.lease.run(name, holder, until, now.toISOString()));
      return changes === 1;
    },

    async recordActivity(owner, a) {
      const { changes } = await write(() =>
        q.addActivity.run(a.eventId, owner, a.taskId, a.version, JSON.stringify(a)),
      );
      return changes === 1;
    },
    async listActivity(owner, taskId) {
      return (q.activity.all(owner, taskId) as { entry: string }[]).map(
        (r) => JSON.parse(r.entry) as Activity,
      );
    },

    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      close();
    },
  };
}

function withZones(rows: unknown[]): LiveTask[] {
  return (rows as { owner: string; doc: string; tz: string }[]).map((r) => ({
    owner: r.owner,
    zone: r.tz,
    task: JSON.parse(r.doc) as Task,
  }));
}
