import type { Delivery } from '@todo/server';
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
  return async function consume(raw: unknown): Promise<Delivery> {
    const parsed = NotificationEvent.safeParse(raw);
    if (!parsed.success) {
      logger.warn(
        { issues: parsed.error.issues.slice(0, 5) },
        'notifications: not a reminder or due event, dropped',
      );
      return 'DROP';
    }
    const event = parsed.data;
    try {
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
      if (recorded) hub.publish(recorded);
      else logger.debug({ eventId: event.id }, 'notifications: duplicate delivery ignored');
      if (deliveries.length) dispatcher.wake();
      return 'SUCCESS';
    } catch (err) {
      logger.warn({ err, eventId: event.id }, 'notifications: store unavailable, asking for redelivery');
      return 'RETRY';
    }
  };
}

export type NotificationConsumer = ReturnType<typeof createNotificationConsumer>;
