import { eventBatchConsumer, eventConsumer, metrics } from '@todo/server';
import { NotificationEvent, type Clock } from '@todo/core';
import type { Logger } from 'pino';
import type { NewEntry, NotificationStore, Webhook } from '../store/store.ts';
import type { StreamHub } from '../stream/hub.ts';
import type { WebhookDispatcher } from '../webhooks/dispatcher.ts';
import { newNotification } from './notification.ts';

/**
 * Consumes reminder and due events: records each once (by event id) in its owner's inbox, queues it for
 * the owner's webhooks, and pushes it to the owner's open streams. A redelivered event changes nothing.
 * `consume` takes one event (a delivery, or the embedded profile's bus), `consumeMany` a bulk delivery,
 * recorded in a few writes instead of several per event.
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
  async function record(events: NotificationEvent[]): Promise<void> {
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
    recorded.forEach((n, i) => {
      if (n) {
        metrics.late(n.kind, 'inbox', n.event.time, now.getTime());
        hub.publish(n);
      } else logger.debug({ eventId: events[i]!.id }, 'notifications: duplicate delivery ignored');
    });
    if (entries.some((e) => e.deliveries.length > 0)) dispatcher.wake();
  }
  const options = { schema: NotificationEvent, name: 'notifications', logger };
  return {
    consume: eventConsumer(options, (event) => record([event])),
    consumeMany: eventBatchConsumer(options, record),
  };
}

export type NotificationConsumer = ReturnType<typeof createNotificationConsumer>;
