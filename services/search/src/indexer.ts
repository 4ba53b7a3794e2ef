import { TaskEvent } from '@todo/core';
import type { Delivery } from '@todo/server';
import type { Logger } from 'pino';
import { changeOf, type SearchIndex } from './search-index.ts';

/**
 * The indexer: one document per task from its events. The index applies a change only when it is newer
 * than what it holds, so a redelivery or a late, older event changes nothing.
 */
export function createIndexer({ index, logger }: { index: SearchIndex; logger: Logger }) {
  return async function consume(raw: unknown): Promise<Delivery> {
    const parsed = TaskEvent.safeParse(raw);
    if (!parsed.success) {
      logger.warn({ issues: parsed.error.issues.slice(0, 5) }, 'search: not a task event, dropped');
      return 'DROP';
    }
    try {
      await index.apply([changeOf(parsed.data)]);
      return 'SUCCESS';
    } catch (err) {
      logger.warn({ err, eventId: parsed.data.id }, 'search: index unavailable, asking for redelivery');
      return 'RETRY';
    }
  };
}

export type Indexer = ReturnType<typeof createIndexer>;
