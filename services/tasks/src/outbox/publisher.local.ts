import { metrics } from '@todo/server';
import type { ActivityConsumer } from '../activity/consumer.ts';
import type { EventPublisher } from './relay.ts';

/**
 * The embedded profile's broker: hands each event straight to the in-process consumers. A consumer that
 * asks for redelivery fails the publish, so the relay keeps the event and tries again later.
 */
export function createLocalPublisher(consumers: ActivityConsumer[]): EventPublisher {
  return {
    async publish(events) {
      for (const e of events) {
        metrics.published('task-events');
        for (const consume of consumers) {
          const outcome = await consume(e);
          metrics.consumed('task-events', outcome);
          if (outcome === 'RETRY') throw new Error(`a consumer asked to retry ${e.type} ${e.id}`);
        }
      }
    },
  };
}
