import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeContract } from './contract.ts';
import { createSqliteStore } from './sqlite.ts';

storeContract('sqlite', async () =>
  createSqliteStore(join(mkdtempSync(join(tmpdir(), 'tasks-')), 'tasks.db')),
);
