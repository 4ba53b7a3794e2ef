/**
 * `npm run test:api`: Schemathesis against the embedded profile's /api/openapi.json, started from scratch
 * on a free port with a temporary data directory. Every check, stateful links included; exits non-zero on
 * any finding. Schemathesis comes from PyPI into the tools cache, as validate:deploy's checkers do.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureVenv } from '../../deploy/validate/tools.ts';
import { toolEnv } from '../../deploy/validate/env.ts';
import { startEmbedded } from '../../services/embedded/src/testing.ts';
import { apiCaller } from '../../services/server/src/testing.ts';

const SCHEMATHESIS = { schemathesis: '4.32.5' } as const;
/** Test cases per operation and phase: enough to reach every refinement, small enough for CI (< 3 min). */
const EXAMPLES = process.argv[2] ?? '20';

const log = (line: string) => process.stdout.write(`${line}\n`);
const t0 = performance.now();
const seconds = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

const venv = await ensureVenv(log, SCHEMATHESIS);
log(
  `test:api: schemathesis ${SCHEMATHESIS.schemathesis} ready (${venv.cached ? 'cached' : 'installed'}) at ${seconds()}`,
);

const dataDir = mkdtempSync(join(tmpdir(), 'test-api-'));
// No sign-in throttles: the fuzzer signs itself out everywhere and in again many times a minute, from one
// address; throttled, its own sign-ins would be refused for minutes. Nor a chat rate: its examples come
// faster than 30 a minute. The throttles have their own tests.
const { base, child } = await startEmbedded(dataDir, {
  AUTH_PER_IP_PER_MINUTE: '0',
  AUTH_PER_ACCOUNT_PER_15_MINUTES: '0',
  CHAT_TURNS_PER_MINUTE: '0',
});
// However this ends (a failed sign-up included), the profile and its data go with it.
process.once('exit', () => {
  child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});
const account = { email: 'fuzzer@example.com', password: 'fuzzing all day' };
const signup = await apiCaller(base)('POST', '/api/auth/signup', {
  body: { ...account, tz: 'Europe/Berlin' },
});
if (signup.status !== 201) throw new Error(`sign-up failed: ${signup.status} ${JSON.stringify(signup.body)}`);
log(`test:api: embedded profile at ${base}, signed up at ${seconds()}`);

const report = join(dataDir, 'report.json');
const code = await new Promise<number>((resolve) => {
  const st = spawn(
    join(venv.value.dir, 'bin', 'st'),
    [
      '--config-file',
      join(import.meta.dirname, 'schemathesis.toml'),
      'run',
      `${base}/api/openapi.json`,
      '--checks',
      'all',
      '--max-examples',
      EXAMPLES,
      '--seed',
      String(Date.now() % 1_000_000),
      // One worker: with two threads Hypothesis parses lambdas' source concurrently, which Python 3.11's ast
      // does not survive ("AST constructor recursion depth mismatch"), failed 3 runs in 4 as a Runtime Error.
      '--workers',
      '1',
      '--no-color',
      '--report',
      'json',
      '--report-json-path',
      report,
    ],
    {
      env: {
        ...toolEnv,
        FUZZ_EMAIL: account.email,
        FUZZ_PASSWORD: account.password,
        SCHEMATHESIS_HOOKS: join(import.meta.dirname, 'hooks.py'),
        SCHEMATHESIS_TELEMETRY: 'false',
        PYTHONDONTWRITEBYTECODE: '1',
      },
      // Its caches (.schemathesis, the hooks' bytecode) go with the data, not into the checkout.
      cwd: dataDir,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  st.once('exit', (c) => resolve(c ?? 1));
});
log(`test:api: ${code === 0 ? 'no finding' : 'findings (above)'}; total ${seconds()}`);
// Schemathesis closes like pytest ("1 warning in 58.95s"), which a reader of test output takes for a run of no
// test; the plain line of its test cases follows it.
const run = JSON.parse(readFileSync(report, 'utf8')) as {
  test_cases: { generated: number; with_failures: number; errored: number };
  errors: { count: number }[];
};
const { generated, with_failures: failures, errored } = run.test_cases;
const errors = run.errors.reduce((n, e) => n + e.count, 0);
log(`test:api: ${generated - failures - errored} passed, ${failures + errors} failed`);
process.exit(code);
