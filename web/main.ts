import { listen, measured } from '@todo/server';
import { pino } from 'pino';
import { loadEnv } from './env.ts';
import { createWebListener, proxyApi, withFreshSession, type ApiTarget } from './server.ts';

// The web app as its own process (the stack's `web` app beside its daprd): pages rendered here, and the
// browser's /api calls (the live stream, the calendar feed) passed on to the app that answers them.
const env = loadEnv();
const logger = pino({ level: env.LOG_LEVEL, base: { app: 'web' } });
const target: ApiTarget = env.DAPR_HTTP_ENDPOINT
  ? { kind: 'dapr', sidecar: { http: env.DAPR_HTTP_ENDPOINT, apiToken: env.DAPR_API_TOKEN } }
  : { kind: 'origin', origin: env.API_ORIGIN!.replace(/\/+$/, '') };
const web = await createWebListener({ target, log: (msg) => logger.info(msg) });
const api = proxyApi(target);
const isApi = /^\/api(?:[/?]|$)/;
// Pages and the browser's /api calls alike first refresh a session whose short-lived token ran out.
const app = withFreshSession(
  target,
  (req, res) => {
    if (isApi.test(req.url ?? '')) void api(req, res);
    else web(req, res);
  },
  { log: (msg) => logger.warn(msg) },
);
const { stopped } = await listen(
  measured(
    (req, res) => {
      if (req.url === '/healthz') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      else app(req, res);
    },
    // Pages are one label: the route table is React Router's, and paths carry task ids.
    (req) => (isApi.test(req.url ?? '') ? '/api/*' : req.url === '/healthz' ? '/healthz' : 'page'),
  ),
  { port: env.PORT, host: env.HOST, logger, metricsPort: env.METRICS_PORT, close: async () => {} },
);
logger.info({ port: env.PORT, target: target.kind }, 'web ready');
process.exit(await stopped);
