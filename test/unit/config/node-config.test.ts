import { describe, expect, test } from 'bun:test';
import { UsageError } from '../../../src/base/flags.ts';
import { parseConfigFile, syntaxErrorLine } from '../../../src/config/config-file.ts';
import {
  buildFromLayer,
  buildNodeConfig,
  ConfigError,
  envLayer,
  mergeLayers,
  parseStartArgs,
  startFlagsLayer,
} from '../../../src/config/node-config.ts';
import { effectiveTopicConfig, validateTopicConfigs } from '../../../src/config/topic-config.ts';

describe('freshet start arguments', () => {
  test('defaults: node 0 on 127.0.0.1:9092, data in ./data, durable', () => {
    const c = buildNodeConfig(parseStartArgs([]));
    expect(c.nodeId).toBe(0);
    expect(c.kafkaAddr).toEqual({ host: '127.0.0.1', port: 9092 });
    expect(c.advertiseKafkaAddr).toEqual({ host: '127.0.0.1', port: 9092 });
    expect(c.dataDir).toBe('./data');
    expect(c.dev).toBe(false);
    expect(c.props.get('socket.request.max.bytes')).toBe(100 * 1024 * 1024);
    expect(c.props.get('produce.validation.threads')).toBe(0); // validation threads are opt-in
  });

  test('flags, --flag=value and --set are applied; a wildcard listener advertises loopback', () => {
    const c = buildNodeConfig(
      parseStartArgs(['--kafka-addr=0.0.0.0:19092', '--node-id', '3', '--dev', '--set', 'log.retention.ms=-1', '--set', 'num.partitions=4']),
    );
    expect(c.nodeId).toBe(3);
    expect(c.advertiseKafkaAddr).toEqual({ host: '127.0.0.1', port: 19092 });
    expect(c.dev).toBe(true);
    expect(c.props.get('log.retention.ms')).toBe(-1);
    expect(c.props.get('num.partitions')).toBe(4);
    expect([...c.explicit].sort()).toEqual(['auto.create.topics.enable', 'log.retention.ms', 'num.partitions', 'storage.min.free.bytes']);
    expect(c.props.get('storage.min.free.bytes')).toBe(64 * 1024 * 1024); // --dev's smaller reserve
  });

  test('auto.create.topics.enable is off unless --dev or set; --dev turns it on unless set false', () => {
    const auto = (args: string[]) => buildNodeConfig(parseStartArgs(args)).props.get('auto.create.topics.enable');
    expect(auto([])).toBe(false);
    expect(auto(['--dev'])).toBe(true);
    expect(auto(['--dev', '--set', 'auto.create.topics.enable=false'])).toBe(false);
    expect(auto(['--set', 'auto.create.topics.enable=true'])).toBe(true);
    // --dev is a static setting of the node: DescribeConfigs reports the value it gives as such.
    expect(buildNodeConfig(parseStartArgs(['--dev'])).explicit.has('auto.create.topics.enable')).toBe(true);
    expect(buildNodeConfig(parseStartArgs([])).explicit.has('auto.create.topics.enable')).toBe(false);
  });

  test('the free-space reserve is 5 GiB, 64 MiB under --dev (a sidecar on a nearly full disk), unless set', () => {
    const reserve = (args: string[]) => buildNodeConfig(parseStartArgs(args)).props.get('storage.min.free.bytes');
    expect(reserve([])).toBe(5 * 1024 * 1024 * 1024);
    expect(reserve(['--dev'])).toBe(64 * 1024 * 1024);
    expect(reserve(['--dev', '--set', 'storage.min.free.bytes=1000'])).toBe(1000);
  });

  test('the schema registry listens on 127.0.0.1:8081 (Confluent\'s port) unless given an address or none', () => {
    const addr = (args: string[]) => buildNodeConfig(parseStartArgs(args)).schemaRegistryAddr;
    expect(addr([])).toEqual({ host: '127.0.0.1', port: 8081 });
    expect(addr(['--schema-registry-addr', '0.0.0.0:18081'])).toEqual({ host: '0.0.0.0', port: 18081 });
    expect(addr(['--schema-registry-addr', 'none'])).toBeNull();
    expect(() => addr(['--schema-registry-addr', 'nohost'])).toThrow(/--schema-registry-addr: expected HOST:PORT/);
  });

  test("the HTTP proxy listens on 127.0.0.1:8082 (Confluent REST Proxy's port) unless given an address or none", () => {
    const addr = (args: string[]) => buildNodeConfig(parseStartArgs(args)).proxyAddr;
    expect(addr([])).toEqual({ host: '127.0.0.1', port: 8082 });
    expect(addr(['--proxy-addr', '0.0.0.0:18082'])).toEqual({ host: '0.0.0.0', port: 18082 });
    expect(addr(['--proxy-addr', 'none'])).toBeNull();
    expect(() => addr(['--proxy-addr', 'nohost'])).toThrow(/--proxy-addr: expected HOST:PORT/);
  });

  test("the admin API listens on 127.0.0.1:9644 (Redpanda's admin port) unless given an address or none", () => {
    const addr = (args: string[]) => buildNodeConfig(parseStartArgs(args)).adminAddr;
    expect(addr([])).toEqual({ host: '127.0.0.1', port: 9644 });
    expect(addr(['--admin-addr', '0.0.0.0:19644'])).toEqual({ host: '0.0.0.0', port: 19644 });
    expect(addr(['--admin-addr', 'none'])).toBeNull();
    expect(buildFromLayer(envLayer({ FRESHET_ADMIN_ADDR: 'none' })).adminAddr).toBeNull();
  });

  test.each([
    [['--rpc-addr', '127.0.0.1:33145'], /--rpc-addr: needs --seeds/],
    [['--seeds', 'a:1'], /expected ID@HOST:PORT/],
    [['--admin-addr', 'nohost'], /--admin-addr: expected HOST:PORT/],
    [['--bogus', 'x'], /unknown flag --bogus/],
    [['--kafka-addr', 'nohost'], /expected HOST:PORT/],
    [['--kafka-addr', '127.0.0.1:70000'], /out of range/],
    [['--node-id', '-1'], /non-negative integer/],
    [['--set', 'no.such.property=1'], /unknown broker property/],
    [['--set', 'num.partitions=0'], /Value must be in/],
    [['--set', 'auto.create.topics.enable=yes'], /true or false/],
    [['--data-dir'], /needs a value/],
    [['--set', 'listeners=PLAINTEXT://:9093'], /listeners is set by --kafka-addr/],
  ])('%p is refused with a clear message', (args, message) => {
    expect(() => buildNodeConfig(parseStartArgs(args as string[]))).toThrow(message as RegExp);
  });

  test('a config file sits under the flags; its set: map adds broker properties', () => {
    const file = parseConfigFile('node.yaml', 'kafka-addr: 127.0.0.1:1111\ndata-dir: /srv/f\nset:\n  num.partitions: 6\n');
    const c = buildFromLayer(mergeLayers(startFlagsLayer(['--kafka-addr', '127.0.0.1:2222']), file));
    expect(c.kafkaAddr.port).toBe(2222);
    expect(c.dataDir).toBe('/srv/f');
    expect(c.props.get('num.partitions')).toBe(6);
    expect(() => parseConfigFile('node.yaml', 'nonsense: 1\n')).toThrow(ConfigError);
  });
});

