import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseQuery, type Task, type TaskEvent, type TaskEventType } from '@todo/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DuplicateEmailError,
  sortTasks,
  sortValue,
  SORT_KEYS,
  type Position,
  type Session,
  type Sort,
  type Store,
} from './store.ts';

const ZONE = 'Europe/Berlin';
const ctx = { now: new Date('2026-11-24T10:00:00Z'), zone: ZONE };

function task(title: string, fields: Partial<Task> = {}, minute = 0): Task {
  const at = `2026-11-20T08:${String(minute).padStart(2, '0')}:00.000Z`;
  return {
    id: randomUUID(),
    title,
    status: 'open',
    priority: 'none',
    tags: [],
    reminders: [],
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...fields,
  };
}

function event(type: TaskEventType, owner: string, t: Task): TaskEvent {
  return {
    id: randomUUID(),
    type,
    time: t.updatedAt,
    subject: t.id,
    version: t.version,
    data: { owner, task: t },
  };
}

/**
 * The contract every Store adapter keeps; run against SQLite (unit tier) and a real MongoDB-wire server
 * (integration tier), so the Mongo filter and the in-process predicate must agree. `openOther` opens a
 * second handle on the same data in another process (a second replica): the tests of concurrent writes
 * and of the lease then split their work between the two. Without it both sides use the one handle.
 */
