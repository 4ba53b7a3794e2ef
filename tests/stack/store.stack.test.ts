import { randomUUID } from 'node:crypto';
import { parseQuery, toMongoFilter } from '@todo/core';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { storeContract } from '../../services/tasks/src/store/contract.ts';
import { allOf, createMongoStore } from '../../services/tasks/src/store/mongo.ts';
import { openStoreProcess } from '../../services/tasks/src/store/remote.testing.ts';
import { stack } from './helpers.ts';

// The task store on the stack's own FerretDB on PostgreSQL, as the task service uses it, with a second
// handle in another process: two replicas (docs/decisions/0029). And what FerretDB pushes down to SQL.

const dbName = `contract-${randomUUID().slice(0, 8)}`;

storeContract(
  'mongo on FerretDB/PostgreSQL, two processes',
  () => createMongoStore(stack().mongo.url, dbName),
  () => openStoreProcess(stack().mongo.url, dbName),
);

describe('the task store on FerretDB/PostgreSQL', () => {
  const client = new MongoClient(stack().mongo.url);
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it("pushes the board list's filter down to PostgreSQL, and not a top-level $and", async () => {
    const tasks = client.db(dbName).collection('tasks');
    const ctx = { now: new Date(), zone: 'UTC' };
    const clauses = [{ owner: 'o', deleted: false }, toMongoFilter(parseQuery('priority:high #t3'), ctx)];
    const explain = async (filter: object) =>
      (await tasks.find(filter).sort({ dueSort: 1, _id: 1 }).limit(21).explain()) as {
        filterPushdown: boolean;
      };
    expect((await explain(allOf(clauses))).filterPushdown).toBe(true);
    expect((await explain({ $and: clauses })).filterPushdown).toBe(false);
  });
});
