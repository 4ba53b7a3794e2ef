/**
 * `npm run search:reindex -- --from store|kafka [--url URL --token TOKEN]`: tells a running search service
 * to rebuild its index from the task store or by replaying `task-events`, and swap it in with no gap in
 * answers. Without --url it is the local stack's (`npm run stack`); the token is the app API token daprd
 * uses (the stack's by default). Prints {tasks, ms}; exit 1 when the rebuild failed, 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import { readRunningStack } from '../../../../deploy/local/stack.ts';

const USAGE = 'usage: search:reindex --from store|kafka [--url http://host:port --token APP_API_TOKEN]\n';

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { from: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' } },
    }));
  } catch (err) {
    process.stderr.write(`search:reindex: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.from !== 'store' && values.from !== 'kafka') {
    process.stderr.write(USAGE);
    return 2;
  }
  let { url, token } = values;
  if (!url) {
    const stack = await readRunningStack();
    // The reindex route is daprd-only: it is served on the internal listener, not the public port.
    const port = stack?.internalPorts?.search;
    if (!stack || !port) {
      process.stderr.write(
        'search:reindex: no local stack with a search app is running (npm run stack), and no --url given\n' +
          "(--url is the search app's internal listener, INTERNAL_PORT).\n" +
          'The embedded profile (npm start) rebuilds its index from the store at every start.\n',
      );
      return 2;
    }
    url = `http://127.0.0.1:${port}`;
    token ??= stack.tokens['search']?.appApiToken;
  }
  const res = await fetch(`${url.replace(/\/+$/, '')}/internal/reindex`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { 'dapr-api-token': token } : {}) },
    body: JSON.stringify({ from: values.from }),
    signal: AbortSignal.timeout(30 * 60_000),
  });
  const body = await res.text();
  (res.ok ? process.stdout : process.stderr).write(`${body}\n`);
  return res.ok ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
