import type { TaskEvent } from '@todo/core';
import { sidecarHeaders, type Sidecar } from '@todo/server';
import type { EventPublisher } from './relay.ts';

export interface DaprPublisherOptions {
  sidecar: Sidecar;
  pubsub?: string;
  topic?: string;
  source?: string;
}

/**
 * Publishes task events through the sidecar as CloudEvents 1.0 whose `data` is the whole TaskEvent (one
 * schema for producer and consumer). The partition key is the task id, so one task's events stay in order.
 */
export function createDaprPublisher({
  sidecar,
  pubsub = 'pubsub',
  topic = 'task-events',
  source = 'tasks',
}: DaprPublisherOptions): EventPublisher {
  return {
    async publish(events) {
      for (const e of events) {
        const url = `${sidecar.http}/v1.0/publish/${pubsub}/${topic}?metadata.partitionKey=${encodeURIComponent(e.subject)}`;
        const res = await fetch(url, {
          method: 'POST',
          headers: sidecarHeaders(sidecar, { 'content-type': 'application/cloudevents+json' }),
          body: JSON.stringify(toCloudEvent(e, source)),
          signal: AbortSignal.timeout(10_000),
        });
        if (!res.ok) throw new Error(`dapr publish ${e.type} ${e.id}: ${res.status} ${await res.text()}`);
      }
    },
  };
}

export function toCloudEvent(e: TaskEvent, source: string) {
  return {
    specversion: '1.0',
    id: e.id,
    source,
    type: e.type,
    subject: e.subject,
    time: e.time,
    datacontenttype: 'application/json',
    data: e,
  };
}
