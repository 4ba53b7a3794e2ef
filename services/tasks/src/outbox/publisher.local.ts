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
        for (const consume of consumers) {
          if ((await consume(e)) === 'RETRY') throw new Error(`a consumer asked to retry ${e.type} ${e.id}`);
        }
      }
    },
  };
}
