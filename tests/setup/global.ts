// Vitest globalSetup of the `integration` project: one MongoDB-wire server for the whole run.
// MONGO_URL set: use that server as is (e.g. real MongoDB in CI). Otherwise: FerretDB on a free port with a
// fresh data dir, removed afterwards. Tests read the URL with `inject('mongoUrl')`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startFerretDb } from '../../deploy/local/ferretdb/ferretdb.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env['MONGO_URL'];
  if (external) {
    project.provide('mongoUrl', external);
    return async () => {};
  }

  const dataDir = await mkdtemp(path.join(tmpdir(), 'todo-chatbot-ferretdb-'));
  try {
    const server = await startFerretDb({ port: 0, dataDir });
    project.provide('mongoUrl', server.url);
    return async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
