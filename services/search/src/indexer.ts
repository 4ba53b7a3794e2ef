import { TaskEvent } from '@todo/core';
import { eventConsumer } from '@todo/server';
import type { Logger } from 'pino';
import { changeOf, type SearchIndex } from './search-index.ts';

/**
 * The indexer: one document per task from its events. The index applies a change only when it is newer
 * than what it holds, so a redelivery or a late, older event changes nothing.
 */
export function createIndexer({ index, logger }: { index: SearchIndex; logger: Logger }) {
  return eventConsumer({ schema: TaskEvent, name: 'search', logger }, async (event) => {
    await index.apply([changeOf(event)]);
  });
}

export type Indexer = ReturnType<typeof createIndexer>;
