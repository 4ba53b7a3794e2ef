import { fillRoute, INTERNAL_ROUTES, LivePage, systemClock } from '@todo/core';
import {
  createTokens,
  daprSessionCheck,
  invokeJson,
  readSecret,
  runService,
  type Sidecar,
} from '@todo/server';
import { createSearchApp } from './app.ts';
import { loadEnv } from './env.ts';
import { createEmbeddedIndex } from './index.embedded.ts';
import { createMeiliIndex } from './index.meili.ts';
import type { StorePage } from './reindex.ts';

// The search service as its own process beside its daprd (the `dapr` profile).
const env = loadEnv();
const code = await runService({ name: 'search', env }, async ({ logger, sidecar, signingKey }) => {
  const tokens = createTokens(await signingKey());
  const index = env.MEILI_URL
    ? await createMeiliIndex({
        url: env.MEILI_URL,
        apiKey:
          env.MEILI_MASTER_KEY ??
          (sidecar ? await readSecret(sidecar, 'secretstore', 'meili-master-key') : ''),
        index: env.MEILI_INDEX,
      })
    : createEmbeddedIndex();
  const search = createSearchApp({
    index,
    clock: systemClock,
    logger,
    tokens,
    ...(sidecar ? { sessions: daprSessionCheck(sidecar) } : {}),
    sources: {
      ...(sidecar ? { store: storePages(sidecar) } : {}),
      ...(env.KAFKA_BROKERS ? { kafka: { brokers: env.KAFKA_BROKERS } } : {}),
    },
    dapr: sidecar ? { appApiToken: env.APP_API_TOKEN } : undefined,
  });
  // The in-process engine starts empty: fill it before answering, from the topic (compacted: every task's
  // newest event), else from the store. Events delivered meanwhile reach the new index too.
  if (!env.MEILI_URL) {
    const from = env.KAFKA_BROKERS ? 'kafka' : sidecar ? 'store' : undefined;
    if (from) await search.reindex(from);
  }
  return {
    handler: search.app.callback(),
    close: () => index.close(),
    facts: { engine: env.MEILI_URL ? 'meilisearch' : 'embedded' },
  };
});
process.exit(code);

/** The store's tasks, read from the tasks app through Dapr service invocation. */
function storePages(s: Sidecar): StorePage {
  return (after) =>
    invokeJson(s, 'tasks', fillRoute(INTERNAL_ROUTES.tasks, {}, { limit: 500, after }), {
      what: 'tasks /internal/tasks',
      schema: LivePage,
      timeoutMs: 30_000,
    });
}
