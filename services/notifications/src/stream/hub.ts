import { PassThrough } from 'node:stream';
import { AppError } from '@todo/core';
import { metrics } from '@todo/server';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { view } from '../inbox/notification.ts';
import type { Notification, NotificationStore } from '../store/store.ts';

/** How many missed notifications a reconnecting stream gets back, oldest first. */
export const REPLAY_LIMIT = 200;
/** Open streams per owner (a browser tab each). */
export const STREAMS_PER_OWNER = 20;

interface Client {
  send(n: Notification): void;
  end(): void;
}

/** One SSE frame; `id` is what the browser sends back as Last-Event-ID when it reconnects. */
function frame(n: Notification, id: number): string {
  return `id: ${id}\nevent: ${n.kind}\ndata: ${JSON.stringify(view(n))}\n\n`;
}

/**
 * The owners' open SSE streams in this process. `publish` pushes a new notification to its owner's
 * streams; `open` turns a request into a stream, first replaying what the owner missed since Last-Event-ID.
 */
export function createStreamHub({
  store,
  logger,
  heartbeatMs = 15_000,
  sessionCheckMs = 15_000,
}: {
  store: NotificationStore;
  logger: Logger;
  heartbeatMs?: number;
  /** How often an open stream checks that its session (and token) still holds. */
  sessionCheckMs?: number;
}) {
  const owners = new Map<string, Set<Client>>();

  function publish(n: Notification): void {
    for (const client of owners.get(n.owner) ?? []) client.send(n);
  }

  /**
   * Turns the request into `owner`'s stream. With `alive`, the stream is checked every sessionCheckMs and
   * ends (after an `event: session-ended` frame) once its session was revoked or its token expired.
   */
  async function open(
    ctx: Context,
    owner: string,
    lastEventId: number | undefined,
    alive?: () => Promise<boolean>,
  ): Promise<void> {
    const mine = owners.get(owner) ?? new Set<Client>();
    if (mine.size >= STREAMS_PER_OWNER) {
      throw new AppError('TOO_MANY_STREAMS', 429, `at most ${STREAMS_PER_OWNER} open streams per user`);
    }
    const stream = new PassThrough();
    // Live notifications that arrive while the replay is read wait here, so none is lost or sent twice.
    let held: Notification[] | null = [];
    const replayed = new Set<number>();
    // Concurrent inserts can commit out of seq order, so live ones are never filtered by seq; the id sent
    // is the highest seq this stream has carried, so a reconnect never replays what it already showed.
    let lastId = lastEventId ?? 0;
    const put = (text: string) => {
      if (!stream.writableEnded) stream.write(text);
    };
    const write = (n: Notification) => {
      lastId = Math.max(lastId, n.seq);
      put(frame(n, lastId));
    };
    // A replayed notification is not late by the reminder's doing; only live pushes are measured.
    const live = (n: Notification) => {
      write(n);
      metrics.late(n.kind, 'sse', n.event.time);
    };
    const heartbeat = setInterval(() => put(': heartbeat\n\n'), heartbeatMs);
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
              if (ok || stream.writableEnded) return;
              logger.debug({ owner }, 'stream ended with its session');
              put('event: session-ended\ndata: {}\n\n');
              client.end();
            });
        }, sessionCheckMs)
      : undefined;
    check?.unref();
    const client: Client = {
      send: (n) => (held ? held.push(n) : live(n)),
      end: () => {
        stream.end();
        ctx.req.socket.end();
      },
    };
    mine.add(client);
    owners.set(owner, mine);
    metrics.streamOpened();
    let closed = false;
    const cleanup = () => {
      if (!closed) metrics.streamClosed();
      closed = true;
      clearInterval(heartbeat);
      clearInterval(check);
      mine.delete(client);
      if (mine.size === 0 && owners.get(owner) === mine) owners.delete(owner);
      stream.end();
    };
    // The response closes only when the connection does (the client left, or we ended the stream).
    ctx.res.once('close', cleanup);

    try {
      // An EventSource reconnects after `retry` ms and sends the last id it saw as Last-Event-ID.
      put(': connected\nretry: 3000\n\n');
      if (lastEventId !== undefined) {
        const missed = await store.listNotifications(owner, {
          after: lastEventId,
          order: 'oldest',
          limit: REPLAY_LIMIT,
        });
        for (const n of missed) {
          replayed.add(n.seq);
          write(n);
        }
      }
    } catch (err) {
      cleanup();
      throw err;
    }
    const waiting = held;
    held = null;
    waiting
      .filter((n) => !replayed.has(n.seq))
      .sort((a, b) => a.seq - b.seq)
      .forEach(live);

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
    streams: (owner: string) => owners.get(owner)?.size ?? 0,
    /** Ends every stream (at shutdown, so the server can close). */
    close(): void {
      for (const clients of owners.values()) for (const c of clients) c.end();
      owners.clear();
    },
  };
}

export type StreamHub = ReturnType<typeof createStreamHub>;
