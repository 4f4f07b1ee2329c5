import { describe, expect, test } from 'bun:test';
import { buildNodeConfig, ConfigError, mergeFileConfig, parseStartArgs } from '../../../src/config/node-config.ts';
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
    expect([...c.explicit].sort()).toEqual(['log.retention.ms', 'num.partitions']);
  });

  test.each([
    [['--rpc-addr', '127.0.0.1:33145'], /internal RPC/],
    [['--seeds', 'a:1'], /clustering is not available/],
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
    const fromFile = { 'kafka-addr': '127.0.0.1:1111', 'data-dir': '/srv/f', set: { 'num.partitions': 6 } };
    const raw = mergeFileConfig(parseStartArgs(['--kafka-addr', '127.0.0.1:2222']), fromFile);
    const c = buildNodeConfig(raw);
    expect(c.kafkaAddr.port).toBe(2222);
    expect(c.dataDir).toBe('/srv/f');
    expect(c.props.get('num.partitions')).toBe(6);
    expect(() => mergeFileConfig({}, { nonsense: 1 })).toThrow(ConfigError);
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
