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
    expect([...c.explicit].sort()).toEqual(['auto.create.topics.enable', 'log.retention.ms', 'num.partitions']);
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
    const gz = validateTopicConfigs([['compression.type', 'gzip']]);
    expect(gz.ok ? '' : gz.error.message).toContain('recompression is not supported yet');
    const tiered = validateTopicConfigs([['remote.storage.enable', 'true']]);
    expect(tiered.ok ? '' : tiered.error.message).toContain('tiered storage is not available yet');
    // Long.MAX_VALUE keeps its Java spelling in and out.
    expect(validateTopicConfigs([['flush.ms', '9223372036854775807']])).toEqual({ ok: true, configs: { 'flush.ms': '9223372036854775807' } });
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
