import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel, type ConfigResourceTypes, type ITopicConfig } from 'kafkajs';
import { config, dirs } from './config.ts';
import { exists, run } from './proc.ts';
import type { ProcessSpec } from './supervisor.ts';

const POM = join(config.repoRoot, 'deploy', 'local', 'kafka', 'pom.xml');

/** The Kafka version, pinned once in deploy/local/kafka/pom.xml (docs/decisions/0006-kafka-distribution.md). */
export async function kafkaVersion(): Promise<string> {
  const pom = await readFile(POM, 'utf8');
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
  if (!version) throw new Error(`no <kafka.version> in ${POM}`);
  return version;
}

/** Returns the directory of Kafka's jars, fetching them from Maven Central into the cache the first time. */
export async function ensureKafka(
  log: (line: string) => void = () => {},
): Promise<{ lib: string; version: string }> {
  const version = await kafkaVersion();
  const dir = join(config.cacheDir, `kafka-${version}`);
  const lib = join(dir, 'lib');
  const stamp = join(dir, 'fetched.json');
  if (await exists(stamp)) return { lib, version };
  log(`fetching Kafka ${version} jars from Maven Central into ${lib}`);
  const started = Date.now();
  const tmp = join(dir, `lib.tmp-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await run(
    config.mvn,
    [
      '-q',
      '-B',
      '-f',
      POM,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${tmp}`,
      '-DincludeScope=runtime',
    ],
    {
      cwd: dir,
      env: config.inheritedEnv,
      logFile: join(dirs.logs, `kafka-fetch-${version}.log`),
      label: 'mvn dependency:copy-dependencies',
    },
  );
  await rm(lib, { recursive: true, force: true });
  await rename(tmp, lib);
  const jars = (await readdir(lib)).length;
  const seconds = (Date.now() - started) / 1000;
  await writeFile(stamp, JSON.stringify({ version, jars, seconds, at: new Date().toISOString() }) + '\n');
  log(`Kafka ${version}: ${jars} jars in ${seconds.toFixed(1)} s`);
  return { lib, version };
}

/** ConfigResourceTypes.TOPIC: Node does not see that enum among the CommonJS kafkajs' named exports. */
const TOPIC_RESOURCE = 2 satisfies ConfigResourceTypes.TOPIC;

/** Topics the stack creates once Kafka is ready (partitions and retention are chosen here, not by auto-create). */
export type TopicSpec = {
  topic: string;
  partitions: number;
  retentionMs: number;
  /** compact: keep each key's newest record (whatever its age) instead of deleting by age. */
  cleanupPolicy?: 'delete' | 'compact';
};

// Locally a compacted topic rolls a segment every 10 s and the cleaner looks every second, so compaction
// is seen within seconds (the stack tests watch it); a cluster keeps Kafka's defaults.
const COMPACTION = {
  'segment.ms': '10000',
  'min.cleanable.dirty.ratio': '0.01',
  'min.compaction.lag.ms': '0',
};

/** The topic-level settings TOPICS manages for a topic. */
function topicConfig(t: TopicSpec): Record<string, string> {
  return {
    'retention.ms': String(t.retentionMs),
    'cleanup.policy': t.cleanupPolicy ?? 'delete',
    ...(t.cleanupPolicy === 'compact' ? COMPACTION : {}),
  };
}

const entries = (config: Record<string, string>) =>
  Object.entries(config).map(([name, value]) => ({ name, value }));

/**
 * A single KRaft node (broker and controller in one JVM) on 127.0.0.1, storage under .data/stack/kafka,
 * formatted on first start. Readiness is broker metadata through kafkajs, then the declared topics exist.
 */
