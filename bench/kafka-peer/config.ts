// The pure half of the Kafka peer: the pinned version, server.properties for a single-node
// KRaft broker, the cluster id, and the java command lines Kafka's own bin/ scripts would run.
// No I/O, no clock, no randomness: kafka.ts supplies ports, paths and the random bytes.

/** Pinned: bench/kafka-peer/pom.xml names the same version (the cache folder is keyed by it). */
export const KAFKA_VERSION = '4.4.0';

/** Kafka default = no fsync per write (the OS flushes; Kafka relies on replication), against
 *  `freshet --dev`. flush-per-message = log.flush.interval.messages=1, against durable Freshet. */
export type KafkaDurability = 'default' | 'flush-per-message';

export type KafkaNode = {
  /** the PLAINTEXT listener clients use */
  port: number;
  /** the KRaft CONTROLLER listener (combined mode: the same process) */
  controllerPort: number;
  logDir: string;
  durability: KafkaDurability;
};

/** Keys must be Kafka property names: a single node has no replication to lean on. */
export type PropertyMap = ReadonlyArray<readonly [string, string]>;

/**
 * Settings of Kafka's sample config that change what the bench measures and that Freshet takes
 * too: the peer phase gives them to both brokers (Freshet through --set). Kafka's code default
 * for the first rebalance delay is 3000 ms, the sample config's 0; durable Freshet, like Kafka,
 * defaults to 3000 (--dev to 0), so without this ConsumerPerformance's group join would compare
 * a 0 ms wait with a 3 s one.
 */
export const SHARED_SETTINGS: PropertyMap = [['group.initial.rebalance.delay.ms', '0']];

/**
 * server.properties of a combined broker+controller on loopback. The values are those of Kafka's
 * own KRaft sample config (config/kraft/server.properties in 3.x, config/server.properties in
 * 4.x: process.roles, thread counts, socket buffers, 1 GiB segments, replication factor 1 for the
 * internal topics); only ports, the log dir and the durability setting differ. The static voter
 * set (controller.quorum.voters) is still accepted by 4.x and needs no --standalone format.
 */
export function serverProperties(n: KafkaNode): PropertyMap {
  const props: [string, string][] = [
    ['process.roles', 'broker,controller'],
    ['node.id', '1'],
    ['controller.quorum.voters', `1@127.0.0.1:${n.controllerPort}`],
    ['listeners', `PLAINTEXT://127.0.0.1:${n.port},CONTROLLER://127.0.0.1:${n.controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://127.0.0.1:${n.port}`],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['controller.listener.names', 'CONTROLLER'],
    ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'],
    ['num.network.threads', '3'],
    ['num.io.threads', '8'],
    ['socket.send.buffer.bytes', '102400'],
    ['socket.receive.buffer.bytes', '102400'],
    ['socket.request.max.bytes', '104857600'],
    ['log.dirs', n.logDir],
    ['num.partitions', '1'],
    ['num.recovery.threads.per.data.dir', '1'],
    ['offsets.topic.replication.factor', '1'],
    ['transaction.state.log.replication.factor', '1'],
    ['transaction.state.log.min.isr', '1'],
    ['share.coordinator.state.topic.replication.factor', '1'],
    ['share.coordinator.state.topic.min.isr', '1'],
    ['log.retention.hours', '168'],
    ['log.segment.bytes', '1073741824'],
    ['log.retention.check.interval.ms', '300000'],
    // The bench creates its topics itself (same CreateTopics against both brokers).
    ['auto.create.topics.enable', 'false'],
    ...SHARED_SETTINGS.map(([k, v]): [string, string] => [k, v]),
  ];
  // UnifiedLog.append flushes once the unflushed message count reaches this: with 1, every
  // appended batch is fsynced before the produce is answered (Kafka docs, "log.flush.interval.messages").
  if (n.durability === 'flush-per-message') props.push(['log.flush.interval.messages', '1']);
  return props;
}

/** Java properties text; values here never contain characters that need escaping, which is
 *  checked rather than assumed (backslash, newline, leading space would change meaning). */
