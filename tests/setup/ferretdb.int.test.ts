// Proves the harness: the server tests/setup/global.ts provides is a real MongoDB-wire server.
import { randomUUID } from 'node:crypto';
import { MongoClient, MongoServerError, type Db } from 'mongodb';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';

let client: MongoClient;
let db: Db;

beforeAll(async () => {
  client = await MongoClient.connect(inject('mongoUrl'));
  db = client.db(`harness_${randomUUID().replaceAll('-', '')}`);
});

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

test('a document written is read back, with its types', async () => {
  const tasks = db.collection<{ _id: string; title: string; dueAt: Date; tags: string[] }>('tasks');
  const dueAt = new Date('2026-03-01T09:00:00Z');
  await tasks.insertOne({ _id: 't1', title: 'pay rent', dueAt, tags: ['bills'] });

  const found = await tasks.findOne({ _id: 't1' });

  expect(found).toEqual({ _id: 't1', title: 'pay rent', dueAt, tags: ['bills'] });
  expect(found?.dueAt).toBeInstanceOf(Date);
});

test('a unique index rejects a duplicate with E11000', async () => {
  const users = db.collection<{ email: string }>('users');
  await users.createIndex({ email: 1 }, { unique: true });
  await users.insertOne({ email: 'a@example.com' });

  const duplicate = await users.insertOne({ email: 'a@example.com' }).catch((err: unknown) => err);

  expect(duplicate).toBeInstanceOf(MongoServerError);
  expect((duplicate as MongoServerError).code).toBe(11000);
  expect(await users.countDocuments()).toBe(1);
});