export function kafkaProcess(opts: {
  lib: string;
  brokerPort: number;
  controllerPort: number;
  topics: readonly TopicSpec[];
}): ProcessSpec {
  const dir = dirs.state('kafka');
  const data = join(dir, 'data');
  const props = join(dir, 'server.properties');
  const log4j = join(dir, 'log4j2.properties');
  const classpath = join(opts.lib, '*');
  const brokers = [`127.0.0.1:${opts.brokerPort}`];
  return {
    name: 'kafka',
    command: config.java,
    args: [
      '-Xms256m',
      '-Xmx512m',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      // C1 only: starts in ~3.5 s instead of ~4.5 s here; a local broker never needs C2's peak speed.
      '-XX:TieredStopAtLevel=1',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${log4j}`,
      `-Dkafka.logs.dir=${join(dir, 'logs')}`,
      '-cp',
      classpath,
      'kafka.Kafka',
      props,
    ],
    prepare: async () => {
      await mkdir(data, { recursive: true });
      await writeFile(props, serverProperties({ ...opts, data }));
      await writeFile(log4j, LOG4J2);
      if (!(await exists(join(data, 'meta.properties')))) {
        await run(
          config.java,
          [
            '-XX:TieredStopAtLevel=1',
            '-cp',
            classpath,
            `-Dlog4j2.configurationFile=${log4j}`,
            'kafka.tools.StorageTool',
            'format',
            '-t',
            kafkaUuid(),
            '-c',
            props,
            '--standalone',
          ],
          { env: config.inheritedEnv, logFile: join(dirs.logs, 'kafka.log'), label: 'kafka storage format' },
        );
      }
    },
    ready: {
      describe: `Kafka broker metadata from ${brokers.join(',')}`,
      check: async () => {
        const admin = kafkaAdmin(brokers);
        await admin.connect();
        try {
          const cluster = await admin.describeCluster();
          if (cluster.brokers.length === 0 || cluster.controller === null)
            throw new Error('no broker or controller yet');
        } finally {
          await admin.disconnect();
        }
      },
    },
    afterReady: () => ensureTopics(brokers, opts.topics),
    readyTimeoutMs: 60_000,
    stopTimeoutMs: 20_000,
  };
}

/**
 * Creates the topics that do not exist yet and brings existing ones to the declared partitions (Kafka can
 * only add partitions) and retention, so a changed TOPICS entry takes effect on the next start.
 */
export async function ensureTopics(brokers: readonly string[], topics: readonly TopicSpec[]): Promise<void> {
  if (topics.length === 0) return;
  const admin = kafkaAdmin(brokers);
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing: ITopicConfig[] = topics
      .filter((t) => !existing.has(t.topic))
      .map((t) => ({
        topic: t.topic,
        numPartitions: t.partitions,
        replicationFactor: 1,
        configEntries: entries(topicConfig(t)),
      }));
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
    const present = topics.filter((t) => existing.has(t.topic));
    if (present.length === 0) return;
    const { topics: meta } = await admin.fetchTopicMetadata({ topics: present.map((t) => t.topic) });
    const grow = present.flatMap((t) => {
      const have = meta.find((m) => m.name === t.topic)?.partitions.length ?? 0;
      if (have > t.partitions)
        throw new Error(
          `topic ${t.topic} has ${have} partitions, TOPICS says ${t.partitions}: Kafka can not remove partitions (delete .data/stack/kafka to start over)`,
        );
      return have < t.partitions ? [{ topic: t.topic, count: t.partitions }] : [];
    });
    if (grow.length > 0) await admin.createPartitions({ topicPartitions: grow, validateOnly: false });
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((t) => ({
        type: TOPIC_RESOURCE,
        name: t.topic,
        configNames: Object.keys(topicConfig(t)),
      })),
    });
    const stale = present.filter((t) => {
      const have = configs.resources.find((r) => r.resourceName === t.topic)?.configEntries ?? [];
      return Object.entries(topicConfig(t)).some(
        ([name, value]) => have.find((c) => c.configName === name)?.configValue !== value,
      );
    });
    if (stale.length > 0) {
      await admin.alterConfigs({
        validateOnly: false,
        resources: stale.map((t) => ({
          type: TOPIC_RESOURCE,
          name: t.topic,
          configEntries: entries(topicConfig(t)),
        })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

function kafkaAdmin(brokers: readonly string[]) {
  return new Kafka({
    clientId: 'stack-supervisor',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 }, // the supervisor's readiness loop is the retry
  }).admin();
}

function serverProperties(o: { brokerPort: number; controllerPort: number; data: string }): string {
  return `# Written by deploy/local/kafka.ts on every start; edit that file, not this one.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:${o.controllerPort}
listeners=PLAINTEXT://127.0.0.1:${o.brokerPort},CONTROLLER://127.0.0.1:${o.controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${o.brokerPort},CONTROLLER://127.0.0.1:${o.controllerPort}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${o.data}
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Every topic comes from TOPICS (deploy/local/stack.ts) with its partitions and retention: a topic name
# nobody declared fails loudly instead of appearing with broker defaults.
auto.create.topics.enable=false
log.retention.hours=168
log.segment.bytes=67108864
log.cleaner.backoff.ms=1000
`;
}

/** Quiet: warnings and the two lines that say the server started or stopped. */
const LOG4J2 = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c{1})%n
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = STDOUT
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = info
logger.broker.name = kafka.server.BrokerServer
logger.broker.level = info
`;

/** A cluster id as Kafka's Uuid.randomUuid().toString() makes it: 16 random bytes, base64url, not starting with '-'. */
function kafkaUuid(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
