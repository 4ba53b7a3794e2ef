import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notificationStoreContract } from './contract.ts';
import { createSqliteNotificationStore } from './sqlite.ts';

const file = join(mkdtempSync(join(tmpdir(), 'notifications-')), 'notifications.db');
notificationStoreContract('sqlite', async () => createSqliteNotificationStore(file));
