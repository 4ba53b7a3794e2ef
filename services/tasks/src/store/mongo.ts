import { dueInstant, PRIORITY_RANK, Task, toMongoFilter, type TaskEvent } from '@todo/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient, MongoServerError, type Collection, type Filter } from 'mongodb';
import {
  DuplicateEmailError,
  headIds,
  newestInstances,
  sortValue,
  type Activity,
  type ListOptions,
  type Session,
  type SortKey,
  type Store,
  type User,
} from './store.ts';

/**
 * A stored task: the task's own fields at the top level (the query language compiles to them), fields
 * derived for filters and sorts, and the outbox. Every write is one updateOne/insertOne on this one
 * document, so it works on a standalone server and on FerretDB (no transactions there).
 */
interface TaskDoc extends Omit<Task, 'id'> {
  _id: string;
  owner: string;
  deleted: boolean;
  dueAt: Date | null;
  /** The due's instant in ms, NO_DUE without one, so tasks with no due sort last. */
  dueSort: number;
  priorityRank: number;
  titleSort: string;
  hasReminders: boolean;
  /** `owner` + the client's Idempotency-Key, unique (a sparse index: most tasks have none). */
  idempotencyKey?: string;
  /** The Idempotency-Keys of the latest keyed changes (store.ts changeKeys). */
  changeKeys?: string[];
  /** Events not yet known to be published; pruned by markSent. */
  outbox: TaskEvent[];
  /** The version of the newest published event. */
  outboxSent: number;
  pending: boolean;
  changedAt: Date;
}

interface UserDoc extends Omit<User, 'id'> {
  _id: string;
}

interface SessionDoc extends Omit<Session, 'id'> {
  _id: string;
}

/** One owner's calendar feed key (the owner is the id: one key per owner). */
interface CalendarKeyDoc {
  _id: string;
  key: string;
}

interface ActivityDoc extends Omit<Activity, 'eventId'> {
  _id: string;
  owner: string;
}

const TASK_KEYS = Object.keys(Task.shape) as (keyof Task)[];
const OPTIONAL_KEYS = TASK_KEYS.filter((k) => Task.shape[k].safeParse(undefined).success);
const SORT_FIELD: Record<SortKey, string> = {
  due: 'dueSort',
  priority: 'priorityRank',
  created: 'createdAt',
  updated: 'updatedAt',
  title: 'titleSort',
};

function derived(task: Task, zone: string) {
  return {
    dueAt: task.due ? dueInstant(task.due, zone).toJSDate() : null,
    dueSort: sortValue(task, 'due', zone) as number,
    priorityRank: PRIORITY_RANK[task.priority],
    titleSort: task.title.toLowerCase(),
    hasReminders: task.reminders.length > 0,
  };
}

function toUser(doc: UserDoc | null): User | null {
  if (!doc) return null;
  const { _id, ...u } = doc;
  return { id: _id, ...u };
}

function toSession(doc: SessionDoc | null): Session | null {
  if (!doc) return null;
  const { _id, ...s } = doc;
  return { id: _id, ...s };
}

/**
 * The task's own fields (and what getTask checks): reads leave the outbox, the derived fields and the
 * idempotency key on the server.
 */
const TASK_PROJECTION = Object.fromEntries(
  [...TASK_KEYS.filter((k) => k !== 'id'), 'owner', 'deleted'].map((k) => [k, 1 as const]),
);

/**
 * ANDs filters into one document, each clause's fields at its top level where no other clause uses the
 * same key (the rest under `$and`). MongoDB reads `{a, b}` as `{$and: [{a}, {b}]}`, so this changes no
 * answer; it is for FerretDB on PostgreSQL, which pushes down to SQL only the top-level equalities of a
 * filter (`{owner, deleted, priorityRank: 3, tags: 't3'}`), and with a top-level `$and` none at all: it
 * then decodes every document of the collection to filter them in Go.
 */
