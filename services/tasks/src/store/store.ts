import type { Position, QueryContext, QueryNode, Sort, Task, TaskEvent } from '@todo/core';

// The sort order is the domain's (search sorts the same way); the stores implement it.
export {
  NATURAL_DIR,
  NO_DUE,
  SORT_KEYS,
  sortTasks,
  sortValue,
  type Position,
  type Sort,
  type SortKey,
} from '@todo/core';

export interface User {
  id: string;
  /** Lower-cased; unique. */
  email: string;
  passwordHash: string;
  tz: string;
  createdAt: string;
}

/** A signed-in browser or client: the token names its id, and it is checked on every use. */
export interface Session {
  id: string;
  owner: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  revokedAt?: string;
  userAgent?: string;
  /**
   * The generation of the session's refresh token (0 for the first, one more per rotation) and the
   * SHA-256 of the live one: the token itself is never stored. Absent on sessions made before refresh.
   */
  refreshGen?: number;
  refreshHash?: string;
}

/** One entry of a task's history, recorded from its events by the task history. */
export interface Activity {
  eventId: string;
  taskId: string;
  type: TaskEvent['type'];
  version: number;
  time: string;
  changed?: string[];
}

export interface ListOptions {
  filter: QueryNode | null;
  ctx: QueryContext;
  sort: Sort;
  after?: Position;
  limit: number;
}

/**
 * The unsent events of one task. Each change writes exactly one event whose `version` is the task's
 * version after the change, so a version number doubles as the outbox sequence number.
 */
export interface PendingBatch {
  taskId: string;
  /** The version of the newest event in `events`: pass it back to markSent. */
  version: number;
  events: TaskEvent[];
}

/**
 * The task store seam (docs/architecture.md): MongoDB in the stack, SQLite in the embedded profile. Every write is
 * one atomic document write that carries the change and its events (the outbox), so no multi-document
 * transactions are needed. Every task operation is scoped to its owner.
 */
export interface Store {
  createUser(user: User): Promise<void>;
  findUserByEmail(email: string): Promise<User | null>;
  findUserById(id: string): Promise<User | null>;
  /** Changes the owner's zone; answers the user as changed, or null without such a user. */
  setUserZone(id: string, tz: string): Promise<User | null>;

  createSession(session: Session): Promise<void>;
  getSession(id: string): Promise<Session | null>;
  /** Records that the session was used at `at` (callers throttle this). */
  touchSession(id: string, at: string): Promise<void>;
  /** Revokes one of the owner's sessions; false when it is not the owner's or already revoked. */
  revokeSession(owner: string, id: string, at: string): Promise<boolean>;
  /** Revokes every live session of the owner; answers how many. */
  revokeSessions(owner: string, at: string): Promise<number>;
  /** The owner's sessions that are neither revoked nor expired at `now`, most recently used first. */
  listSessions(owner: string, now: string): Promise<Session[]>;
  /**
   * Moves an unrevoked session's refresh token from generation `gen` to `gen + 1`, whose token hashes to
   * `hash`. True for the one call that did, across processes; false when `gen` was used already (the
   * caller holds a token someone else used: reuse) or the session is gone or revoked.
   */
  rotateRefresh(id: string, gen: number, hash: string): Promise<boolean>;

  /** The owner's calendar feed key; `candidate` is stored and answered when the owner has none yet. */
  calendarKey(owner: string, candidate: string): Promise<string>;
  /** Replaces the owner's calendar feed key: the old one stops working. */
  rotateCalendarKey(owner: string, key: string): Promise<void>;
  /** Whose calendar feed a key opens, or null. */
  calendarOwner(key: string): Promise<string | null>;

