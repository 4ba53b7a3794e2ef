import type { TimerJob } from '@todo/core';

/**
 * The scheduler seam (docs/architecture.md): Dapr Workflow timers in the stack (scheduler.dapr.ts), a durable
 * timer table when embedded (scheduler.embedded.ts).
 * A timer's key is its id (core's `timerId`). `schedule` replaces any timer with the same key; both
 * resolve once the change is durable.
 */
export interface Scheduler {
  schedule(key: string, at: Date, job: TimerJob): Promise<void>;
  cancel(key: string): Promise<void>;
}

/** Runs a due timer's activity; a throw means "failed, try again later". */
export type JobRunner = (job: TimerJob, timer: { key: string; attempts: number }) => Promise<void>;

/** A stored value and the tag of its version, for a conditional write. */
export interface Stored<T> {
  value: T;
  etag: string;
}

export interface PutOptions {
  /** Write only over this version (from `get`); without it, only where there is none yet. */
  etag?: string | undefined;
  /** Forget the value after this long (the records of deleted tasks). */
  ttlSeconds?: number;
}

/**
 * A small durable key-value table beside the timers: the coordinator's memory of what it applied. Writes
 * are conditional (optimistic concurrency): `put` answers false, and writes nothing, when the value was
 * changed (or made, or expired) since the `get` that gave its etag.
 */
export interface StateTable {
  get<T>(key: string): Promise<Stored<T> | undefined>;
  put(key: string, value: unknown, opts?: PutOptions): Promise<boolean>;
}