export function allOf(clauses: Record<string, unknown>[]): Record<string, unknown> {
  type Clause = Record<string, unknown>;
  const flat = (cs: Clause[]): Clause[] =>
    cs.flatMap((c) => {
      const keys = Object.keys(c);
      return keys.length === 1 && keys[0] === '$and' ? flat(c['$and'] as Clause[]) : [c];
    });
  const root: Clause = {};
  const rest: Clause[] = [];
  for (const c of flat(clauses)) {
    if (Object.keys(c).some((k) => Object.hasOwn(root, k))) rest.push(c);
    else Object.assign(root, c);
  }
  if (rest.length > 0) root['$and'] = [...((root['$and'] as unknown[] | undefined) ?? []), ...rest];
  return root;
}

function toTask(doc: TaskDoc): Task {
  const task: Record<string, unknown> = { id: doc._id };
  for (const k of TASK_KEYS) if (k !== 'id' && doc[k] !== undefined && doc[k] !== null) task[k] = doc[k];
  return task as Task;
}

/** A claim to write a task at one version (taskClaims): its id is `<task id>@<version>#<n>`. */
interface ClaimDoc {
  _id: string;
  at: Date;
}

/** A term of a lease (leases): the newest term of a name says who holds it, and until when. */
interface LeaseDoc {
  _id: string;
  name: string;
  term: number;
  holder: string;
  until: Date;
}

/**
 * How old a claim must be before another writer takes the version over: its writer is taken for dead.
 * Far longer than one write takes, even on an overloaded FerretDB (seconds at worst).
 */
const CLAIM_STALE_MS = 30_000;

/** Tasks read at once by the idempotency sweep. */
const PURGE_PAGE = 500;

