import { eventConsumer, metrics } from '@todo/server';
import { NotificationEvent, type Clock } from '@todo/core';
import type { Logger } from 'pino';
import type { NewEntry, Notification, NotificationStore, Webhook } from '../store/store.ts';
import type { StreamHub } from '../stream/hub.ts';
import type { WebhookDispatcher } from '../webhooks/dispatcher.ts';
import { newNotification } from './notification.ts';

/**
 * Consumes reminder and due events: records each once (by event id) in its owner's inbox, queues it for
 * the owner's webhooks, and pushes it to the owner's open streams. A redelivered event changes nothing.
 * The events that arrive in one turn (a bulk delivery's entries, consumed all at once) are recorded
 * together, in a few writes instead of several per event; each is then pushed in its own trace.
 */
export function createNotificationConsumer({
  store,
  hub,
  dispatcher,
  clock,
  logger,
}: {
  store: NotificationStore;
  hub: StreamHub;
  dispatcher: WebhookDispatcher;
  clock: Clock;
  logger: Logger;
}) {
  async function record(events: NotificationEvent[]): Promise<(Notification | null)[]> {
    const now = clock.now();
    const owners = [...new Set(events.map((e) => e.data.owner))];
    const hooks = new Map<string, Webhook[]>(
      await Promise.all(owners.map(async (o) => [o, await store.listWebhooks(o)] as const)),
    );
    const entries: NewEntry[] = events.map((event) => {
      const body = JSON.stringify(event);
      return {
        notification: newNotification(event, now),
        deliveries: (hooks.get(event.data.owner) ?? []).map((w) => ({
          id: `${event.id}:${w.id}`,
          webhookId: w.id,
          owner: w.owner,
          eventId: event.id,
          body,
          nextAttemptAt: now.getTime(),
          createdAt: now.toISOString(),
        })),
      };
    });
    const recorded = await store.recordNotifications(entries);
    if (entries.some((e) => e.deliveries.length > 0)) dispatcher.wake();
    return recorded;
  }

  // The events waiting for the next write: every consume in this turn joins it.
  let waiting: { event: NotificationEvent; done: PromiseWithResolvers<Notification | null> }[] = [];
  function flush(): void {
    const batch = waiting;
    waiting = [];
    record(batch.map((w) => w.event)).then(
      (recorded) => batch.forEach((w, i) => w.done.resolve(recorded[i] ?? null)),
      (err: unknown) => batch.forEach((w) => w.done.reject(err)),
    );
  }

  return eventConsumer({ schema: NotificationEvent, name: 'notifications', logger }, async (event) => {
    const done = Promise.withResolvers<Notification | null>();
    if (waiting.push({ event, done }) === 1) setImmediate(flush);
    const recorded = await done.promise;
    if (recorded) {
      metrics.late(recorded.kind, 'inbox', event.time, clock.now().getTime());
      hub.publish(recorded);
    } else logger.debug({ eventId: event.id }, 'notifications: duplicate delivery ignored');
  });
}

export type NotificationConsumer = ReturnType<typeof createNotificationConsumer>;
