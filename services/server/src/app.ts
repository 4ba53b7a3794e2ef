import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import { errorHandler } from './errors.ts';
import { requestLogger } from './logging.ts';
import { httpMetrics } from './metrics.ts';

/**
 * The middleware every app runs, in order: request duration metric, request log, the one error handler, a JSON body parser
 * (CloudEvents from daprd included), the router and its 405s. Apps add their routes to `router`.
 */
export function serviceApp(
  router: Router,
  { logger, jsonLimit }: { logger: Logger; jsonLimit: string },
): Koa {
  const app = new Koa();
  app.use(httpMetrics());
  app.use(requestLogger(logger));
  app.use(errorHandler(logger));
  app.use(
    bodyParser({
      enableTypes: ['json'],
      // Merged into the defaults index by index (lodash.merge), so the list restates application/json.
      extendTypes: { json: ['application/json', 'application/cloudevents+json'] },
      jsonLimit,
      encoding: 'utf-8',
    }),
  );
  app.use(router.routes());
  // Not thrown: the router then sets the Allow header, and the error handler gives the body its shape.
  app.use(router.allowedMethods());
  return app;
}

/** `/healthz` (the process is up) and `/readyz` (its store answers) for the supervisor and Kubernetes. */
export function healthRoutes(
  router: Router,
  { ping, logger, what }: { ping: () => Promise<void>; logger: Logger; what: string },
): void {
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    try {
      await ping();
      ctx.body = { status: 'ready' };
    } catch (err) {
      logger.warn({ err }, `${what} not ready`);
      ctx.status = 503;
      ctx.body = { status: 'unavailable', reason: `the ${what} does not answer` };
    }
  });
}
