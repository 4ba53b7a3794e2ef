import { inject } from 'vitest';
import { notificationStoreContract } from './contract.ts';
import { createMongoNotificationStore } from './mongo.ts';

notificationStoreContract('mongo', () =>
  createMongoNotificationStore(inject('mongoUrl'), 'notifications-contract'),
);