describe('strict booleans', () => {
  test('--dev=false is not dev mode; --dev and --dev=true are', () => {
    expect(buildNodeConfig(parseStartArgs(['--dev=false'])).dev).toBe(false);
    expect(buildNodeConfig(parseStartArgs(['--dev'])).dev).toBe(true);
    expect(buildNodeConfig(parseStartArgs(['--dev=true'])).dev).toBe(true);
  });

  test.each([['--dev=maybe'], ['--dev=yes'], ['--dev=1'], ['--dev=']])('%p is a usage error', (arg) => {
    expect(() => parseStartArgs([arg])).toThrow(UsageError);
    expect(() => parseStartArgs([arg])).toThrow(/--dev takes true or false/);
  });

  test('YAML dev: maybe and FRESHET_DEV=maybe are usage errors naming where', () => {
    const file = parseConfigFile('node.yaml', 'data-dir: d\ndev: maybe\n');
    expect(() => buildFromLayer(file)).toThrow(/node\.yaml:2: dev takes true or false, not 'maybe'/);
    expect(() => buildFromLayer(envLayer({ FRESHET_DEV: 'maybe' }))).toThrow(/FRESHET_DEV takes true or false/);
    expect(buildFromLayer(parseConfigFile('n.yaml', 'dev: false\n')).dev).toBe(false);
    expect(buildFromLayer(envLayer({ FRESHET_DEV: 'false' })).dev).toBe(false);
  });
});

