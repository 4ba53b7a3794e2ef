import { existsSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@todo/core';
import { createTokens, runService } from '@todo/server';
import { createApp } from './app.ts';
import { appSettings, loadEnv } from './env.ts';
import { createDaprPublisher } from './outbox/publisher.dapr.ts';
import { createRelay } from './outbox/relay.ts';
import { createMongoStore } from './store/mongo.ts';
import { createDaprInspector } from './management/inspector.dapr.ts';

// The task service as its own process beside its daprd (the `dapr` profile), MongoDB behind it.
const env = loadEnv();
const code = await runService(
  { name: 'tasks', env, needs: { MONGO_URL: env.MONGO_URL } },
  async ({ logger, sidecar, signingKey }) => {
    const tokens = createTokens(await signingKey(), env.ACCESS_TOKEN_TTL_SECONDS);
    const store = await createMongoStore(env.MONGO_URL!, env.MONGO_DB);
    const relay = sidecar
      ? createRelay({
          store,
          logger,
          publisher: createDaprPublisher({ sidecar }),
          crashAfterPublish: () => failpoint('relay-after-publish'),
          // The same name after a restart (a pod keeps its host name): it renews its lease at once.
          holder: `${hostname()}:${env.PORT}`,
        })
      : undefined;
    const app = createApp({
      store,
      clock: systemClock,
      logger,
      tokens,
      ...appSettings(env),
      trustProxy: env.TRUST_PROXY,
      onWrite: relay?.wake,
      subscriptions: sidecar ? { appApiToken: env.APP_API_TOKEN } : undefined,
      internal: sidecar ? { appApiToken: env.APP_API_TOKEN } : undefined,
      workflows: sidecar ? createDaprInspector(sidecar) : undefined,
    });
    return {
      handler: app.callback(),
      close: async () => {
        await relay?.stop();
        await store.close();
      },
      started: () => relay?.wake(),
      facts: { relay: Boolean(relay) },
    };
  },
);
process.exit(code);

/** A one-shot fault for the stack's tests: the file FAILPOINTS_DIR/<name> arms it, firing removes it. */
function failpoint(name: string): boolean {
  if (!env.FAILPOINTS_DIR) return false;
  const file = join(env.FAILPOINTS_DIR, name);
  if (!existsSync(file)) return false;
  rmSync(file);
  return true;
}
