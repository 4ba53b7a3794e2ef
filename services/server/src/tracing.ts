import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace, type Context } from '@opentelemetry/api';

// Where a trace crosses something the instrumentations can not see (the outbox, a workflow's input), it
// is carried as a W3C traceparent. Without the SDK (telemetry.ts not loaded) every call here is a no-op.
const tracer = trace.getTracer('todo-chatbot');

/** The active span as a W3C traceparent, to store beside work that continues later; undefined if none. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/**
 * Runs `fn` in a span named `name`, the child of `traceparent` when given (work resumed from the outbox
 * or a workflow), else of the active span. The span records a throw as an error.
 */
export async function inSpan<T>(
  name: string,
  traceparent: string | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  const parent: Context = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : context.active();
  return tracer.startActiveSpan(name, {}, parent, async (span) => {
    try {
      return await fn();
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** A span for a synchronous step of the active trace (an SSE write). */
export function inSyncSpan<T>(name: string, fn: () => T): T {
  return tracer.startActiveSpan(name, (span) => {
    try {
      return fn();
    } finally {
      span.end();
    }
  });
}
