import Router from '@koa/router';
import type { Clock } from '@todo/core';
import {
  healthRoutes,
  mount,
  openApiDocument,
  parseInput,
  requireAppToken,
  requireAuth,
  serviceApp,
  subscriptionRoutes,
  type SessionCheck,
  type TokenIssuer,
} from '@todo/server';
import type Koa from 'koa';
import type { Logger } from 'pino';
import { z } from 'zod';
import { createIndexer, type Indexer } from './indexer.ts';
import { reindexFromKafka, reindexFromStore, type KafkaSource, type StorePage } from './reindex.ts';
import { searchEndpoints, subscriptions } from './routes.ts';
import type { SearchIndex } from './search-index.ts';
import { createSearchService, type SearchService } from './service.ts';

export interface SearchDeps {
  index: SearchIndex;
  clock: Clock;
  logger: Logger;
  tokens: TokenIssuer;
  /** Where sessions can be checked on use (the embedded process). */
  sessions?: SessionCheck;
  /** Where a reindex reads from: the store's pages, and the Kafka topic (the stack). */
  sources: { store?: StorePage; kafka?: KafkaSource };
  /** Beside daprd: serve the subscription and the reindex route; callers must carry `appApiToken` (none: all refused). */
  dapr?: { appApiToken: string | undefined };
}

export interface SearchApp {
  app: Koa;
  search: SearchService;
  /** The consumer of `task-events`; the embedded profile calls it in process. */
  consume: Indexer;
  /** Rebuilds the index from the store or by replaying the topic, with no gap in answers. */
  reindex(from: 'store' | 'kafka'): Promise<{ tasks: number; ms: number }>;
}

const ReindexBody = z.strictObject({ from: z.enum(['store', 'kafka']) });

/** Builds the search service: /api/search, the indexer and the reindex. server.ts or the embedded profile listens. */
export function createSearchApp(deps: SearchDeps): SearchApp {
  const { index, clock, logger, tokens, sessions, sources, dapr } = deps;
  const search = createSearchService({ index, clock });
  const consume = createIndexer({ index, logger });
  const endpoints = searchEndpoints(search);

  async function reindex(from: 'store' | 'kafka') {
    const started = performance.now();
    const source = sources[from];
    if (!source) throw new Error(`this search service has no ${from} to reindex from`);
    const { tasks } =
      from === 'store'
        ? await reindexFromStore(index, sources.store!)
        : await reindexFromKafka(index, sources.kafka!);
    const ms = Math.round(performance.now() - started);
    logger.info({ from, tasks, ms }, 'search: reindexed');
    return { tasks, ms };
  }

  const router = new Router();
  healthRoutes(router, { ping: () => index.ping(), logger, what: 'search index' });
  const openapi = openApiDocument(endpoints, { title: 'todo-chatbot search API', version: '0.1.0' });
  router.get('/api/search/openapi.json', (ctx) => {
    ctx.body = openapi;
  });
  mount(router, endpoints, requireAuth(tokens, sessions));
  if (dapr) {
    subscriptionRoutes(router, subscriptions(consume), dapr.appApiToken);
    router.post('/internal/reindex', requireAppToken(dapr.appApiToken), async (ctx) => {
      const body = parseInput(
        ReindexBody,
        (ctx.request as unknown as { body?: unknown }).body,
        'request body',
      );
      ctx.body = await reindex(body.from);
    });
  }
  return { app: serviceApp(router, { logger, jsonLimit: '256kb' }), search, consume, reindex };
}