/** The stack's store: MongoDB (FerretDB 1.x in tests), mongodb driver 7. */
export async function createMongoStore(url: string, dbName = 'todo'): Promise<Store> {
  const client = await MongoClient.connect(url, { ignoreUndefined: true });
  const db = client.db(dbName);
  const users: Collection<UserDoc> = db.collection('users');
  const tasks: Collection<TaskDoc> = db.collection('tasks');
  const activity: Collection<ActivityDoc> = db.collection('activity');
  const sessions: Collection<SessionDoc> = db.collection('sessions');
  const calendarKeys: Collection<CalendarKeyDoc> = db.collection('calendarKeys');
  await users.createIndex({ email: 1 }, { unique: true });
  await sessions.createIndex({ owner: 1 });
  await calendarKeys.createIndex({ key: 1 }, { unique: true });
  await Promise.all(
    Object.values(SORT_FIELD).map((f) => tasks.createIndex({ owner: 1, deleted: 1, [f]: 1, _id: 1 })),
  );
  await tasks.createIndex({ pending: 1, changedAt: 1 });
  // liveTasks: the open tasks in id order (hasReminders and seriesId are then checked on each).
  await tasks.createIndex({ status: 1, deleted: 1, _id: 1 });
  await tasks.createIndex({ owner: 1, seriesId: 1 });
  await tasks.createIndex({ idempotencyKey: 1 }, { unique: true, sparse: true });
  await activity.createIndex({ owner: 1, taskId: 1, version: 1 });
  const claims: Collection<ClaimDoc> = db.collection('taskClaims');
  /** A refresh token generation in use: `<session id>#<generation>` (see rotateRefresh). */
  const refreshUses: Collection<ClaimDoc> = db.collection('refreshUses');
  const leases: Collection<LeaseDoc> = db.collection('leases');
  await leases.createIndex({ name: 1, term: -1 });

  /**
   * Runs `write` as the only writer of task `id` at `version`, across processes, and answers its result;
   * undefined when another writer holds that version (after waiting until it is done, so that the
   * caller's next read sees its write). MongoDB makes a conditional update atomic, but FerretDB 1.x does
   * not: it reads the document, applies the update in Go and writes it back by _id, so of two processes
   * updating `{_id, version: 1}` at once both may win (docs/decisions/0029). What it does make atomic is
   * an insert against a unique index, so the writer first inserts the claim `<id>@<version>#1`: one insert
   * wins, the others get E11000. The claim is deleted after the write, once the version has moved on (or
   * the write left the document as the next writer expects it). A claim older than CLAIM_STALE_MS has lost
   * its writer (a crash between claim and write): the next writer takes `#2`, and so on.
   */
  async function guarded<T>(id: string, version: number, write: () => Promise<T>): Promise<T | undefined> {
    for (let n = 1; ;) {
      const claim = `${id}@${version}#${n}`;
      try {
        await claims.insertOne({ _id: claim, at: new Date() });
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
        const held = await claims.findOne({ _id: claim });
        if (!held) continue; // released meanwhile: try the same claim again
        if (Date.now() - held.at.getTime() >= CLAIM_STALE_MS) {
          n++;
          continue;
        }
        await released(claim);
        return undefined;
      }
      try {
        return await write();
      } finally {
        const mine = Array.from({ length: n }, (_, i) => `${id}@${version}#${i + 1}`);
        await claims.deleteMany({ _id: { $in: mine } });
      }
    }
  }

  /** Waits until a claim is deleted (its write is done) or has gone stale. */
  async function released(claim: string): Promise<void> {
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      await sleep(wait);
      const held = await claims.findOne({ _id: claim });
      if (!held || Date.now() - held.at.getTime() >= CLAIM_STALE_MS) return;
    }
  }
  const live = (owner: string, id: string, version: number): Filter<TaskDoc> => ({
    _id: id,
    owner,
    version,
    deleted: false,
  });

  /** A page of tasks matching `filter` in order of id after `after`, each with its owner's zone. */
  async function inIdOrder(filter: Filter<TaskDoc>, after: string | undefined, limit: number) {
    const docs = await tasks
      .find(
        { ...filter, ...(after !== undefined ? { _id: { $gt: after } } : {}) },
        { projection: TASK_PROJECTION },
      )
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    const owners = [...new Set(docs.map((d) => d.owner))];
    const zones = new Map(
      (await users.find({ _id: { $in: owners } }, { projection: { tz: 1 } }).toArray()).map((u) => [
        u._id,
        u.tz,
      ]),
    );
    return docs.map((d) => ({ owner: d.owner, zone: zones.get(d.owner) ?? 'UTC', task: toTask(d) }));
  }

  return {
    async createUser({ id, ...u }) {
      try {
        await users.insertOne({ _id: id, ...u });
      } catch (err) {
        if (err instanceof MongoServerError && err.code === 11000) throw new DuplicateEmailError(u.email);
        throw err;
      }
    },
    async findUserByEmail(email) {
      return toUser(await users.findOne({ email }));
    },
    async findUserById(id) {
      return toUser(await users.findOne({ _id: id }));
    },
    async setUserZone(id, tz) {
      await users.updateOne({ _id: id }, { $set: { tz } });
      return toUser(await users.findOne({ _id: id }));
    },

    async createSession({ id, ...s }) {
      await sessions.insertOne({ _id: id, ...s });
    },
    async getSession(id) {
      return toSession(await sessions.findOne({ _id: id }));
    },
    async touchSession(id, at) {
      await sessions.updateOne({ _id: id }, { $max: { lastSeenAt: at } });
    },
    async revokeSession(owner, id, at) {
      const res = await sessions.updateOne(
        { _id: id, owner, revokedAt: { $exists: false } },
        { $set: { revokedAt: at } },
      );
      return res.modifiedCount === 1;
    },
    async revokeSessions(owner, at) {
      const res = await sessions.updateMany(
        { owner, revokedAt: { $exists: false } },
        { $set: { revokedAt: at } },
      );
      return res.modifiedCount;
    },
    async listSessions(owner, now) {
      const docs = await sessions
        .find({ owner, revokedAt: { $exists: false }, expiresAt: { $gt: now } })
        .sort({ lastSeenAt: -1, _id: 1 })
        .toArray();
      return docs.map((d) => toSession(d)!);
    },

    async rotateRefresh(id, gen, hash) {
      // Two rotations of one generation must not both win, and FerretDB 1.x does not make the conditional
      // update atomic (see guarded): the insert of the generation's unique claim decides. The claim goes
      // once the update is done; a later use of the same generation then fails on the update's condition.
      const use = `${id}#${gen}`;
      try {
        await refreshUses.insertOne({ _id: use, at: new Date() });
      } catch (err) {
        if (err instanceof MongoServerError && err.code === 11000) return false;
        throw err;
      }
      try {
        const res = await sessions.updateOne(
          { _id: id, refreshGen: gen, revokedAt: { $exists: false } },
          { $set: { refreshGen: gen + 1, refreshHash: hash } },
        );
        return res.modifiedCount === 1;
      } finally {
        await refreshUses.deleteOne({ _id: use });
      }
    },

    async calendarKey(owner, candidate) {
      try {
        await calendarKeys.insertOne({ _id: owner, key: candidate });
        return candidate;
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
        const doc = await calendarKeys.findOne({ _id: owner });
        if (!doc) throw err;
        return doc.key;
      }
    },
    async rotateCalendarKey(owner, key) {
      await calendarKeys.updateOne({ _id: owner }, { $set: { key } }, { upsert: true });
    },
    async calendarOwner(key) {
      return (await calendarKeys.findOne({ key }))?._id ?? null;
    },

    async insertTask(owner, zone, task, event, idempotencyKey) {
      const { id, ...fields } = task;
      // Owner ids are UUIDs, so the first space ends the owner. (Not NUL: PostgreSQL's JSONB, under
      // FerretDB in the stack, refuses \u0000 in strings.)
      const key = idempotencyKey === undefined ? undefined : `${owner} ${idempotencyKey}`;
      try {
        await tasks.insertOne({
          _id: id,
          ...fields,
          owner,
          deleted: false,
          ...derived(task, zone),
          ...(key ? { idempotencyKey: key } : {}),
          outbox: [event],
          outboxSent: 0,
          pending: true,
          changedAt: new Date(event.time),
        });
        return task;
      } catch (err) {
        if (!(key && err instanceof MongoServerError && err.code === 11000)) throw err;
        const earlier = await tasks.findOne({ idempotencyKey: key });
        if (!earlier) throw err;
        return toTask(earlier);
      }
    },
    async getTask(owner, id) {
      // By _id alone: the one filter FerretDB's SQLite backend pushes down (any other scans the collection).
      const doc = await tasks.findOne({ _id: id }, { projection: TASK_PROJECTION });
      return doc && doc.owner === owner && !doc.deleted ? toTask(doc as TaskDoc) : null;
    },
    async listTasks(owner, { filter, ctx, sort, after, limit }: ListOptions) {
      const field = SORT_FIELD[sort.key];
      const cmp = sort.dir === 1 ? '$gt' : '$lt';
      const clauses: Record<string, unknown>[] = [{ owner, deleted: false }, toMongoFilter(filter, ctx)];
      if (after) {
        clauses.push({
          $or: [{ [field]: { [cmp]: after.v } }, { [field]: after.v, _id: { [cmp]: after.id } }],
        });
      }
      const docs = await tasks
        .find(allOf(clauses) as Filter<TaskDoc>, { projection: TASK_PROJECTION })
        .sort({ [field]: sort.dir, _id: sort.dir })
        .limit(limit)
        .toArray();
      return docs.map(toTask);
    },
    async replaceTask(owner, zone, task, expectedVersion, event, changeKeys) {
      const { id, ...fields } = task;
      const set = {
        ...fields,
        ...derived(task, zone),
        ...(changeKeys ? { changeKeys } : {}),
        pending: true,
        changedAt: new Date(event.time),
      };
      const unset = Object.fromEntries(
        OPTIONAL_KEYS.filter((k) => task[k] === undefined).map((k) => [k, 1 as const]),
      );
      const res = await guarded(id, expectedVersion, () =>
        tasks.updateOne(live(owner, id, expectedVersion), {
          $set: set,
          ...(Object.keys(unset).length ? { $unset: unset } : {}),
          $push: { outbox: event },
        }),
      );
      return res?.matchedCount === 1;
    },
    async changeKeys(owner, id) {
      const doc = await tasks.findOne(
        { _id: id },
        { projection: { owner: 1, deleted: 1, version: 1, changeKeys: 1 } },
      );
      return doc && doc.owner === owner && !doc.deleted
        ? { version: doc.version, keys: doc.changeKeys ?? [] }
        : null;
    },
    async deleteTask(owner, id, expectedVersion, event) {
      const res = await guarded(id, expectedVersion, () =>
        tasks.updateOne(live(owner, id, expectedVersion), {
          $set: { deleted: true, version: event.version, pending: true, changedAt: new Date(event.time) },
          $push: { outbox: event },
        }),
      );
      return res?.matchedCount === 1;
    },
    async usage(owner) {
      const [tasksKept, withReminders] = await Promise.all([
        tasks.countDocuments({ owner, deleted: false }),
        tasks
          .find(
            { owner, deleted: false, status: 'open', hasReminders: true },
            { projection: { reminders: 1 } },
          )
          .toArray(),
      ]);
      return { tasks: tasksKept, reminders: withReminders.reduce((n, d) => n + d.reminders.length, 0) };
    },
    async tagCounts(owner) {
      const rows = await tasks
        .aggregate<{ _id: string; count: number }>([
          { $match: { owner, deleted: false } },
          { $unwind: '$tags' },
          { $group: { _id: '$tags', count: { $sum: 1 } } },
          { $sort: { count: -1, _id: 1 } },
        ])
        .toArray();
      return rows.map((r) => ({ tag: r._id, count: r.count }));
    },
    liveTasks(after, limit) {
      // The same tasks as sqlite.ts's LIVE.
      return inIdOrder(
        { status: 'open', deleted: false, $or: [{ hasReminders: true }, { seriesId: { $exists: true } }] },
        after,
        limit,
      );
    },
    everyTask(after, limit) {
      return inIdOrder({ deleted: false }, after, limit);
    },
    async seriesHeads(owner, seriesId) {
      const instances = await tasks
        .find(
          { owner, seriesId: seriesId ?? { $exists: true } },
          { projection: { seriesId: 1, occurrence: 1, deleted: 1 } },
        )
        .toArray();
      const ids = headIds(
        instances.map((d) => ({
          id: d._id,
          seriesId: d.seriesId!,
          occurrence: d.occurrence ?? '',
          deleted: d.deleted,
        })),
      );
      if (ids.length === 0) return [];
      const heads = await tasks.find({ _id: { $in: ids }, deleted: false }, { projection: TASK_PROJECTION });
      return (await heads.toArray()).map(toTask);
    },

    async purgeIdempotency(before) {
      const keyed = { idempotencyKey: { $exists: true }, createdAt: { $lt: before } };
      /** Each matching task once, a page at a time in order of id (what stays is not met again). */
      async function* each<K extends keyof TaskDoc>(filter: Filter<TaskDoc>, fields: K[]) {
        const projection = Object.fromEntries(fields.map((f) => [f, 1]));
        for (let after = ''; ;) {
          const page = await tasks
            .find({ ...filter, _id: { $gt: after } }, { projection })
            .sort({ _id: 1 })
            .limit(PURGE_PAGE)
            .toArray();
          yield* page as Pick<TaskDoc, '_id' | K>[];
          if (page.length < PURGE_PAGE) return;
          after = page.at(-1)!._id;
        }
      }
      let purged = 0;
      const deleted = { deleted: true, pending: false, ...keyed };
      for await (const doc of each(deleted, ['owner', 'seriesId', 'occurrence', 'version'])) {
        if (doc.seriesId !== undefined) {
          const instances = await tasks
            .find({ owner: doc.owner, seriesId: doc.seriesId }, { projection: { occurrence: 1, deleted: 1 } })
            .toArray();
          const [newest] = newestInstances(
            instances.map((d) => ({
              id: d._id,
              seriesId: doc.seriesId!,
              occurrence: d.occurrence ?? '',
              deleted: d.deleted,
            })),
          );
          if (newest?.id === doc._id) continue;
        }
        // A deleted task is written only by markSent, under its version's claim: take it too.
        const res = await guarded(doc._id, doc.version, () =>
          tasks.deleteOne({ _id: doc._id, version: doc.version, deleted: true, pending: false }),
        );
        purged += res?.deletedCount ?? 0;
      }
      let forgotten = 0;
      for await (const doc of each({ deleted: false, seriesId: { $exists: false }, ...keyed }, ['version'])) {
        // Under the version's claim: on FerretDB an unguarded update could write a stale document back
        // over a change landing at the same moment. A task that changed meanwhile keeps its key until
        // the next sweep.
        const res = await guarded(doc._id, doc.version, () =>
          tasks.updateOne({ _id: doc._id, version: doc.version }, { $unset: { idempotencyKey: 1 } }),
        );
        forgotten += res?.modifiedCount ?? 0;
      }
      return { purged, forgotten };
    },

    async pendingEvents(limit) {
      const docs = await tasks
        .find({ pending: true }, { projection: { outbox: 1, outboxSent: 1 } })
        .sort({ changedAt: 1 })
        .limit(limit)
        .toArray();
      return docs
        .map((d) => ({ taskId: d._id, events: d.outbox.filter((e) => e.version > d.outboxSent) }))
        .filter((b) => b.events.length > 0)
        .map((b) => ({ ...b, version: Math.max(...b.events.map((e) => e.version)) }));
    },
    async markSent(taskId, version) {
      // Under the claim of the task's current version, like every write of a task: a change that lands
      // meanwhile waits for it, and what it leaves in the outbox stays (FerretDB ignores a $pull with a
      // condition, so the events still to send are written back as they are).
      for (;;) {
        const head = await tasks.findOne({ _id: taskId }, { projection: { version: 1 } });
        if (!head) return;
        const done = await guarded(taskId, head.version, async () => {
          const doc = await tasks.findOne(
            { _id: taskId },
            { projection: { version: 1, deleted: 1, idempotencyKey: 1, outbox: 1, outboxSent: 1 } },
          );
          if (doc?.version !== head.version) return false;
          const unchanged = { _id: taskId, version: doc.version };
          // Everything is out: drop a deleted task (unless its idempotency key must keep answering).
          if (doc.version <= version && doc.deleted && doc.idempotencyKey === undefined) {
            await tasks.deleteOne(unchanged);
            return true;
          }
          const outbox = doc.outbox.filter((e) => e.version > version);
          await tasks.updateOne(unchanged, {
            $set: { outbox, outboxSent: Math.max(doc.outboxSent, version), pending: outbox.length > 0 },
          });
          return true;
        });
        if (done) return;
      }
    },

    async lease(name, holder, now, ttlMs) {
      const until = new Date(now.getTime() + ttlMs);
      const [top] = await leases.find({ name }).sort({ term: -1 }).limit(1).toArray();
      if (top && top.until > now) {
        if (top.holder !== holder) return false;
        // Only the holder writes its own term; a taker inserts the next one.
        await leases.updateOne({ _id: top._id }, { $set: { until } });
        return true;
      }
      // Free, or run out: the next term goes to whoever inserts it first (a unique _id; see guarded).
      const term = (top?.term ?? 0) + 1;
      try {
        await leases.insertOne({ _id: `${name}#${term}`, name, term, holder, until });
      } catch (err) {
        if (err instanceof MongoServerError && err.code === 11000) return false;
        throw err;
      }
      await leases.deleteMany({ name, term: { $lt: term } });
      return true;
    },

    async recordActivity(owner, { eventId, ...entry }) {
      try {
        await activity.insertOne({ _id: eventId, owner, ...entry });
        return true;
      } catch (err) {
        if (err instanceof MongoServerError && err.code === 11000) return false;
        throw err;
      }
    },
    async listActivity(owner, taskId) {
      const docs = await activity.find({ owner, taskId }).sort({ version: 1, _id: 1 }).toArray();
      return docs.map(({ _id, owner: _o, ...entry }) => ({ eventId: _id, ...entry }));
    },

    async ping() {
      await db.command({ ping: 1 });
    },
    async close() {
      await client.close();
    },
  };
}
