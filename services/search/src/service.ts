import {
  parseQuery,
  parseSort,
  QUERY_LIMITS,
  QueryError,
  ValidationError,
  type Clock,
  type SearchAnswer,
  type Sort,
} from '@todo/core';
import { metrics, type Principal } from '@todo/server';
import { z } from 'zod';
import type { SearchIndex } from './search-index.ts';

export const SearchParams = z.strictObject({
  /** Typo-tolerant words: the search box's text. */
  q: z.string().max(500).default(''),
  /** The query language, as on the board (`priority:high #home due<+7d`). */
  filter: z.string().max(QUERY_LIMITS.length).default(''),
  /** relevance (the default with q), or a board sort key: due, priority, created, updated, title; -key reverses. */
  sort: z.string().max(20).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(9_900).default(0),
});
export type SearchParams = z.infer<typeof SearchParams>;

/** Searches the signed-in owner's tasks; the owner scope comes from the principal, never from the request. */
export function createSearchService({ index, clock }: { index: SearchIndex; clock: Clock }) {
  return async function search(user: Principal, params: SearchParams): Promise<SearchAnswer> {
    const started = performance.now();
    const text = params.q.trim();
    const result = await index.search({
      owner: user.id,
      ctx: { now: clock.now(), zone: user.tz },
      text,
      filter: parseFilter(params.filter),
      sort: sortOf(params.sort, text),
      limit: params.limit,
      offset: params.offset,
    });
    const ms = performance.now() - started;
    metrics.searched(ms / 1000);
    return { ...result, tookMs: Math.round(ms * 100) / 100 };
  };
}

export type SearchService = ReturnType<typeof createSearchService>;

function parseFilter(filter: string) {
  try {
    return parseQuery(filter);
  } catch (err) {
    // The query language names its input `q`; here it is `filter`.
    if (err instanceof QueryError)
      throw new ValidationError(`filter ${err.message}`, [{ path: 'filter', issue: err.message }]);
    throw err;
  }
}

/** Relevance ranks only when there are words to rank by; otherwise the board's default, by due. */
function sortOf(raw: string | undefined, text: string): Sort | null {
  const sort = raw ?? (text ? 'relevance' : 'due');
  if (sort === 'relevance') return text ? null : parseSort('due');
  return parseSort(sort);
}