export function storeContract(
  name: string,
  open: () => Promise<Store>,
  openOther?: () => Promise<Store>,
): void {
  describe(`${name} store contract`, () => {
    let store: Store;
    /** The other replica (or the same handle). */
    let other: Store;
    const both = () => [store, other] as const;
    // Owners are fresh per run, so a shared server needs no cleaning.
    const alice = `alice-${randomUUID()}`;
    const bob = `bob-${randomUUID()}`;
    const fixtures = {
      rent: task(
        'Pay rent',
        {
          priority: 'high',
          tags: ['bills'],
          due: { date: '2026-12-01', time: '09:00' },
          reminders: [{ id: 'r1', offset: '-PT1H' }],
          recurrence: { rrule: 'FREQ=MONTHLY;BYMONTHDAY=1', mode: 'schedule' },
        },
        1,
      ),
      milk: task('Buy milk', { priority: 'low', tags: ['shopping'], due: { date: '2026-11-24' } }, 2),
      mom: task(
        'Call mom',
        { priority: 'medium', notes: 'about Christmas', due: { date: '2026-11-23', time: '18:00' } },
        3,
      ),
      dentist: task(
        'dentist',
        { tags: ['health'], status: 'done', completedAt: '2026-11-21T10:00:00.000Z' },
        4,
      ),
      report: task(
        'Write report',
        {
          priority: 'high',
          tags: ['work', 'q4'],
          due: { date: '2026-11-25', time: '08:00', tz: 'America/New_York' },
        },
        5,
      ),
    };
    const all = Object.values(fixtures);
    const titles = (ts: Task[]) => ts.map((t) => t.title).sort();

    beforeAll(async () => {
      store = await open();
      other = openOther ? await openOther() : store;
      for (const t of all) await store.insertTask(alice, ZONE, t, event('task.created', alice, t));
      const bobs = task('Pay rent');
      await store.insertTask(bob, ZONE, bobs, event('task.created', bob, bobs));
    });
    afterAll(async () => {
      if (other !== store) await other?.close();
      await store?.close();
    });

    it('keeps users and refuses a second account for an email', async () => {
      const email = `${randomUUID()}@example.com`;
      const user = { id: randomUUID(), email, passwordHash: 'h', tz: ZONE, createdAt: ctx.now.toISOString() };
      await store.createUser(user);
      expect(await store.findUserByEmail(email)).toEqual(user);
      expect(await store.findUserById(user.id)).toEqual(user);
      expect(await store.findUserById(randomUUID())).toBeNull();
      expect(await store.findUserByEmail(`nobody-${email}`)).toBeNull();
      await expect(store.createUser({ ...user, id: randomUUID() })).rejects.toBeInstanceOf(
        DuplicateEmailError,
      );
    });

    it('reads a task back as written, and only for its owner', async () => {
      expect(await store.getTask(alice, fixtures.rent.id)).toEqual(fixtures.rent);
      expect(await store.getTask(bob, fixtures.rent.id)).toBeNull();
    });

    it.each([
      ['', ['Buy milk', 'Call mom', 'Pay rent', 'Write report', 'dentist']],
      ['status:open', ['Buy milk', 'Call mom', 'Pay rent', 'Write report']],
      ['priority:high', ['Pay rent', 'Write report']],
      ['priority>=medium', ['Call mom', 'Pay rent', 'Write report']],
      ['#bills', ['Pay rent']],
      ['rent', ['Pay rent']],
      ['christmas', ['Call mom']],
      ['"buy MILK"', ['Buy milk']],
      ['due:today', ['Buy milk']],
      ['is:overdue', ['Call mom']],
      ['due:none', ['dentist']],
      ['due<=2026-11-30', ['Buy milk', 'Call mom', 'Write report']],
      ['due:2026-11-24..2026-11-25', ['Buy milk', 'Write report']],
      ['has:reminder', ['Pay rent']],
      ['is:recurring', ['Pay rent']],
      ['-#bills status:open', ['Buy milk', 'Call mom', 'Write report']],
      ['-christmas', ['Buy milk', 'Pay rent', 'Write report', 'dentist']],
      ['priority:high OR #shopping', ['Buy milk', 'Pay rent', 'Write report']],
      ['(#work OR #health) -status:done', ['Write report']],
    ])('lists the query %j', async (q, expected) => {
      const found = await store.listTasks(alice, {
        filter: parseQuery(q),
        ctx,
        sort: { key: 'created', dir: 1 },
        limit: 100,
      });
      expect(titles(found)).toEqual(expected);
    });

    it.each(SORT_KEYS.flatMap((key) => [1, -1].map((dir) => ({ key, dir }) as Sort)))(
      'pages through every task in the order of %j',
      async (sort) => {
        const seen: Task[] = [];
        let after: Position | undefined;
        for (let page = 0; page < 10; page++) {
          const got = await store.listTasks(alice, { filter: null, ctx, sort, after, limit: 2 });
          seen.push(...got);
          const last = got.at(-1);
          if (got.length < 2 || !last) break;
          after = { v: sortValue(last, sort.key, ZONE), id: last.id };
        }
        expect(seen.map((t) => t.id)).toEqual(sortTasks(all, sort, ZONE).map((t) => t.id));
      },
    );

    it('counts tags, most used first', async () => {
      expect(await store.tagCounts(alice)).toEqual([
        { tag: 'bills', count: 1 },
        { tag: 'health', count: 1 },
        { tag: 'q4', count: 1 },
        { tag: 'shopping', count: 1 },
        { tag: 'work', count: 1 },
      ]);
    });

    it('replaces only the expected version, clears removed fields, and refuses other owners', async () => {
      const owner = `carol-${randomUUID()}`;
      const t = task('Draft', { notes: 'old notes', tags: ['x'] });
      await store.insertTask(owner, ZONE, t, event('task.created', owner, t));
      const { notes: _gone, ...rest } = t;
      const v2: Task = { ...rest, title: 'Final', version: 2, updatedAt: '2026-11-24T10:00:00.000Z' };
      expect(await store.replaceTask(bob, ZONE, v2, 1, event('task.updated', bob, v2))).toBe(false);
      expect(await store.replaceTask(owner, ZONE, v2, 1, event('task.updated', owner, v2))).toBe(true);
      expect(await store.getTask(owner, t.id)).toEqual(v2);
      const stale = { ...v2, title: 'Lost', version: 2 };
      expect(await store.replaceTask(owner, ZONE, stale, 1, event('task.updated', owner, stale))).toBe(false);
      expect((await store.getTask(owner, t.id))?.title).toBe('Final');
    });

    it('counts what an owner keeps: tasks not deleted, reminders of open ones', async () => {
      const owner = `uma-${randomUUID()}`;
      expect(await store.usage(owner)).toEqual({ tasks: 0, reminders: 0 });
      const due = { date: '2026-12-01', time: '09:00' };
      const two = [
        { id: 'r1', offset: '-PT1H' },
        { id: 'r2', offset: '-PT5M' },
      ];
      const open = task('open', { due, reminders: two });
      const done = task('done', { status: 'done', due, reminders: [{ id: 'r3', offset: '-PT1H' }] });
      const gone = task('gone', { due, reminders: two });
      for (const t of [open, done, gone])
        await store.insertTask(owner, ZONE, t, event('task.created', owner, t));
      const deleted = { ...gone, version: 2 };
      expect(await store.deleteTask(owner, gone.id, 1, event('task.deleted', owner, deleted))).toBe(true);
      expect(await store.usage(owner)).toEqual({ tasks: 2, reminders: 2 });
    });

    it('keeps the keys of the latest keyed changes with the version they belong to', async () => {
      const owner = `kim-${randomUUID()}`;
      const t = task('Keyed');
      await store.insertTask(owner, ZONE, t, event('task.created', owner, t));
      expect(await store.changeKeys(owner, t.id)).toEqual({ version: 1, keys: [] });
      expect(await store.changeKeys(bob, t.id)).toBeNull();
      const v2: Task = { ...t, title: 'Keyed twice', version: 2 };
      expect(await store.replaceTask(owner, ZONE, v2, 1, event('task.updated', owner, v2), ['a'])).toBe(true);
      expect(await store.changeKeys(owner, t.id)).toEqual({ version: 2, keys: ['a'] });
      // A change without keys leaves them as they were; a refused one writes none.
      const v3: Task = { ...v2, title: 'Unkeyed', version: 3 };
      expect(await store.replaceTask(owner, ZONE, v3, 2, event('task.updated', owner, v3))).toBe(true);
      const lost: Task = { ...v2, version: 3 };
      expect(await store.replaceTask(owner, ZONE, lost, 2, event('task.updated', owner, lost), ['b'])).toBe(
        false,
      );
      expect(await store.changeKeys(owner, t.id)).toEqual({ version: 3, keys: ['a'] });
      expect(await store.getTask(owner, t.id)).toEqual(v3);
    });

    it('keeps each change in the outbox until it is marked sent, then purges a deleted task', async () => {
      const owner = `dave-${randomUUID()}`;
      const t = task('Outboxed');
      const v2 = { ...t, title: 'Outboxed 2', version: 2 };
      const created = event('task.created', owner, t);
      const updated = event('task.updated', owner, v2);
      await store.insertTask(owner, ZONE, t, created);
      await store.replaceTask(owner, ZONE, v2, 1, updated);
      const mine = async () => (await store.pendingEvents(10_000)).find((b) => b.taskId === t.id);
      expect(await mine()).toEqual({ taskId: t.id, version: 2, events: [created, updated] });

      // A change that lands after the relay read its batch stays pending after markSent.
      const deleted = event('task.deleted', owner, { ...v2, version: 3 });
      expect(await store.deleteTask(owner, t.id, 2, deleted)).toBe(true);
      await store.markSent(t.id, 2);
      expect(await mine()).toEqual({ taskId: t.id, version: 3, events: [deleted] });
      expect(await store.getTask(owner, t.id)).toBeNull();
      expect(
        await store.listTasks(owner, { filter: null, ctx, sort: { key: 'due', dir: 1 }, limit: 10 }),
      ).toEqual([]);

      await store.markSent(t.id, 3);
      expect(await mine()).toBeUndefined();
      // Purged: a late delete of the same version finds nothing.
      expect(await store.deleteTask(owner, t.id, 2, deleted)).toBe(false);
    });

    it('forgets idempotency keys past their retention: purges deleted rows, drops live keys, keeps series ends', async () => {
      const owner = `ivy-${randomUUID()}`;
      const before = '2026-11-21T00:00:00.000Z';
      const fresh = { createdAt: '2026-11-22T08:00:00.000Z', updatedAt: '2026-11-22T08:00:00.000Z' };
      const insert = (t: Task, key: string) =>
        store.insertTask(owner, ZONE, t, event('task.created', owner, t), key);
      const remove = async (t: Task, sent = true) => {
        expect(
          await store.deleteTask(owner, t.id, 1, event('task.deleted', owner, { ...t, version: 2 })),
        ).toBe(true);
        if (sent) await store.markSent(t.id, 2);
      };
      /** Whether `key` still answers `t`: a create with it makes nothing new. */
      const answers = async (key: string, t: Task) => {
        const probe = task(`Probe ${key}`, fresh);
        const got = await store.insertTask(owner, ZONE, probe, event('task.created', owner, probe), key);
        return got.id === t.id;
      };
      const recurrence = { rrule: 'FREQ=DAILY', mode: 'schedule' as const };
      const instance = (occurrence: string) =>
        task('Daily', { seriesId: `S-${owner}`, occurrence, due: { date: occurrence }, recurrence });

      const oldDeleted = task('Old, deleted');
      const oldUnsent = task('Old, deleted, events not out');
      const newDeleted = task('New, deleted', fresh);
      const oldLive = task('Old, live');
      const newLive = task('New, live', fresh);
      const [s1, s2, s3] = [instance('2026-11-18'), instance('2026-11-19'), instance('2026-11-20')];
      const keyed: [Task, string][] = [
        [oldDeleted, 'k-old-deleted'],
        [oldUnsent, 'k-old-unsent'],
        [newDeleted, 'k-new-deleted'],
        [oldLive, 'k-old-live'],
        [newLive, 'k-new-live'],
        [s1, 'k-s1'],
        [s2, 'k-s2'],
        [s3, 'k-s3'],
      ];
      for (const [t, key] of keyed) await insert(t, key);
      for (const t of [s1, s2, s3]) await store.markSent(t.id, 1);
      await remove(oldDeleted);
      await remove(oldUnsent, false);
      await remove(newDeleted);
      // s1 is deleted with newer instances after it; s3, the newest, is deleted: the series ended.
      await remove(s1);
      await remove(s3);

      const swept = await store.purgeIdempotency(before);
      expect(swept.purged).toBeGreaterThanOrEqual(2);
      expect(swept.forgotten).toBeGreaterThanOrEqual(1);
      // Purged: the key is free again.
      expect(await answers('k-old-deleted', oldDeleted)).toBe(false);
      expect(await answers('k-s1', s1)).toBe(false);
      // Dropped from the live task, which stays as it was.
      expect(await answers('k-old-live', oldLive)).toBe(false);
      expect(await store.getTask(owner, oldLive.id)).toEqual(oldLive);
      // Kept: within retention, events still to send, a series instance, the deleted end of a series.
      expect(await answers('k-new-deleted', newDeleted)).toBe(true);
      expect(await answers('k-new-live', newLive)).toBe(true);
      expect(await answers('k-old-unsent', oldUnsent)).toBe(true);
      expect(await answers('k-s2', s2)).toBe(true);
      expect(await answers('k-s3', s3)).toBe(true);
      expect(await store.seriesHeads(owner, `S-${owner}`)).toEqual([]);
      // Once its events are out the unsent one goes too, with the next sweep.
      await store.markSent(oldUnsent.id, 2);
      await store.purgeIdempotency(before);
      expect(await answers('k-old-unsent', oldUnsent)).toBe(false);
    });

    it('rotates a refresh token once per generation, across replicas, and never for a revoked session', async () => {
      const owner = `jo-${randomUUID()}`;
      const s: Session = {
        id: randomUUID(),
        owner,
        createdAt: '2026-11-24T10:00:00.000Z',
        lastSeenAt: '2026-11-24T10:00:00.000Z',
        expiresAt: '2026-12-24T10:00:00.000Z',
        refreshGen: 0,
        refreshHash: 'hash-0',
      };
      await store.createSession(s);
      expect(await store.getSession(s.id)).toEqual(s);
      // Both replicas try generation 0 at once: one wins.
      const raced = await Promise.all(both().map((h, i) => h.rotateRefresh(s.id, 0, `hash-1-${i}`)));
      expect(raced.filter(Boolean)).toHaveLength(1);
      const won = (await store.getSession(s.id))!;
      expect(won.refreshGen).toBe(1);
      expect(won.refreshHash).toBe(`hash-1-${raced.indexOf(true)}`);
      // An old generation again: refused, nothing changes.
      expect(await other.rotateRefresh(s.id, 0, 'hash-x')).toBe(false);
      expect(await store.rotateRefresh(s.id, 1, 'hash-2')).toBe(true);
      expect(await store.getSession(s.id)).toMatchObject({ refreshGen: 2, refreshHash: 'hash-2' });
      expect(await store.rotateRefresh(randomUUID(), 0, 'hash')).toBe(false);
      await store.revokeSession(owner, s.id, '2026-11-24T11:00:00.000Z');
      expect(await store.rotateRefresh(s.id, 2, 'hash-3')).toBe(false);
      expect(await store.getSession(s.id)).toMatchObject({ refreshGen: 2, refreshHash: 'hash-2' });
    });

    it('lets exactly one of several concurrent changes of the same version win', async () => {
      const owner = `heidi-${randomUUID()}`;
      const t = task('Contended');
      await store.insertTask(owner, ZONE, t, event('task.created', owner, t));
      const attempts = Array.from({ length: 10 }, (_, i) => ({ ...t, title: `writer ${i}`, version: 2 }));
      const results = await Promise.all(
        attempts.map((v2, i) =>
          both()[i % 2]!.replaceTask(owner, ZONE, v2, 1, event('task.updated', owner, v2)),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = attempts[results.indexOf(true)]!;
      expect((await store.getTask(owner, t.id))?.title).toBe(winner.title);
      expect((await other.getTask(owner, t.id))?.title).toBe(winner.title);
    });

    it('loses no change when two replicas change one task over and over, nor its event', async () => {
      const owner = `ivy-${randomUUID()}`;
      const t = task('0');
      await store.insertTask(owner, ZONE, t, event('task.created', owner, t));
      const rounds = 12;
      // Each replica adds one to the title, re-reading after a lost race, as the service does.
      const count = async (s: Store) => {
        for (let done = 0; done < rounds;) {
          const cur = (await s.getTask(owner, t.id))!;
          const next = { ...cur, title: String(Number(cur.title) + 1), version: cur.version + 1 };
          if (await s.replaceTask(owner, ZONE, next, cur.version, event('task.updated', owner, next))) done++;
        }
      };
      // Meanwhile a relay marks what it has seen as sent, as it does between the writes.
      const seen = new Set<number>();
      let writing = true;
      const relay = async () => {
        while (writing) {
          const mine = (await other.pendingEvents(10_000)).find((b) => b.taskId === t.id);
          if (mine) {
            for (const e of mine.events) seen.add(e.version);
            await other.markSent(t.id, mine.version);
          }
          await sleep(1); // a turn of the event loop for the writers (SQLite commits in one)
        }
      };
      const relaying = relay();
      await Promise.all(both().map(count));
      writing = false;
      await relaying;
      const final = await store.getTask(owner, t.id);
      expect(final).toMatchObject({ title: String(2 * rounds), version: 1 + 2 * rounds });
      for (const e of (await store.pendingEvents(10_000)).find((b) => b.taskId === t.id)?.events ?? [])
        seen.add(e.version);
      expect([...seen].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 1 + 2 * rounds }, (_, i) => i + 1),
      );
    });

    it('gives a lease to one holder at a time, renews it for that one, and lets it lapse', async () => {
      const name = `lease-${randomUUID()}`;
      const t0 = new Date('2026-11-24T10:00:00Z');
      const at = (ms: number) => new Date(t0.getTime() + ms);
      const taken = await Promise.all(
        ['a', 'b', 'c', 'd'].map((h, i) => both()[i % 2]!.lease(name, h, t0, 1000)),
      );
      expect(taken.filter(Boolean)).toHaveLength(1);
      const holder = ['a', 'b', 'c', 'd'][taken.indexOf(true)]!;
      const rival = holder === 'a' ? 'b' : 'a';
      expect(await other.lease(name, holder, at(500), 1000)).toBe(true);
      expect(await store.lease(name, rival, at(1200), 1000)).toBe(false);
      // Renewed at 500 until 1500: after that it is anyone's, and the old holder is out.
      expect(await store.lease(name, rival, at(1600), 1000)).toBe(true);
      expect(await other.lease(name, holder, at(1700), 1000)).toBe(false);
      expect(await store.lease(name, rival, at(2000), 1000)).toBe(true);
      expect(await other.lease(`${name}-2`, holder, at(2000), 1000)).toBe(true);
    });

    it('keeps concurrent writes apart: one that fails undoes none of the others', async () => {
      const owner = `erin-${randomUUID()}`;
      const email = `${randomUUID()}@example.com`;
      const user = { id: randomUUID(), email, passwordHash: 'h', tz: ZONE, createdAt: ctx.now.toISOString() };
      await store.createUser(user);
      const ts = Array.from({ length: 20 }, (_, i) => task(`Concurrent ${i}`));
      const results = await Promise.allSettled([
        ...ts.map((t) => store.insertTask(owner, ZONE, t, event('task.created', owner, t))),
        store.createUser({ ...user, id: randomUUID() }),
      ]);
      expect(results.map((r) => r.status)).toEqual([...ts.map(() => 'fulfilled'), 'rejected']);
      const listed = await store.listTasks(owner, {
        filter: null,
        ctx,
        sort: { key: 'title', dir: 1 },
        limit: 100,
      });
      expect(listed).toHaveLength(20);
    });

    it('records each event in its task history once, for its owner only', async () => {
      const taskId = randomUUID();
      const entry = (version: number) => ({
        eventId: randomUUID(),
        taskId,
        type: 'task.updated' as const,
        version,
        time: ctx.now.toISOString(),
        changed: ['title'],
      });
      const [second, first] = [entry(2), entry(1)];
      expect(await store.recordActivity(alice, second)).toBe(true);
      expect(await store.recordActivity(alice, first)).toBe(true);
      expect(await store.recordActivity(alice, second)).toBe(false);
      expect(await store.listActivity(alice, taskId)).toEqual([first, second]);
      expect(await store.listActivity(bob, taskId)).toEqual([]);
    });

    it('creates a task once per idempotency key and owner, and answers the first one on a repeat', async () => {
      const owner = `frank-${randomUUID()}`;
      const first = task('Once');
      const again = task('Once, again');
      expect(await store.insertTask(owner, ZONE, first, event('task.created', owner, first), 'k1')).toEqual(
        first,
      );
      expect(await store.insertTask(owner, ZONE, again, event('task.created', owner, again), 'k1')).toEqual(
        first,
      );
      const other = `grace-${randomUUID()}`;
      expect(await store.insertTask(other, ZONE, again, event('task.created', other, again), 'k1')).toEqual(
        again,
      );
      const plain = [task('No key 1'), task('No key 2')];
      for (const t of plain)
        expect(await store.insertTask(owner, ZONE, t, event('task.created', owner, t))).toEqual(t);
      const listed = await store.listTasks(owner, {
        filter: null,
        ctx,
        sort: { key: 'title', dir: 1 },
        limit: 10,
      });
      expect(listed.map((t) => t.title)).toEqual(['No key 1', 'No key 2', 'Once']);
      const pending = (await store.pendingEvents(10_000)).filter(
        (b) => b.taskId === first.id || b.taskId === again.id,
      );
      expect(pending.map((b) => b.events.length)).toEqual([1, 1]);
    });

    it('pages through the open tasks with reminders or in a series, of every owner, with their zones', async () => {
      const owner = `ivan-${randomUUID()}`;
      await store.createUser({
        id: owner,
        email: `${owner}@example.com`,
        passwordHash: 'h',
        tz: 'America/New_York',
        createdAt: ctx.now.toISOString(),
      });
      const anonymous = `judy-${randomUUID()}`;
      const reminders = [{ id: 'r', at: '2026-12-01T08:00:00Z' }];
      const mine = {
        reminded: task('Reminded', { reminders }),
        instance: task('Instance', {
          seriesId: randomUUID(),
          occurrence: '2026-12-01',
          due: { date: '2026-12-01' },
        }),
        plain: task('Plain'),
        done: task('Done', { reminders, status: 'done' }),
        gone: task('Gone', { reminders }),
        quiet: task('Quiet', { reminders }),
      };
      for (const t of Object.values(mine))
        await store.insertTask(owner, ZONE, t, event('task.created', owner, t));
      const theirs = task('Theirs', { reminders });
      await store.insertTask(anonymous, ZONE, theirs, event('task.created', anonymous, theirs));
      await store.deleteTask(
        owner,
        mine.gone.id,
        1,
        event('task.deleted', owner, { ...mine.gone, version: 2 }),
      );
      const quiet = { ...mine.quiet, reminders: [], version: 2 };
      await store.replaceTask(owner, ZONE, quiet, 1, event('task.updated', owner, quiet));

      const seen: { owner: string; zone: string; task: Task }[] = [];
      let after: string | undefined;
      for (let page = 0; page < 1000; page++) {
        const got = await store.liveTasks(after, 3);
        seen.push(...got);
        if (got.length < 3) break;
        after = got.at(-1)!.task.id;
      }
      const ids = seen.map((i) => i.task.id);
      expect(ids).toEqual([...new Set(ids)].sort());
      expect(
        seen
          .filter((i) => i.owner === owner || i.owner === anonymous)
          .map((i) => [i.owner, i.zone, i.task.title])
          .sort(),
      ).toEqual(
        [
          [owner, 'America/New_York', 'Instance'],
          [owner, 'America/New_York', 'Reminded'],
          [anonymous, 'UTC', 'Theirs'],
        ].sort(),
      );
      expect(seen.find((i) => i.task.id === mine.reminded.id)?.task).toEqual(mine.reminded);

      // everyTask: the same paging over every task that is not deleted (what a search reindex reads).
      const every: { owner: string; zone: string; task: Task }[] = [];
      after = undefined;
      for (let page = 0; page < 10_000; page++) {
        const got = await store.everyTask(after, 7);
        every.push(...got);
        if (got.length < 7) break;
        after = got.at(-1)!.task.id;
      }
      const everyIds = every.map((i) => i.task.id);
      expect(everyIds).toEqual([...new Set(everyIds)].sort());
      expect(
        every
          .filter((i) => i.owner === owner || i.owner === anonymous)
          .map((i) => [i.owner, i.zone, i.task.title])
          .sort(),
      ).toEqual(
        [
          ...['Reminded', 'Instance', 'Plain', 'Done', 'Quiet'].map((t) => [owner, 'America/New_York', t]),
          [anonymous, 'UTC', 'Theirs'],
        ].sort(),
      );
      expect(every.find((i) => i.task.id === quiet.id)?.task).toEqual(quiet);
    });

    it("answers each series' newest instance, and none for a series whose newest was deleted", async () => {
      const owner = `kim-${randomUUID()}`;
      const recurrence = { rrule: 'FREQ=DAILY', mode: 'schedule' as const };
      const instance = (seriesId: string, occurrence: string, fields: Partial<Task> = {}) =>
        task(seriesId, {
          seriesId,
          occurrence,
          due: { date: occurrence.slice(0, 10) },
          recurrence,
          ...fields,
        });
      const a = [instance('A', '2026-11-20', { status: 'done' }), instance('A', '2026-11-21')];
      const b = [instance('B', '2026-11-20T09:00'), instance('B', '2026-11-21T09:00')];
      const { recurrence: _r, ...ended } = instance('C', '2026-11-20');
      for (const t of [...a, b[0]!, ended, task('Plain')])
        await store.insertTask(owner, ZONE, t, event('task.created', owner, t));
      // Instances are made with an idempotency key, which keeps a deleted one after its events went out.
      const b2 = b[1]!;
      await store.insertTask(owner, ZONE, b2, event('task.created', owner, b2), 'B@2026-11-21T09:00');
      await store.deleteTask(owner, b2.id, 1, event('task.deleted', owner, { ...b2, version: 2 }));
      await store.markSent(b2.id, 2);

      const heads = await store.seriesHeads(owner);
      expect(heads.map((t) => t.id).sort()).toEqual([a[1]!.id, ended.id].sort());
      expect(await store.seriesHeads(owner, 'A')).toEqual([a[1]]);
      expect(await store.seriesHeads(owner, 'B')).toEqual([]);
      expect(await store.seriesHeads(bob, 'A')).toEqual([]);
    });

    it("changes an owner's zone", async () => {
      const user = {
        id: randomUUID(),
        email: `${randomUUID()}@example.com`,
        passwordHash: 'h',
        tz: ZONE,
        createdAt: ctx.now.toISOString(),
      };
      await store.createUser(user);
      expect(await store.setUserZone(user.id, 'Asia/Tokyo')).toEqual({ ...user, tz: 'Asia/Tokyo' });
      expect((await store.findUserById(user.id))?.tz).toBe('Asia/Tokyo');
      expect(await store.setUserZone(randomUUID(), 'Asia/Tokyo')).toBeNull();
    });

    it('keeps sessions: touched forward only, revoked one by one or all at once, per owner', async () => {
      const owner = `dora-${randomUUID()}`;
      const other = `erin-${randomUUID()}`;
      const session = (who: string, seen: string, fields: Partial<Session> = {}): Session => ({
        id: randomUUID(),
        owner: who,
        createdAt: '2026-11-24T10:00:00.000Z',
        lastSeenAt: seen,
        expiresAt: '2026-12-24T10:00:00.000Z',
        ...fields,
      });
      const phone = session(owner, '2026-11-24T10:00:00.000Z', { userAgent: 'Phone' });
      const laptop = session(owner, '2026-11-24T11:00:00.000Z');
      const old = session(owner, '2026-10-01T10:00:00.000Z', { expiresAt: '2026-11-01T10:00:00.000Z' });
      const theirs = session(other, '2026-11-24T10:00:00.000Z');
      for (const s of [phone, laptop, old, theirs]) await store.createSession(s);
      expect(await store.getSession(phone.id)).toEqual(phone);
      expect(await store.getSession(randomUUID())).toBeNull();

      await store.touchSession(phone.id, '2026-11-24T12:00:00.000Z');
      await store.touchSession(phone.id, '2026-11-24T11:30:00.000Z');
      expect((await store.getSession(phone.id))?.lastSeenAt).toBe('2026-11-24T12:00:00.000Z');
      const now = '2026-11-24T12:30:00.000Z';
      expect((await store.listSessions(owner, now)).map((s) => s.id)).toEqual([phone.id, laptop.id]);

      expect(await store.revokeSession(other, phone.id, now)).toBe(false);
      expect(await store.revokeSession(owner, phone.id, now)).toBe(true);
      expect(await store.revokeSession(owner, phone.id, now)).toBe(false);
      expect((await store.getSession(phone.id))?.revokedAt).toBe(now);
      expect((await store.listSessions(owner, now)).map((s) => s.id)).toEqual([laptop.id]);

      // The expired one is not live, but revoking everything still marks it.
      expect(await store.revokeSessions(owner, now)).toBe(2);
      expect(await store.listSessions(owner, now)).toEqual([]);
      expect((await store.getSession(laptop.id))?.revokedAt).toBe(now);
      expect((await store.getSession(theirs.id))?.revokedAt).toBeUndefined();
    });

    it('keeps one calendar key per owner, rotated, and finds its owner', async () => {
      const owner = `fay-${randomUUID()}`;
      const first = `k-${randomUUID()}`;
      const [a, b] = await Promise.all([
        store.calendarKey(owner, first),
        store.calendarKey(owner, `k-${randomUUID()}`),
      ]);
      expect(a).toBe(b);
      expect(await store.calendarKey(owner, `k-${randomUUID()}`)).toBe(a);
      expect(await store.calendarOwner(a)).toBe(owner);
      const next = `k-${randomUUID()}`;
      await store.rotateCalendarKey(owner, next);
      expect(await store.calendarOwner(a)).toBeNull();
      expect(await store.calendarOwner(next)).toBe(owner);
      expect(await store.calendarKey(owner, `k-${randomUUID()}`)).toBe(next);
      // Rotating before the first key was made makes one.
      const fresh = `gus-${randomUUID()}`;
      const key = `k-${randomUUID()}`;
      await store.rotateCalendarKey(fresh, key);
      expect(await store.calendarOwner(key)).toBe(fresh);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
