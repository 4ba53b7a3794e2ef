import type { ConsumeOutcome } from './dapr.ts';
import { metrics } from './metrics.ts';

/**
 * The embedded profile's broker for one topic: hands each event straight to the in-process consumers, in
 * order. A consumer that asks for redelivery fails the publish, so the publisher keeps the event and tries
 * again later (the outbox relay, a reminder's timer), as it would when Kafka refused it.
 */
export function localBus<E extends { id: string; type: string }>(
  topic: string,
  consumers: readonly ((event: E) => Promise<ConsumeOutcome>)[],
): { publish(events: readonly E[]): Promise<void> } {
  return {
    async publish(events) {
      for (const e of events) {
        metrics.published(topic);
        for (const consume of consumers) {
          const outcome = await consume(e);
          metrics.consumed(topic, outcome);
          if (outcome === 'RETRY') throw new Error(`a consumer asked to retry ${e.type} ${e.id}`);
        }
      }
    },
  };
}
