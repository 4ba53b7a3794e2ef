import { MongoClient } from 'mongodb';
import { dirs } from './config.ts';
import { ensureFerretDbBinary } from './ferretdb/ferretdb.ts';
import type { ProcessSpec } from './supervisor.ts';

/** The MongoDB-wire task store of the dapr profile: FerretDB on SQLite (built by ./ferretdb), data in .data/stack/ferretdb. */
export async function ensureMongo(): Promise<string> {
  return ensureFerretDbBinary();
}

export function mongoUrl(port: number): string {
  return `mongodb://127.0.0.1:${port}/`;
}

export function mongoProcess(opts: { bin: string; port: number }): ProcessSpec {
  const url = mongoUrl(opts.port);
  return {
    name: 'ferretdb',
    command: opts.bin,
    args: ['-listen-addr', `127.0.0.1:${opts.port}`, '-data-dir', dirs.state('ferretdb')],
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