describe('configuration sources', () => {
  test('precedence: flags over FRESHET_* over the file over defaults', () => {
    const file = parseConfigFile('n.yaml', 'node-id: 1\ndata-dir: from-file\nkafka-addr: 127.0.0.1:1001\n');
    const env = envLayer({ FRESHET_NODE_ID: '2', FRESHET_DATA_DIR: 'from-env', FRESHET_OTHER: 'ignored' });
    const flags = startFlagsLayer(['--node-id', '3']);
    const c = buildFromLayer(mergeLayers(flags, env, file));
    expect(c.nodeId).toBe(3);
    expect(c.dataDir).toBe('from-env');
    expect(c.kafkaAddr.port).toBe(1001);
    expect(c.advertiseKafkaAddr).toEqual({ host: '127.0.0.1', port: 1001 });
  });

  test('--set flags apply after the file set: map', () => {
    const file = parseConfigFile('n.yaml', 'set:\n  num.partitions: 6\n  log.retention.ms: 1000\n');
    const c = buildFromLayer(mergeLayers(startFlagsLayer(['--set', 'num.partitions=8']), file));
    expect(c.props.get('num.partitions')).toBe(8);
    expect(c.props.get('log.retention.ms')).toBe(1000);
  });

  test('errors name the origin: flag, environment variable, or file and line', () => {
    expect(() => buildFromLayer(envLayer({ FRESHET_NODE_ID: 'x' }))).toThrow(/^FRESHET_NODE_ID: expected a non-negative integer/);
    expect(() => buildFromLayer(envLayer({ FRESHET_KAFKA_ADDR: 'nohost' }))).toThrow(/^FRESHET_KAFKA_ADDR: expected HOST:PORT/);
    const file = 'data-dir: d\nset:\n  num.partitions: 2\n  log.retention.ms: soon\n';
    expect(() => buildFromLayer(parseConfigFile('n.yaml', file))).toThrow(/^n\.yaml:4: set\.log\.retention\.ms: Invalid value soon/);
    expect(() => buildFromLayer(parseConfigFile('n.yaml', '\nnode-id: -4\n'))).toThrow(/^n\.yaml:2: node-id: expected a non-negative integer/);
    expect(() => buildFromLayer(parseConfigFile('n.yaml', 'set:\n  no.such: 1\n'))).toThrow(/^n\.yaml:2: set\.no\.such: unknown broker property/);
  });

  test('file mistakes name the file and the line', () => {
    expect(() => parseConfigFile('n.yaml', 'data-dir: d\nkafka_addr: x:1\n')).toThrow(/^n\.yaml:2: unknown key 'kafka_addr'/);
    expect(() => parseConfigFile('n.yaml', 'data-dir: d\ndev: true\ndata-dir: e\n')).toThrow(/^n\.yaml:3: key 'data-dir' repeats the one on line 1/);
    expect(() => parseConfigFile('n.yaml', 'data-dir: d\nset: 5\n')).toThrow(/^n\.yaml:2: set must be a map/);
    expect(() => parseConfigFile('n.yaml', '- a\n- b\n')).toThrow(/^n\.yaml: expected a map of settings/);
    expect(() => parseConfigFile('n.yaml', 'config: other.yaml\n')).toThrow(/^n\.yaml:1: unknown key 'config'/);
    expect(() => parseConfigFile('n.yaml', 'data-dir:\n')).toThrow(/^n\.yaml:1: data-dir has no value/);
    expect(() => parseConfigFile('n.yaml', 'data-dir: d\nnode-id: [1,\nkafka-addr: x:1\n')).toThrow(/^n\.yaml:\d+: not valid YAML/);
  });

  test('a YAML syntax error is placed after the longest prefix that parses', () => {
    expect(syntaxErrorLine('a: 1\nb: 2\n  c: 3\nd: 4')).toBe(3);
    expect(syntaxErrorLine("a: 1\nb: 'open\nc: 3")).toBe(2);
    // A valid multi-line value does not move the line: the first bad line is 4.
    expect(syntaxErrorLine('a: [1,\n  2]\nb: 1\n  c: : :')).toBe(4);
  });

  test('an empty file is no settings; an IPv4-looking host must be a valid address', () => {
    expect(buildFromLayer(parseConfigFile('n.yaml', '')).nodeId).toBe(0);
    expect(() => buildNodeConfig(parseStartArgs(['--kafka-addr', '999.1.1.1:9092']))).toThrow(/not a valid IPv4 address/);
  });

  test('queued.max.request.bytes below socket.request.max.bytes is refused', () => {
    expect(() => buildNodeConfig(parseStartArgs(['--set', 'queued.max.request.bytes=1048576']))).toThrow(
      /queued\.max\.request\.bytes \(1048576\) must be at least socket\.request\.max\.bytes/,
    );
    const c = buildNodeConfig(parseStartArgs(['--set', 'queued.max.request.bytes=2097152', '--set', 'socket.request.max.bytes=1048576']));
    expect(c.props.get('queued.max.request.bytes')).toBe(2097152);
  });
});

