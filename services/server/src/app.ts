import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import { errorHandler } from './errors.ts';
import { requestLogger } from './logging.ts';

/**
 * The middleware every app runs, in order: request log, the one error handler, a JSON body parser
 * (CloudEvents from daprd included), the router and its 405s. Apps add their routes to `router`.
 */
export function serviceApp(
  router: Router,
  { logger, jsonLimit }: { logger: Logger; jsonLimit: string },
): Koa {
  const app = new Koa();
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
  app.use(router.allowedMethods({ throw: true }));
  return app;
}
