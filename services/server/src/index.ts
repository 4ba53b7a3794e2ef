export {
  endpoint,
  idempotencyKey,
  mount,
  openApiDocument,
  operationId,
  ErrorBody,
  type Endpoint,
} from './api.ts';
export { decodeCursor, encodeCursor } from './cursor.ts';
export { errorHandler, parseInput, statusCode, zodDetails } from './errors.ts';
export { requestLogger } from './logging.ts';
export {
  answerClientError,
  isPublicPath,
  listen,
  listenService,
  publicOnly,
  type Address,
  type Stopped,
} from './listen.ts';
export { docsRoutes } from './docs.ts';
export {
  ACCESS_TOKEN_TTL_SECONDS,
  createTokens,
  SESSION_TTL_MS,
  tokenExpiry,
  type Principal,
  type TokenIssuer,
} from './tokens.ts';
export {
  authenticate,
  checkSession,
  daprSessionCheck,
  clearSessionCookie,
  REFRESH_COOKIE,
  refuseCrossSite,
  requireAuth,
  setRefreshCookie,
  setSessionCookie,
  SESSION_COOKIE,
  type Credentials,
  type SessionCheck,
} from './sessions.ts';
export {
  publishEvent,
  readSecret,
  requireAppToken,
  sameToken,
  sidecarFromEnv,
  signingKey,
  subscriptionRoutes,
  deadLetterDrain,
  taskEventsSubscription,
  eventConsumer,
  waitForSidecar,
  type ConsumeOutcome,
  type EventEnvelope,
  type Subscription,
} from './dapr.ts';
export {
  invoke,
  invokeJson,
  invokeUrl,
  sidecarHeaders,
  stateStore,
  type InvokeInit,
  type Sidecar,
  type StateStore,
  type StateWrite,
} from './sidecar.ts';
export { healthRoutes, serviceApp } from './app.ts';
export { localBus } from './bus.ts';
export {
  besideDaprdEnv,
  internalAddress,
  listenEnv,
  loadConfig,
  metricsEnv,
  mongoEnv,
  sidecarEnv,
  signingKeyEnv,
} from './config.ts';
export { runService, type Service, type ServiceEnv, type StartContext } from './service.ts';
export { rateLimit } from './ratelimit.ts';
export { openSqlite, type Sqlite } from './sqlite.ts';
export {
  httpMetrics,
  measured,
  metrics,
  metricsListener,
  scrape,
  serveMetrics,
  type WorkflowCount,
} from './metrics.ts';
export { currentTraceparent, inSpan, inSyncSpan } from './tracing.ts';
