// OpenTelemetry bootstrap, loaded before the app with `node --import <this file> <entry>`: the ESM loader
// hook must be in place before koa, mongodb, pino and @grpc/grpc-js are loaded, which a static import in
// the entry is too late for. On only when OTEL_EXPORTER_OTLP_ENDPOINT is set (the standard variable; the
// SDK reads the other OTEL_* itself); unset, this file loads nothing. docs/decisions/0031.
import { loadTelemetryEnv } from './config.ts';

const env = loadTelemetryEnv();

if (env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  const { register } = await import('node:module');
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  const [{ NodeSDK }, http, koa, grpc, mongodb, undici, pino] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-koa'),
    import('@opentelemetry/instrumentation-grpc'),
    import('@opentelemetry/instrumentation-mongodb'),
    import('@opentelemetry/instrumentation-undici'),
    import('@opentelemetry/instrumentation-pino'),
  ]);
  // Only the modules an instrumentation hooks go through the loader's wrapper (not every .ts file).
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  const sdk = new NodeSDK({
    ...(env.OTEL_SERVICE_NAME ? {} : { serviceName: 'todo-chatbot' }),
    // Traces only: metrics are Prometheus' (metrics.ts) and logs are pino's JSON lines on stdout.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new http.HttpInstrumentation({
        // Probes and scrapes are not requests anyone waits on; they would bury the traces that matter.
        ignoreIncomingRequestHook: (req) => /^\/(?:healthz|readyz|metrics)(?:\?|$)/.test(req.url ?? ''),
      }),
      // Router spans only: a span per middleware would double every request's depth for no insight.
      new koa.KoaInstrumentation({ ignoreLayersType: [koa.KoaLayerType.MIDDLEWARE] }),
      new grpc.GrpcInstrumentation(),
      new mongodb.MongoDBInstrumentation(),
      // fetch(): every call to daprd (publish, invoke, state) carries the trace on, as traceparent.
      new undici.UndiciInstrumentation(),
      // Log records get trace_id and span_id.
      new pino.PinoInstrumentation({ disableLogSending: true }),
    ],
  });
  sdk.start();
  await waitForAllMessagesAcknowledged();
  const stop = () => void sdk.shutdown().catch(() => {});
  process.once('beforeExit', stop);
}
