import type { NotificationEvent } from '@todo/core';

/** One entry of an owner's inbox, made from one reminder or due event (its id is the event id). */
export interface Notification {
  id: string;
  owner: string;
  /**
   * Position in its owner's inbox, in commit order: a notification with a higher seq was committed after
   * every one with a lower seq of the same owner, so a reader that has seen up to n never gets one at or
   * below n later. The SSE event id and what cursors carry.
   */
  seq: number;
  /** The SSE event name: `reminder` for reminder.due, `due` for task.due. */
  kind: 'reminder' | 'due';
  event: NotificationEvent;
  /** When this service recorded it. */
  receivedAt: string;
  readAt?: string;
}

/** A notification before the store gives it its place. */
export type NewNotification = Omit<Notification, 'seq' | 'readAt'>;

/** One event to record: its notification and its webhook deliveries. */
export interface NewEntry {
  notification: NewNotification;
  deliveries: NewDelivery[];
}

export interface Webhook {
  id: string;
  owner: string;
  url: string;
  /** The HMAC key; shown to the owner once, when the webhook is made. */
  secret: string;
  createdAt: string;
}

/** One try at delivering to a webhook. */
export interface Attempt {
  at: string;
  /** The endpoint's HTTP status, when it answered. */
  status?: number;
  /** Why it failed without an answer (timeout, refused connection). */
  error?: string;
  ms: number;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A notification on its way to one webhook: the durable queue entry and its log in one record. */
export interface Delivery {
  /** `<event id>:<webhook id>`, so recording an event twice enqueues it once. */
  id: string;
  webhookId: string;
  owner: string;
  eventId: string;
  /** The exact bytes that are signed and sent. */
  body: string;
  status: DeliveryStatus;
  attempts: number;
  /**
   * The tries made before the current round of the retry schedule (0; a redelivery starts a new round at
   * the tries made so far).
   */
  roundFrom: number;
  /** Epoch ms when it may next be tried (pending), or of its last try. A claim moves it to the lease end. */
  nextAttemptAt: number;
  createdAt: string;
  log: Attempt[];
}

export type NewDelivery = Omit<Delivery, 'status' | 'attempts' | 'roundFrom' | 'log'>;

/** Where a page of the delivery queue ended: the next page starts after it. */
export interface QueuePosition {
  nextAttemptAt: number;
  id: string;
}

export interface InboxQuery {
  unread?: boolean;
  /** Only entries older than this seq (the next page of a newest-first list). */
  before?: number;
  /** Only entries newer than this seq (an SSE replay, oldest first). */
  after?: number;
  order: 'newest' | 'oldest';
  limit: number;
}

/** After a try: still pending (tried again at `nextAttemptAt`), delivered, or given up. */
export type Outcome = { status: 'pending'; nextAttemptAt: number } | { status: 'delivered' | 'failed' };

/**
 * The notifications store seam: MongoDB in the stack, SQLite in the embedded profile. De-duplication is
 * an insert keyed by the event id (no transactions on FerretDB). Every read and write for a user is scoped
 * to its owner; the delivery worker's reads are not (it serves every owner).
 */
export interface NotificationStore {
  /**
   * Each owner's seqs run 1, 2, 3, … with no gap (MongoDB), so a stream that sent n knows n + 1 comes next;
   * false where one sequence runs over all owners (SQLite).
   */
  readonly gapless: boolean;
  /**
   * Records each event's notification and enqueues its webhook deliveries, in few writes (a bulk delivery
   * at once): one answer per entry, in order, null for an event recorded already (or given twice: the
   * second). Deliveries are enqueued before the notifications are written, idempotently, so a crash in
   * between and the broker's redelivery lose none and duplicate none. Each owner's entries take their
   * places in the order given.
   */
  recordNotifications(entries: NewEntry[]): Promise<(Notification | null)[]>;
  listNotifications(owner: string, q: InboxQuery): Promise<Notification[]>;
  /** Each given owner's highest seq (owners with no notification are left out). */
  newestSeqs(owners: string[]): Promise<Map<string, number>>;
  countUnread(owner: string): Promise<number>;
  /** Marks one read (keeps the first read time); null when the owner has no such notification. */
  markRead(owner: string, id: string, at: string): Promise<Notification | null>;
  /** Marks every unread one read; answers how many were. */
  markAllRead(owner: string, at: string): Promise<number>;

  createWebhook(w: Webhook): Promise<void>;
  listWebhooks(owner: string): Promise<Webhook[]>;
  countWebhooks(owner: string): Promise<number>;
  /** Any owner's webhook (for the delivery worker). */
  getWebhook(id: string): Promise<Webhook | null>;
  /** Removes the webhook with its queue and log; false when the owner has no such webhook. */
  deleteWebhook(owner: string, id: string): Promise<boolean>;

  /**
   * Pending deliveries whose time has come, oldest first, leaving out the webhooks in `skip`; with
   * `after`, the page that follows the one that ended there.
   */
  dueDeliveries(now: number, limit: number, skip: string[], after?: QueuePosition): Promise<Delivery[]>;
  /**
   * Takes a due delivery for one try until `leaseUntil`, if it is still as read (`seen` = the
   * nextAttemptAt read); false when another worker holds it. A worker that dies at any point of a claim
   * or a try leaves the delivery to be taken again once the lease has ended (`now` is past it).
   */
  claimDelivery(id: string, seen: number, now: number, leaseUntil: number): Promise<boolean>;
  /**
   * Queues a delivered or failed delivery again, due at `now`, with a fresh round of the retry schedule;
   * null when the owner's webhook has no such delivery, 'pending' when it is queued already.
   */
  redeliver(owner: string, webhookId: string, id: string, now: number): Promise<Delivery | null | 'pending'>;
  /** Appends a try to the log and sets what comes next. */
  recordAttempt(id: string, attempt: Attempt, outcome: Outcome): Promise<void>;
  /** A webhook's deliveries, newest first. */
  listDeliveries(owner: string, webhookId: string, limit: number): Promise<Delivery[]>;

  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Records one event (`recordNotifications` of one entry): its notification, or null if recorded already. */
export async function recordNotification(
  store: Pick<NotificationStore, 'recordNotifications'>,
  notification: NewNotification,
  deliveries: NewDelivery[],
): Promise<Notification | null> {
  const [recorded] = await store.recordNotifications([{ notification, deliveries }]);
  return recorded ?? null;
}
