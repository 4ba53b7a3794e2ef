import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { besideDaprdEnv, listenEnv, loadConfig, mongoEnv, signingKeyEnv } from './config.ts';

// An app's schema as each env.ts makes it: the shared fragments spread, then its own settings.
const Env = z.object({
  ...listenEnv(3009),
  ...mongoEnv('things'),
  ...signingKeyEnv,
  ...besideDaprdEnv,
  THINGS_PER_OWNER: z.coerce.number().int().min(1).default(5),
});

describe('the shared env fragments', () => {
  it("give every app the same defaults, with the app's own port and database", () => {
    expect(loadConfig(Env, {})).toEqual({
      PORT: 3009,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      MONGO_DB: 'things',
      INTERNAL_HOST: '127.0.0.1',
      THINGS_PER_OWNER: 5,
    });
  });

  it('read the sidecar, the listeners and the metrics port', () => {
    const env = loadConfig(Env, {
      PORT: '8080',
      METRICS_PORT: '9090',
      INTERNAL_PORT: '8081',
      DAPR_HTTP_ENDPOINT: 'http://127.0.0.1:3500',
      DAPR_API_TOKEN: 'd',
      APP_API_TOKEN: 'a',
    });
    expect(env).toMatchObject({
      PORT: 8080,
      METRICS_PORT: 9090,
      INTERNAL_PORT: 8081,
      DAPR_HTTP_ENDPOINT: 'http://127.0.0.1:3500',
      DAPR_API_TOKEN: 'd',
      APP_API_TOKEN: 'a',
    });
  });

  it('name every problem at once', () => {
    expect(() =>
      loadConfig(Env, { PORT: '70000', LOG_LEVEL: 'loud', JWT_SECRET: 'short', DAPR_HTTP_ENDPOINT: 'nope' }),
    ).toThrow(
      /invalid configuration:\n {2}PORT: .*\n {2}LOG_LEVEL: .*\n {2}JWT_SECRET: JWT_SECRET must be at least 32 characters\n {2}DAPR_HTTP_ENDPOINT: /,
    );
  });
});
