import { fillRoute, INTERNAL_ROUTES, LivePage, systemClock } from '@todo/core';
import {
  createTokens,
  internalAddress,
  listenService,
  readSecret,
  sidecarHeaders,
  startBesideSidecar,
  daprSessionCheck,
  type Sidecar,
} from '@todo/server';
import { pino } from 'pino';
import { createSearchApp } from './app.ts';
import { loadEnv } from './env.ts';
import { createEmbeddedIndex } from './index.embedded.ts';
import { createMeiliIndex } from './index.meili.ts';
import type { StorePage } from './reindex.ts';

// The search service as its own process beside its daprd (the `dapr` profile).
const env = loadEnv();
const logger = pino({ level: env.LOG_LEVEL, base: { service: 'search' } });
const { sidecar, jwtKey } = await startBesideSidecar(env);

const index = env.MEILI_URL
  ? await createMeiliIndex({
      url: env.MEILI_URL,
      apiKey:
        env.MEILI_MASTER_KEY ?? (sidecar ? await readSecret(sidecar, 'secretstore', 'meili-master-key') : ''),
      index: env.MEILI_INDEX,
    })
  : createEmbeddedIndex();
const search = createSearchApp({
  index,
  clock: systemClock,
  logger,
  tokens: createTokens(jwtKey),
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
await listenService(search.app.callback(), {
  port: env.PORT,
  host: env.HOST,
  internal: internalAddress(env),
  logger,
  metricsPort: env.METRICS_PORT,
  close: () => index.close(),
});
logger.info(
  { port: env.PORT, internalPort: env.INTERNAL_PORT, engine: env.MEILI_URL ? 'meilisearch' : 'embedded' },
  'search service listening',
);

/** The store's tasks, read from the tasks app through Dapr service invocation. */
function storePages(s: Sidecar): StorePage {
  return async (after) => {
    const url = `${s.http}/v1.0/invoke/tasks/method${fillRoute(INTERNAL_ROUTES.tasks, {}, { limit: 500, after })}`;
    const res = await fetch(url, { headers: sidecarHeaders(s), signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`tasks /internal/tasks: ${res.status} ${await res.text()}`);
    return LivePage.parse(await res.json());
  };
}
