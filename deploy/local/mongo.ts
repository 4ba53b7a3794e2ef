import { MongoClient } from 'mongodb';
import { ensureFerretDbBinary } from './ferretdb/ferretdb.ts';
import { postgresUrl } from './postgres.ts';
import type { ProcessSpec } from './supervisor.ts';

/**
 * The MongoDB-wire store of the dapr profile: FerretDB (built by ./ferretdb) on the stack's PostgreSQL. Not
 * on SQLite as in the integration tests: that backend pushes down only `{_id}` filters and takes one
 * writer at a time, and under the workflows' bursts every other query scanned the collection behind a
 * lock (docs/decisions/0004).
 */
export async function ensureMongo(): Promise<string> {
  return ensureFerretDbBinary();
}

/** Each app holds at most 40 connections to FerretDB (see postgresUrl for why that bound matters). */
export function mongoUrl(port: number): string {
  return `mongodb://127.0.0.1:${port}/?maxPoolSize=40`;
}

export function mongoProcess(opts: { bin: string; port: number; postgresPort: number }): ProcessSpec {
  const url = mongoUrl(opts.port);
  return {
    name: 'ferretdb',
    command: opts.bin,
    args: ['-listen-addr', `127.0.0.1:${opts.port}`, '-postgresql-url', postgresUrl(opts.postgresPort)],
    dependsOn: ['postgres'],
    ready: {
      describe: `MongoDB ping on ${url}`,
      check: async () => {
        const client = new MongoClient(url, {
          directConnection: true,
          serverSelectionTimeoutMS: 1000,
          connectTimeoutMS: 1000,
        });
        try {
          await client.db('admin').command({ ping: 1 });
        } finally {
          await client.close();
        }
      },
    },
    readyTimeoutMs: 30_000,
  };
}
