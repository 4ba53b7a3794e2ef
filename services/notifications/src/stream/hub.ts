import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { AppError } from '@todo/core';
import { inSyncSpan, metrics } from '@todo/server';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { view } from '../inbox/notification.ts';
import type { Notification, NotificationStore } from '../store/store.ts';

/** How many notifications a stream reads from the store at once; a full page is followed by `event: more`. */
export const REPLAY_LIMIT = 200;
/** Open streams per owner (a browser tab each). */
export const STREAMS_PER_OWNER = 20;
/** Notifications this replica recorded, kept per owner with open streams here so they need no store read. */
export const RECENT_KEPT = 1_000;

interface Client {
  /** Something new may be in the owner's inbox: read it. */
  wake(): void;
  end(): void;
}

interface Owner {
  clients: Set<Client>;
  /** The highest seq this replica knows the owner has (what the store poll compares with). */
  known: number;
  /** What this replica recorded for the owner lately, by seq (the newest RECENT_KEPT). */
  recent: Map<number, Notification>;
}

/** One SSE frame; `id` (the notification's seq) is what the browser sends back as Last-Event-ID. */
function frame(n: Notification): string {
  return `id: ${n.seq}\nevent: ${n.kind}\ndata: ${JSON.stringify(view(n))}\n\n`;
}

/**
 * The owners' open SSE streams in this process. Each stream sends its owner's notifications in seq order
 * from the last seq it sent: seqs commit in order (store.ts), so nothing is skipped or sent twice. In a
 * gapless store the next seq is taken from what this replica recorded itself when it is at hand (`publish`
 * keeps it), else read from the store, and the store is read only while a newer seq is known: on
 * FerretDB a read of the inbox scans the whole collection (no range or sort pushdown), and a stream read
 * it once per recorded batch before (decision 0041). What wakes a stream: `publish` (this replica
 * recorded a notification), and a poll of the store every `pollMs` for the owners with open streams here
 * (another replica recorded it: Kafka gives each event to one replica only).
 */
