import { publishEvent, type Sidecar } from '@todo/server';
import type { EventPublisher } from './relay.ts';

export interface DaprPublisherOptions {
  sidecar: Sidecar;
  pubsub?: string;
  topic?: string;
  source?: string;
}

/** Publishes task events through the sidecar, one after another so one task's events stay in order. */
export function createDaprPublisher({
  sidecar,
  pubsub = 'pubsub',
  topic = 'task-events',
  source = 'tasks',
}: DaprPublisherOptions): EventPublisher {
  return {
    async publish(events) {
      for (const e of events) await publishEvent(sidecar, { pubsub, topic, source }, e);
    },
  };
}
