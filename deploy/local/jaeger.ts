import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { config, dirs } from './config.ts';
import { goEnv } from './dapr.ts';
import { httpReady } from './health.ts';
import { exists, goBinary, run } from './proc.ts';
import type { StackPorts } from './ports.ts';
import type { ProcessSpec } from './supervisor.ts';

/** The trace collector of the local stack: Jaeger v2 (an OpenTelemetry Collector with Jaeger's storage and UI API). */
export const JAEGER_VERSION = '1.75.0';
const TOOL = 'github.com/jaegertracing/jaeger/cmd/jaeger';

export function jaegerCacheDir(): string {
  return join(config.cacheDir, `jaeger-${JAEGER_VERSION}`);
}

/**
 * The cached binary, or undefined when `npm run stack:install` has not built it or STACK_TRACING=off (the
 * stack then runs without traces).
 */
export async function installedJaeger(): Promise<string | undefined> {
  if (!config.tracing) return undefined;
  const bin = join(jaegerCacheDir(), 'bin', 'jaeger');
  return (await exists(join(jaegerCacheDir(), 'built.json'))) && (await exists(bin)) ? bin : undefined;
}

/**
 * Builds Jaeger from the Go module proxy into the cache, once per version: a throwaway module takes it as
 * a tool (`go get -tool`, which resolves the versions its go.mod asks for) and `go build tool` compiles it.
 * About 28 minutes on 2 busy cores (docs/decisions/0031).
 */
export async function ensureJaeger(log: (line: string) => void = () => {}): Promise<string> {
  const found = await installedJaeger();
  if (found) return found;
  const dir = jaegerCacheDir();
  const go = await goBinary();
  const logFile = join(dirs.logs, `jaeger-build-${JAEGER_VERSION}.log`);
  // Per-process scratch names, published by rename: a half-built bin/ never looks finished.
  const work = join(dir, `module-${process.pid}`);
  const out = join(dir, `bin.tmp-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const env = { ...goEnv(), GOFLAGS: '-mod=mod -buildvcs=false', GOWORK: 'off' };
  const started = Date.now();
  log(
    `building Jaeger ${JAEGER_VERSION} from the Go module proxy into ${dir} (first time: many minutes; log: ${logFile})`,
  );
  await writeFile(join(work, 'go.mod'), 'module jaegerbuild\n\ngo 1.26\n');
  const label = `Jaeger ${JAEGER_VERSION}`;
  await run(go, ['get', '-tool', `${TOOL}@v${JAEGER_VERSION}`], { cwd: work, env, logFile, label });
  await run(go, ['build', '-trimpath', '-o', out + '/', 'tool'], { cwd: work, env, logFile, label });
  await rm(join(dir, 'bin'), { recursive: true, force: true });
  await rename(out, join(dir, 'bin'));
  await rm(work, { recursive: true, force: true });
  const seconds = (Date.now() - started) / 1000;
  await writeFile(
    join(dir, 'built.json'),
    JSON.stringify({ version: JAEGER_VERSION, seconds, at: new Date().toISOString() }) + '\n',
  );
  log(`Jaeger ${JAEGER_VERSION} built in ${seconds.toFixed(1)} s`);
  return join(dir, 'bin', 'jaeger');
}

/** How long the cached build took (built.json), for the stack's report. */
export async function jaegerBuildSeconds(): Promise<number | undefined> {
  try {
    return (JSON.parse(await readFile(join(jaegerCacheDir(), 'built.json'), 'utf8')) as { seconds?: number })
      .seconds;
  } catch {
    return undefined;
  }
}

/** Where the apps and daprd send traces, and where people and tests read them. */
export function jaegerEndpoints(ports: StackPorts) {
  const j = ports.jaeger;
  return {
    /** OTLP over gRPC: daprd's exporter. */
    otlpGrpc: `http://127.0.0.1:${j.otlpGrpc}`,
    /** OTLP over HTTP: the Node SDK's default protocol. */
    otlpHttp: `http://127.0.0.1:${j.otlpHttp}`,
    /** The UI and its JSON API (/api/traces, /api/services). */
    query: `http://127.0.0.1:${j.query}`,
  };
}

/** Jaeger all-in-one with in-memory storage, every port on the stack's loopback block. */
export function jaegerProcess(bin: string, ports: StackPorts): ProcessSpec {
  const j = ports.jaeger;
  const file = join(dirs.state('jaeger'), 'config.yaml');
  const at = (port: number) => `127.0.0.1:${port}`;
  // The Collector's YAML is a superset of JSON, so the config is written as JSON.
  const yaml = {
    service: {
      extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
      pipelines: {
        traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] },
      },
      telemetry: { metrics: { level: 'none' }, logs: { level: 'warn' } },
    },
    extensions: {
      jaeger_storage: { backends: { memstore: { memory: { max_traces: 100_000 } } } },
      jaeger_query: {
        storage: { traces: 'memstore' },
        http: { endpoint: at(j.query) },
        grpc: { endpoint: at(j.queryGrpc) },
      },
      healthcheckv2: { use_v2: true, http: { endpoint: at(j.health) } },
    },
    receivers: {
      otlp: { protocols: { grpc: { endpoint: at(j.otlpGrpc) }, http: { endpoint: at(j.otlpHttp) } } },
    },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: 'memstore' } },
  };
  return {
    name: 'jaeger',
    command: bin,
    args: ['--config', file],
    prepare: async () => {
      await mkdir(dirs.state('jaeger'), { recursive: true });
      await writeFile(file, JSON.stringify(yaml, null, 2) + '\n');
    },
    ready: httpReady(`http://127.0.0.1:${j.query}/api/services`),
    readyTimeoutMs: 60_000,
  };
}