export function createStreamHub({
  store,
  logger,
  heartbeatMs = 15_000,
  sessionCheckMs = 15_000,
  pollMs = 1_000,
}: {
  store: NotificationStore;
  logger: Logger;
  heartbeatMs?: number;
  /** How often an open stream checks that its session (and token) still holds. */
  sessionCheckMs?: number;
  /** How often the store is asked whether another replica recorded something for an owner streamed here. */
  pollMs?: number;
}) {
  const owners = new Map<string, Owner>();

  function wakeOwner(owner: string, seq: number): void {
    const o = owners.get(owner);
    if (!o) return;
    o.known = Math.max(o.known, seq);
    for (const client of o.clients) client.wake();
  }

  let polling = false;
  const poller = setInterval(() => {
    if (polling || owners.size === 0) return;
    polling = true;
    store
      .newestSeqs([...owners.keys()])
      .then((newest) => {
        for (const [owner, seq] of newest) if (seq > (owners.get(owner)?.known ?? seq)) wakeOwner(owner, seq);
      })
      .catch((err: unknown) => logger.warn({ err }, 'streams: could not poll the store'))
      .finally(() => (polling = false));
  }, pollMs);
  poller.unref();

  /** A notification this replica recorded: its owner's streams here send it now. */
  function publish(n: Notification): void {
    const o = owners.get(n.owner);
    if (!o) return;
    if (store.gapless) o.recent.set(n.seq, n);
    // A Map iterates in insertion order, which is nearly seq order: the first key is the oldest kept.
    if (o.recent.size > RECENT_KEPT) o.recent.delete(o.recent.keys().next().value!);
    wakeOwner(n.owner, n.seq);
  }

  /**
   * Turns the request into `owner`'s stream: what the owner missed since Last-Event-ID first (all of it,
   * a page at a time), then what comes. With `alive`, the stream is checked every sessionCheckMs and ends
   * after an `event: session-ended` frame once its session was revoked (false), or after `event:
   * token-expired` once only its access token ran out ('expired'): an EventSource then reconnects by
   * itself, and the web app refreshes the session on the way (the stream resumes from Last-Event-ID).
   */
  async function open(
    ctx: Context,
    owner: string,
    lastEventId: number | undefined,
    alive?: () => Promise<boolean | 'expired'>,
  ): Promise<void> {
    const refuseOverLimit = () => {
      if ((owners.get(owner)?.clients.size ?? 0) >= STREAMS_PER_OWNER)
        throw new AppError('TOO_MANY_STREAMS', 429, `at most ${STREAMS_PER_OWNER} open streams per user`);
    };
    refuseOverLimit();
    // Without Last-Event-ID the stream starts at what is there now; read before joining, so what commits
    // in between is read by the first pump.
    const newest = (await store.newestSeqs([owner])).get(owner) ?? 0;
    let lastId = lastEventId ?? newest;
    refuseOverLimit();
    const mine = owners.get(owner) ?? { clients: new Set<Client>(), known: newest, recent: new Map() };
    mine.known = Math.max(mine.known, newest);

    const stream = new PassThrough();
    const put = (text: string): boolean => (stream.writableEnded ? false : stream.write(text));

    const send = (n: Notification) => {
      // A pump that a recorded notification woke runs in its delivery's trace: the last hop.
      inSyncSpan('notification sse write', () => put(frame(n)));
      lastId = n.seq;
      // What was there when the stream opened is a replay, not late by the reminder's doing; only live
      // pushes are measured.
      if (n.seq > newest) metrics.late(n.kind, 'sse', n.event.time);
    };

    // One reader per stream: a wake while it reads makes it read once more when done.
    let reading = false;
    let again = false;
    async function pump(): Promise<void> {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          for (;;) {
            // Backpressure: a client that reads slowly is sent the next page only once it took the last.
            if (stream.writableNeedDrain) await once(stream, 'drain');
            if (stream.writableEnded) return;
            let sent = 0;
            for (
              let n = mine.recent.get(lastId + 1);
              n && sent < REPLAY_LIMIT;
              n = mine.recent.get(lastId + 1)
            ) {
              send(n);
              sent++;
            }
            if (sent === REPLAY_LIMIT) continue;
            if (lastId >= mine.known) break;
            const page = await store.listNotifications(owner, {
              after: lastId,
              order: 'oldest',
              limit: REPLAY_LIMIT,
            });
            page.forEach(send);
            if (page.length < REPLAY_LIMIT) break;
            // A long backlog: the client learns that more follows (to sum it up rather than toast each).
            put(`event: more\ndata: ${JSON.stringify({ after: String(lastId) })}\n\n`);
          }
        } while (again && !stream.writableEnded);
      } finally {
        reading = false;
      }
    }
    const wake = () =>
      void pump().catch((err: unknown) => {
        // The next wake (or the poll) reads again from the same place: nothing is lost.
        logger.warn({ err, owner }, 'streams: could not read the inbox');
      });

    const heartbeat = setInterval(() => {
      if (!stream.writableNeedDrain) put(': heartbeat\n\n');
    }, heartbeatMs);
    heartbeat.unref();
    let checking = false;
    const check = alive
      ? setInterval(() => {
          if (checking) return;
          checking = true;
          void alive()
            .catch(() => true) // a store that does not answer now is no proof the session ended
            .then((ok) => {
              checking = false;
              if (ok === true || stream.writableEnded) return;
              logger.debug({ owner, ok }, 'stream ended with its session or token');
              put(`event: ${ok === 'expired' ? 'token-expired' : 'session-ended'}\ndata: {}\n\n`);
              // An expired token: the response ends whole (its last chunk), so the browser reconnects
              // without reporting a broken transfer.
              if (ok === 'expired') stream.end();
              else client.end();
            });
        }, sessionCheckMs)
      : undefined;
    check?.unref();
    const client: Client = {
      wake,
      end: () => {
        stream.end();
        ctx.req.socket.end();
      },
    };
    mine.clients.add(client);
    owners.set(owner, mine);
    metrics.streamOpened();
    let closed = false;
    const cleanup = () => {
      if (!closed) metrics.streamClosed();
      closed = true;
      clearInterval(heartbeat);
      clearInterval(check);
      mine.clients.delete(client);
      if (mine.clients.size === 0 && owners.get(owner) === mine) owners.delete(owner);
      stream.end();
      // A pump waiting for 'drain' would wait forever.
      stream.emit('drain');
    };
    // The response closes only when the connection does (the client left, or we ended the stream).
    ctx.res.once('close', cleanup);

    // An EventSource reconnects after `retry` ms and sends the last id it saw as Last-Event-ID.
    put(': connected\nretry: 3000\n\n');
    wake();

    ctx.req.socket.setNoDelay(true);
    ctx.req.socket.setKeepAlive(true);
    ctx.status = 200;
    ctx.type = 'text/event-stream';
    ctx.set('Cache-Control', 'no-cache, no-transform');
    ctx.set('X-Accel-Buffering', 'no');
    ctx.body = stream;
    logger.debug({ owner, lastEventId }, 'stream opened');
  }

  return {
    publish,
    open,
    /** How many streams the owner has open here. */
    streams: (owner: string) => owners.get(owner)?.clients.size ?? 0,
    /** Ends every stream (at shutdown, so the server can close). */
    close(): void {
      clearInterval(poller);
      for (const o of owners.values()) for (const c of o.clients) c.end();
      owners.clear();
    },
  };
}

export type StreamHub = ReturnType<typeof createStreamHub>;
