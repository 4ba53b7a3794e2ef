import { INTERNAL_ROUTES, WorkflowInspection, type WorkflowInspector, type WorkflowRef } from '@todo/core';
import { invokeJson, type Sidecar } from '@todo/server';
import { z } from 'zod';

const Answer = z.object({ inspections: z.array(WorkflowInspection) });
/** The most refs the workflows app takes in one call. */
const BATCH = 1000;

/**
 * The stack's workflow engine, asked through this app's own daprd (service invocation of the workflows
 * app). Throws when it can not answer; the workflow view then shows status 'unknown'.
 */
export function createDaprInspector(sidecar: Sidecar, timeoutMs = 5000): WorkflowInspector {
  async function inspectBatch(refs: WorkflowRef[]): Promise<WorkflowInspection[]> {
    const { inspections } = await invokeJson(sidecar, 'workflows', INTERNAL_ROUTES.inspectWorkflows, {
      what: 'workflows inspect',
      schema: Answer,
      method: 'POST',
      body: { refs },
      timeoutMs,
    });
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
