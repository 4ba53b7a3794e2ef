import { eventConsumer, metrics } from '@todo/server';
import { NotificationEvent, type Clock } from '@todo/core';
import type { Logger } from 'pino';
import type { NewDelivery, NotificationStore } from '../store/store.ts';
import type { StreamHub } from '../stream/hub.ts';
import type { WebhookDispatcher } from '../webhooks/dispatcher.ts';
import { newNotification } from './notification.ts';

/**
 * Consumes reminder and due events: records each once (by event id) in its owner's inbox, queues it for
 * the owner's webhooks, and pushes it to the owner's open streams. A redelivered event changes nothing.
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
  return eventConsumer({ schema: NotificationEvent, name: 'notifications', logger }, async (event) => {
    const now = clock.now();
    const body = JSON.stringify(event);
    const deliveries: NewDelivery[] = (await store.listWebhooks(event.data.owner)).map((w) => ({
      id: `${event.id}:${w.id}`,
      webhookId: w.id,
      owner: w.owner,
      eventId: event.id,
      body,
      nextAttemptAt: now.getTime(),
      createdAt: now.toISOString(),
    }));
    const recorded = await store.recordNotification(newNotification(event, now), deliveries);
    if (recorded) {
      metrics.late(recorded.kind, 'inbox', event.time, now.getTime());
      hub.publish(recorded);
    } else logger.debug({ eventId: event.id }, 'notifications: duplicate delivery ignored');
    if (deliveries.length) dispatcher.wake();
  });
}

export type NotificationConsumer = ReturnType<typeof createNotificationConsumer>;
