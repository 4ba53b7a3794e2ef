import { INTERNAL_ROUTES, WorkflowInspection, type WorkflowInspector, type WorkflowRef } from '@todo/core';
import { sidecarHeaders, type Sidecar } from '@todo/server';
import { z } from 'zod';

const Answer = z.object({ inspections: z.array(WorkflowInspection) });
/** The most refs the workflows app takes in one call. */
const BATCH = 1000;

/**
 * The stack's workflow engine, asked through this app's own daprd (service invocation of the workflows
 * app). Throws when it can not answer; the workflow view then shows status 'unknown'.
 */
export function createDaprInspector(sidecar: Sidecar, timeoutMs = 5000): WorkflowInspector {
  const url = `${sidecar.http}/v1.0/invoke/workflows/method${INTERNAL_ROUTES.inspectWorkflows}`;
  async function inspectBatch(refs: WorkflowRef[]): Promise<WorkflowInspection[]> {
    const res = await fetch(url, {
      method: 'POST',
      headers: sidecarHeaders(sidecar, { 'content-type': 'application/json' }),
      body: JSON.stringify({ refs }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`workflows inspect: ${res.status} ${(await res.text()).slice(0, 300)}`);
    const { inspections } = Answer.parse(await res.json());
    if (inspections.length !== refs.length)
      throw new Error(`workflows inspect: ${inspections.length} answers for ${refs.length} refs`);
    return inspections;
  }
  return {
    async inspect(refs) {
      const batches: WorkflowRef[][] = [];
      for (let i = 0; i < refs.length; i += BATCH) batches.push(refs.slice(i, i + BATCH));
      return (await Promise.all(batches.map(inspectBatch))).flat();
    },
  };
}
