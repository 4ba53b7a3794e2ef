import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { toPredicate, type Task, type TaskEvent } from '@todo/core';
import { compareTasks, DuplicateEmailError, isAfter, type ListOptions, type Store, type User } from './store.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL, tz TEXT NOT NULL, created_at TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY, owner TEXT NOT NULL, version INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS tasks_owner ON tasks (owner, deleted);
CREATE TABLE IF NOT EXISTS outbox (
  task_id TEXT NOT NULL, version INTEGER NOT NULL, event TEXT NOT NULL, PRIMARY KEY (task_id, version)
) STRICT;
`;

/**
 * The embedded profile's store: node:sqlite in WAL mode with synchronous=FULL, so a write that was
 * acknowledged survives kill -9 and power loss. A task and its outbox row are written in one transaction.
 * Lists filter in process with the query language's predicate: an owner's tasks fit in memory.
 */
export function createSqliteStore(file: string): Store {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;');
  db.exec(SCHEMA);

  const q = {
    insertUser: db.prepare('INSERT INTO users (id, email, password_hash, tz, created_at) VALUES (?, ?, ?, ?, ?)'),
    userByEmail: db.prepare('SELECT * FROM users WHERE email = ?'),
    insertTask: db.prepare('INSERT INTO tasks (id, owner, version, doc) VALUES (?, ?, ?, ?)'),
    getTask: db.prepare('SELECT doc FROM tasks WHERE id = ? AND owner = ? AND deleted = 0'),
    ownerTasks: db.prepare('SELECT doc FROM tasks WHERE owner = ? AND deleted = 0'),
    replaceTask: db.prepare(
      'UPDATE tasks SET doc = ?, version = ? WHERE id = ? AND owner = ? AND version = ? AND deleted = 0',
    ),
    deleteTask: db.prepare(
      'UPDATE tasks SET deleted = 1, version = ? WHERE id = ? AND owner = ? AND version = ? AND deleted = 0',
    ),
    addEvent: db.prepare('INSERT INTO outbox (task_id, version, event) VALUES (?, ?, ?)'),
    pending: db.prepare('SELECT task_id, version, event FROM outbox ORDER BY rowid LIMIT ?'),
    markSent: db.prepare('DELETE FROM outbox WHERE task_id = ? AND version <= ?'),
    purge: db.prepare(
      'DELETE FROM tasks WHERE id = ? AND deleted = 1 AND NOT EXISTS (SELECT 1 FROM outbox WHERE task_id = ?)',
    ),
  };

  /** Runs `fn` in one write transaction; false from fn rolls back. */
  function tx(fn: () => boolean): boolean {
    db.exec('BEGIN IMMEDIATE');
    try {
      const ok = fn();
      db.exec(ok ? 'COMMIT' : 'ROLLBACK');
      return ok;
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
  const addEvent = (e: TaskEvent) => q.addEvent.run(e.subject, e.version, JSON.stringify(e));
  const rows = (stmt: { all(...a: string[]): unknown[] }, ...args: string[]) =>
    (stmt.all(...args) as { doc: string }[]).map((r) => JSON.parse(r.doc) as Task);

  return {
    async createUser(u: User) {
      try {
        q.insertUser.run(u.id, u.email, u.passwordHash, u.tz, u.createdAt);
      } catch (err) {
        if ((err as { errcode?: number }).errcode === 2067) throw new DuplicateEmailError(u.email);
        throw err;
      }
    },
    async findUserByEmail(email) {
      const r = q.userByEmail.get(email) as Record<string, string> | undefined;
      return r ? { id: r.id!, email: r.email!, passwordHash: r.password_hash!, tz: r.tz!, createdAt: r.created_at! } : null;
    },

    async insertTask(owner, _zone, task, event) {
      tx(() => {
        q.insertTask.run(task.id, owner, task.version, JSON.stringify(task));
        addEvent(event);
        return true;
      });
    },
    async getTask(owner, id) {
      const r = q.getTask.get(id, owner) as { doc: string } | undefined;
      return r ? (JSON.parse(r.doc) as Task) : null;
    },
    async listTasks(owner, { filter, ctx, sort, after, limit }: ListOptions) {
      const matches = toPredicate(filter, ctx);
      return rows(q.ownerTasks, owner)
        .filter((t) => matches(t) && (!after || isAfter(t, after, sort, ctx.zone)))
        .sort(compareTasks(sort, ctx.zone))
        .slice(0, limit);
    },
    async replaceTask(owner, _zone, task, expectedVersion, event) {
      return tx(() => {
        const { changes } = q.replaceTask.run(JSON.stringify(task), task.version, task.id, owner, expectedVersion);
        if (changes === 0) return false;
        addEvent(event);
        return true;
      });
    },
    async deleteTask(owner, id, expectedVersion, event) {
      return tx(() => {
        const { changes } = q.deleteTask.run(event.version, id, owner, expectedVersion);
        if (changes === 0) return false;
        addEvent(event);
        return true;
      });
    },
    async tagCounts(owner) {
      const counts = new Map<string, number>();
      for (const t of rows(q.ownerTasks, owner)) for (const tag of t.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
      return [...counts]
        .map(([tag, count]) => ({ tag, count }))
        .sort((a, b) => b.count - a.count || (a.tag < b.tag ? -1 : 1));
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
      tx(() => {
        q.markSent.run(taskId, version);
        q.purge.run(taskId, taskId);
        return true;
      });
    },

    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      db.close();
    },
  };
}
