import { SearchAnswer } from '@todo/core';
import { endpoint, ErrorBody, taskEventsSubscription, type Endpoint, type Subscription } from '@todo/server';
import type { Indexer } from './indexer.ts';
import { SearchParams, type SearchService } from './service.ts';

export function searchEndpoints(search: SearchService): Endpoint[] {
  return [
    endpoint({
      method: 'get',
      path: '/api/search',
      summary:
        "Search the owner's tasks: q (typo-tolerant words), filter (the query language), sort (relevance, due, priority, created, updated, title; -key reverses), limit, offset",
      tag: 'search',
      auth: true,
      query: SearchParams,
      responses: {
        200: {
          description: 'Hits with highlights (HTML, matches in <mark>), the total, and facet counts',
          schema: SearchAnswer,
        },
        400: { description: 'Invalid input: what was wrong and where', schema: ErrorBody },
        401: { description: 'Not signed in', schema: ErrorBody },
      },
      handler: async (ctx, { query }) => {
        ctx.body = await search(ctx.state.user, query);
      },
    }),
  ];
}

/** The indexer's subscription: every task event, in the search app's own consumer group. */
export const subscriptions = (consume: Indexer): Subscription[] => [taskEventsSubscription(consume)];
