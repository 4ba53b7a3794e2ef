import { TaskEvent, type LivePage } from '@todo/core';
import type { Consumer } from 'kafkajs';
import type { IndexChange, SearchIndex } from './search-index.ts';
import { changeOf } from './search-index.ts';

/** One page of the store's live tasks, from `after` (an id) on; `next` is absent on the last page. */
export type StorePage = (after: string | undefined) => Promise<LivePage>;

/** Rebuilds the index from every task in the store, a page at a time, then swaps it in. */
export function reindexFromStore(index: SearchIndex, page: StorePage) {
  return index.rebuild(async (add) => {
    let after: string | undefined;
    do {
      const got = await page(after);
      await add(got.items.map(({ owner, zone, task }) => ({ op: 'upsert', owner, zone, task }) as const));
      after = got.next;
    } while (after !== undefined);
  });
}

export interface KafkaSource {
  brokers: string[];
  topic?: string;
  /** How long to wait for the broker before giving up. */
  timeoutMs?: number;
}

/**
 * Rebuilds the index by reading `task-events` from its beginning up to the end it had when the rebuild
 * began, then swaps it in. Complete because the topic is compacted by key: it keeps each task's newest event
 * (a deleted task's is its deletion).
 */
export function reindexFromKafka(index: SearchIndex, source: KafkaSource) {
  const topic = source.topic ?? 'task-events';
  return index.rebuild(async (add) => {
    // Loaded here: only the stack replays the topic, and the embedded profile should not pay for the client.
    const { Kafka, logLevel } = await import('kafkajs');
    const kafka = new Kafka({
      clientId: 'search-reindex',
      brokers: source.brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: source.timeoutMs ?? 10_000,
    });
    const admin = kafka.admin();
    await admin.connect();
    let ends: Map<number, bigint>;
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      ends = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    } finally {
      await admin.disconnect();
    }
    const pending = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
    if (pending.size === 0) return;
    // A group of its own that commits nothing: every replay reads from the start.
    const consumer: Consumer = kafka.consumer({ groupId: `search-reindex-${crypto.randomUUID()}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const changes: IndexChange[] = [];
              for (const m of batch.messages) {
                if (BigInt(m.offset) >= ends.get(batch.partition)!) break;
                const change = parse(m.value);
                if (change) changes.push(change);
              }
              await add(changes);
              const last = batch.messages.at(-1);
              if (last && BigInt(last.offset) + 1n >= ends.get(batch.partition)!) {
                pending.delete(batch.partition);
                if (pending.size === 0) resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
  });
}

/** A record of the topic: a CloudEvent whose data is the task event. Anything else is skipped. */
function parse(value: Buffer | null): IndexChange | undefined {
  if (!value) return undefined;
  try {
    const parsed = TaskEvent.safeParse((JSON.parse(value.toString()) as { data?: unknown }).data);
    return parsed.success ? changeOf(parsed.data) : undefined;
  } catch {
    return undefined;
  }
}