  /**
   * Inserts a task with its created event. With an idempotency key already used by this owner nothing
   * is written and the task created with that key is answered instead; otherwise `task` itself.
   */
  insertTask(
    owner: string,
    zone: string,
    task: Task,
    event: TaskEvent,
    idempotencyKey?: string,
  ): Promise<Task>;
  getTask(owner: string, id: string): Promise<Task | null>;
  listTasks(owner: string, opts: ListOptions): Promise<Task[]>;
  /**
   * Replaces the task if its stored version is still `expectedVersion`; false when it is not (or gone).
   * `changeKeys`, when given, replace the task's keys of its latest keyed changes in the same write.
   */
  replaceTask(
    owner: string,
    zone: string,
    task: Task,
    expectedVersion: number,
    event: TaskEvent,
    changeKeys?: string[],
  ): Promise<boolean>;
  /**
   * The Idempotency-Keys of the task's latest keyed changes and the version they belong to (so a caller
   * can tell they match the task it read); null without such a live task of the owner.
   */
  changeKeys(owner: string, id: string): Promise<{ version: number; keys: string[] } | null>;
  /** Marks the task deleted (its event still waits in the outbox); false when the version moved on. */
  deleteTask(owner: string, id: string, expectedVersion: number, event: TaskEvent): Promise<boolean>;
  /** What the owner keeps, for the quotas: tasks not deleted, and the reminders of open ones. */
  usage(owner: string): Promise<{ tasks: number; reminders: number }>;
  /** Tags of the owner's live tasks with how many tasks carry each, most used first. */
  tagCounts(owner: string): Promise<{ tag: string; count: number }[]>;
  /**
   * The open tasks of every owner that have reminders or belong to a series (those the workflows keep),
   * in order of id after `after`, with the owner's zone ('UTC' without an account).
   */
  liveTasks(after: string | undefined, limit: number): Promise<LiveTask[]>;
  /** Every owner's tasks that are not deleted, in order of id after `after`, with the owner's zone. */
  everyTask(after: string | undefined, limit: number): Promise<LiveTask[]>;
  /**
   * The instance that drives each of the owner's series (or of `seriesId` alone): its newest, whatever its
   * status. A series whose newest instance was deleted has none: deleting it ended the series.
   */
  seriesHeads(owner: string, seriesId?: string): Promise<Task[]>;

  /**
   * Forgets the Idempotency-Keys of creates made before `before` (ISO): a deleted task's row goes once
   * its events are out, except a deleted series instance that is its
   * series' newest (it marks the series ended, decision 0033); a live task keeps its row and loses the
   * key, except a series instance (its key stops a second instance of the same occurrence). Answers how
   * many rows went and how many keys were dropped.
   */
  purgeIdempotency(before: string): Promise<{ purged: number; forgotten: number }>;

  /** Tasks whose outbox holds unsent events, oldest change first. */
  pendingEvents(limit: number): Promise<PendingBatch[]>;
  /**
   * Records that a task's events up to `version` were published. A deleted task is purged once all are,
   * unless it was created with an idempotency key: that key must keep answering the same task.
   */
  markSent(taskId: string, version: number): Promise<void>;

  /**
   * Takes or renews the lease `name` for `holder` until `now` + `ttlMs`: true while it is this holder's.
   * Only one holder has it at a time, across processes, unless it lets it lapse (then another takes it);
   * the outbox relay publishes only while it holds 'outbox-relay'.
   */
  lease(name: string, holder: string, now: Date, ttlMs: number): Promise<boolean>;

  /** Records an event in its task's history; false when that event was already recorded. */
  recordActivity(owner: string, entry: Activity): Promise<boolean>;
  /** A task's history, oldest first (kept after the task is deleted). */
  listActivity(owner: string, taskId: string): Promise<Activity[]>;

  ping(): Promise<void>;
  close(): Promise<void>;
}

export class DuplicateEmailError extends Error {}

export interface LiveTask {
  owner: string;
  zone: string;
  task: Task;
}

/** One instance of a series, as seriesHeads weighs it. */
export interface SeriesInstance {
  id: string;
  seriesId: string;
  occurrence: string;
  deleted: boolean;
}

/** The newest instance of each series, deleted or not. */
export function newestInstances(instances: SeriesInstance[]): SeriesInstance[] {
  const newest = new Map<string, SeriesInstance>();
  for (const i of instances) {
    const seen = newest.get(i.seriesId);
    if (!seen || i.occurrence > seen.occurrence || (i.occurrence === seen.occurrence && i.id > seen.id))
      newest.set(i.seriesId, i);
  }
  return [...newest.values()];
}

/** The ids of the newest instance of each series, leaving out series whose newest one was deleted. */
export function headIds(instances: SeriesInstance[]): string[] {
  return newestInstances(instances)
    .filter((i) => !i.deleted)
    .map((i) => i.id);
}