describe('topic configs', () => {
  test('overrides are validated with Kafka messages', () => {
    expect(validateTopicConfigs([['retention.ms', '-1']])).toEqual({ ok: true, configs: { 'retention.ms': '-1' } });
    const bad = validateTopicConfigs([['retention.ms', 'soon']]);
    expect(bad.ok).toBe(false);
    const unknown = validateTopicConfigs([['colour', 'blue']]);
    expect(unknown.ok ? '' : unknown.error.message).toContain('Unknown topic config name: colour');
    const policy = validateTopicConfigs([['cleanup.policy', 'compact,delete']]);
    expect(policy.ok).toBe(true);
    expect(validateTopicConfigs([['message.timestamp.type', 'Whenever']]).ok).toBe(false);
  });

  test('Kafka configs we do not act on yet are accepted, or refused with the reason', () => {
    expect(validateTopicConfigs([['compression.type', 'producer'], ['min.compaction.lag.ms', '5']]).ok).toBe(true);
    // Broker-side recompression: every codec Kafka knows is accepted.
    for (const codec of ['uncompressed', 'gzip', 'snappy', 'lz4', 'zstd']) {
      expect(validateTopicConfigs([['compression.type', codec]])).toEqual({ ok: true, configs: { 'compression.type': codec } });
    }
    const none = validateTopicConfigs([['compression.type', 'none']]);
    expect(none.ok ? '' : none.error.message).toBe(
      'Invalid value none for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer',
    );
    const tiered = validateTopicConfigs([['remote.storage.enable', 'true']]);
    expect(tiered.ok ? '' : tiered.error.message).toContain('tiered storage is not available yet');
    // Long.MAX_VALUE keeps its Java spelling in and out.
    expect(validateTopicConfigs([['flush.ms', '9223372036854775807']])).toEqual({ ok: true, configs: { 'flush.ms': '9223372036854775807' } });
  });

  test('log.retention.hours / .minutes / .ms: the finest unit set wins (KafkaConfig.logRetentionTimeMillis)', () => {
    const eff = (sets: string[]) => effectiveTopicConfig({}, buildNodeConfig(parseStartArgs(sets.flatMap((s) => ['--set', s]))).props);
    expect(eff([]).retentionMs).toBe(7 * 24 * 3_600_000);
    expect(eff(['log.retention.hours=2']).retentionMs).toBe(2 * 3_600_000);
    expect(eff(['log.retention.hours=2', 'log.retention.minutes=3']).retentionMs).toBe(3 * 60_000);
    expect(eff(['log.retention.minutes=3', 'log.retention.ms=500']).retentionMs).toBe(500);
    expect(eff(['log.retention.hours=-1']).retentionMs).toBe(-1);
    expect(eff(['log.roll.hours=1']).segmentMs).toBe(3_600_000);
  });

  test('effective values come from overrides, then broker properties, then defaults', () => {
    const broker = buildNodeConfig(parseStartArgs(['--set', 'log.segment.bytes=1048576'])).props;
    const eff = effectiveTopicConfig({ 'retention.bytes': '1000' }, broker);
    expect(eff.retentionBytes).toBe(1000);
    expect(eff.segmentBytes).toBe(1048576);
    expect(eff.messageTimestampType).toBe('CreateTime');
    expect(eff.maxMessageBytes).toBe(1048588);
  });
});
