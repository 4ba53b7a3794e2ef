import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WorkflowRef } from '@todo/core';
import { serveForTests } from '@todo/server/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createDaprInspector } from './inspector.dapr.ts';

// A stand-in for this app's daprd: records each invocation and answers as the workflows app would.
const calls: { url: string; token: string | undefined; refs: WorkflowRef[] }[] = [];
let status = 200;
const sidecar = await serveForTests(async (req: IncomingMessage, res: ServerResponse) => {
  let text = '';
  for await (const chunk of req) text += chunk;
  const { refs } = JSON.parse(text) as { refs: WorkflowRef[] };
  calls.push({ url: req.url!, token: req.headers['dapr-api-token'] as string | undefined, refs });
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify(
      status === 200
        ? {
            inspections: refs.map((r) =>
              r.kind === 'series' ? { state: 'none' } : { state: 'sleeping', at: '2026-12-01T08:00:00.000Z' },
            ),
          }
        : { error: 'boom' },
    ),
  );
});
afterAll(() => sidecar.close());

describe('the Dapr workflow inspector', () => {
  const inspector = createDaprInspector({ http: sidecar.base, apiToken: 'sidecar-token' });
  const reminder: WorkflowRef = { kind: 'reminder', taskId: 't1', reminderId: 'r1' };
  const series: WorkflowRef = { kind: 'series', seriesId: 's1' };

  it('invokes the workflows app through the sidecar, with its token, in order', async () => {
    expect(await inspector.inspect([reminder, series])).toEqual([
      { state: 'sleeping', at: '2026-12-01T08:00:00.000Z' },
      { state: 'none' },
    ]);
    expect(calls.at(-1)).toEqual({
      url: '/v1.0/invoke/workflows/method/internal/workflows/inspect',
      token: 'sidecar-token',
      refs: [reminder, series],
    });
  });

  it('asks in batches the workflows app takes', async () => {
    calls.length = 0;
    const refs = Array.from({ length: 1500 }, (_, i): WorkflowRef => ({ kind: 'series', seriesId: `s${i}` }));
    const got = await inspector.inspect(refs);
    expect(got).toHaveLength(1500);
    expect(calls.map((c) => c.refs.length)).toEqual([1000, 500]);
    expect(calls[1]!.refs[0]).toEqual({ kind: 'series', seriesId: 's1000' });
  });

  it('fails when the app does not answer well', async () => {
    status = 502;
    try {
      await expect(inspector.inspect([reminder])).rejects.toThrow('workflows inspect: 502');
    } finally {
      status = 200;
    }
    await expect(createDaprInspector({ http: 'http://127.0.0.1:1' }).inspect([reminder])).rejects.toThrow();
  });
});