export function propertiesText(props: PropertyMap): string | Error {
  const lines: string[] = [];
  for (const [k, v] of props) {
    if (/[\\\n\r=:]/.test(k) || /[\\\n\r]/.test(v) || v !== v.trim()) return new Error(`property ${k}=${JSON.stringify(v)} would need escaping`);
    lines.push(`${k}=${v}`);
  }
  return lines.join('\n') + '\n';
}

const UUID_BYTES = 16;

/**
 * A Kafka cluster id from 16 random bytes: org.apache.kafka.common.Uuid#toString is URL-safe
 * base64 without padding (22 characters); `kafka-storage.sh random-uuid` prints the same form.
 * Uuid.randomUuid() rejects ids starting with '-', and the zero/one-ids are reserved.
 */
export function clusterId(random: Uint8Array): string | Error {
  if (random.length !== UUID_BYTES) return new Error(`a cluster id takes ${UUID_BYTES} bytes, got ${random.length}`);
  const id = Buffer.from(random).toString('base64url');
  if (id.startsWith('-')) return new Error('cluster id would start with "-" (Kafka rejects it): draw again');
  if (random.every((b) => b === 0) || (random.slice(0, 15).every((b) => b === 0) && random[15] === 1)) return new Error('reserved cluster id');
  return id;
}

/**
 * JVM options of Kafka's scripts: kafka-server-start.sh sets KAFKA_HEAP_OPTS="-Xmx1G -Xms1G";
 * kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS is "-server -XX:+UseG1GC
 * -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
 * -XX:MaxInlineLevel=15 -Djava.awt.headless=true". The tools (kafka-storage.sh, the perf tools)
 * run with kafka-run-class.sh's default heap, -Xmx256M. GC logging (-loggc) is left out.
 */
export const KAFKA_JVM_PERFORMANCE_OPTS = ['-server', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent', '-XX:MaxInlineLevel=15', '-Djava.awt.headless=true'] as const;
export const SERVER_HEAP_OPTS = ['-Xmx1G', '-Xms1G'] as const;
export const TOOL_HEAP_OPTS = ['-Xmx256M'] as const;

/** log4jConfig: the broker's (INFO to stdout) or, for the tools, TOOLS_LOG4J2_PROPERTIES'. */
export type JavaCommand = { java: string; classpath: string; log4jConfig: string };

function javaArgv(c: JavaCommand, heap: readonly string[], main: string, args: readonly string[]): string[] {
  return [c.java, ...heap, ...KAFKA_JVM_PERFORMANCE_OPTS, `-Dlog4j2.configurationFile=${c.log4jConfig}`, '-cp', c.classpath, main, ...args];
}

/** kafka-storage.sh format: writes meta.properties and the bootstrap checkpoint into log.dirs. */
export function formatArgv(c: JavaCommand, propertiesFile: string, id: string): string[] {
  return javaArgv(c, TOOL_HEAP_OPTS, 'kafka.tools.StorageTool', ['format', '--cluster-id', id, '--config', propertiesFile, '--ignore-formatted']);
}

/** kafka-server-start.sh server.properties. */
export function serverArgv(c: JavaCommand, propertiesFile: string): string[] {
  return javaArgv(c, SERVER_HEAP_OPTS, 'kafka.Kafka', [propertiesFile]);
}

/** Log4j 2 at INFO to the console (the process's log file), Kafka's default root level. */
export const LOG4J2_PROPERTIES = [
  'rootLogger.level = INFO',
  'rootLogger.appenderRef.stdout.ref = STDOUT',
  'appender.stdout.type = Console',
  'appender.stdout.name = STDOUT',
  'appender.stdout.layout.type = PatternLayout',
  'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
  '',
].join('\n');

/** Kafka's config/tools-log4j2.yaml: the tools log WARN and above to stderr, so their stdout
 *  carries only their results. */
export const TOOLS_LOG4J2_PROPERTIES = [
  'rootLogger.level = WARN',
  'rootLogger.appenderRef.stderr.ref = STDERR',
  'appender.stderr.type = Console',
  'appender.stderr.name = STDERR',
  'appender.stderr.target = SYSTEM_ERR',
  'appender.stderr.layout.type = PatternLayout',
  'appender.stderr.layout.pattern = [%d] %p %m (%c)%n',
  '',
].join('\n');
