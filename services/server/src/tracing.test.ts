import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { currentTraceparent, inSpan, inSyncSpan } from './tracing.ts';

// The SDK as telemetry.ts starts it, with no instrumentation and spans kept in memory.
const exporter = new InMemorySpanExporter();
const sdk = new NodeSDK({
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
  instrumentations: [],
  resourceDetectors: [],
  metricReaders: [],
  logRecordProcessors: [],
});
beforeAll(() => sdk.start());
afterAll(() => sdk.shutdown());
beforeEach(() => exporter.reset());

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

describe('trace context carried through storage', () => {
  it('continues a stored traceparent: the span is its child, and inside it is the active one', async () => {
    let inside: string | undefined;
    await inSpan('publish task-events', `00-${TRACE}-${PARENT}-01`, async () => {
      inside = currentTraceparent();
    });
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('publish task-events');
    expect(span?.spanContext().traceId).toBe(TRACE);
    expect(span?.parentSpanContext?.spanId).toBe(PARENT);
    expect(inside).toBe(`00-${TRACE}-${span?.spanContext().spanId}-01`);
  });

  it('without one, nests in the active span; a throw marks the span as failed and goes on', async () => {
    await expect(
      inSpan('outer', undefined, () =>
        inSpan('activity fireReminder', undefined, async () => {
          inSyncSpan('notification sse write', () => {});
          throw new Error('tasks did not answer');
        }),
      ),
    ).rejects.toThrow('tasks did not answer');
    const byName = Object.fromEntries(exporter.getFinishedSpans().map((s) => [s.name, s]));
    const [outer, activity, write] = ['outer', 'activity fireReminder', 'notification sse write'].map(
      (n) => byName[n]!,
    );
    expect(activity!.parentSpanContext?.spanId).toBe(outer!.spanContext().spanId);
    expect(write!.parentSpanContext?.spanId).toBe(activity!.spanContext().spanId);
    expect(activity!.status.code).toBe(2); // ERROR
    expect(activity!.events.map((e) => e.name)).toContain('exception');
  });

  it('has no traceparent to give outside any span', () => {
    expect(currentTraceparent()).toBeUndefined();
  });
});
