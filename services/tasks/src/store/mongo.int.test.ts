import { inject } from 'vitest';
import { storeContract } from './contract.ts';
import { createMongoStore } from './mongo.ts';

storeContract('mongo', () => createMongoStore(inject('mongoUrl'), 'contract'));
