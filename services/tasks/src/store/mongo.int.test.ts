import { inject } from 'vitest';
import { storeContract } from './contract.ts';
import { createMongoStore } from './mongo.ts';
import { openStoreProcess } from './remote.testing.ts';

storeContract(
  'mongo',
  () => createMongoStore(inject('mongoUrl'), 'contract'),
  () => openStoreProcess(inject('mongoUrl'), 'contract'),
);
