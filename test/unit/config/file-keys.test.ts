// The config file's Redpanda-style keys (redpanda.yaml's node properties) stand for the same
// settings as the flags: the expected values are what the flag form of each key gives, and
// the shapes are those of Redpanda's broker-properties reference ({address, port} listeners, a
// list of seeds). Precedence stays flag > FRESHET_* > file > default.

import { describe, expect, test } from 'bun:test';
import { parseConfigFile } from '../../../src/config/config-file.ts';
import { buildFromLayer, ConfigError, envLayer, mergeLayers, startFlagsLayer } from '../../../src/config/node-config.ts';

const build = (text: string) => buildFromLayer(parseConfigFile('n.yaml', text));

describe('Redpanda-style keys', () => {
  test('every key sets what its flag sets', () => {
    const c = build(
      [
        'data_directory: /srv/freshet',
        'node_id: 2',
        'kafka_api: {address: 0.0.0.0, port: 19092}',
        'advertised_kafka_api:',
        '  address: kafka.example',
        '  port: 9093',
        'schema_registry_api: {address: 127.0.0.1, port: 18081}',
        'proxy_api: "127.0.0.1:18082"',
        'developer_mode: true',
        'seed_servers:',
        '  - {node_id: 1, address: h1, port: 33145}',
        '  - node_id: 2',
        '    host: {address: h2, port: 33146}',
        '  - 3@h3:33147',
        'rpc_server: {address: 0.0.0.0, port: 33146}',
        '',
      ].join('\n'),
    );
    const flags = buildFromLayer(
      startFlagsLayer([
        '--data-dir', '/srv/freshet', '--node-id', '2', '--kafka-addr', '0.0.0.0:19092', '--advertise-kafka-addr', 'kafka.example:9093',
        '--schema-registry-addr', '127.0.0.1:18081', '--proxy-addr', '127.0.0.1:18082', '--dev',
        '--seeds', '1@h1:33145,2@h2:33146,3@h3:33147', '--rpc-addr', '0.0.0.0:33146',
      ]),
    );
    for (const k of ['nodeId', 'dataDir', 'kafkaAddr', 'advertiseKafkaAddr', 'dev', 'cluster', 'schemaRegistryAddr', 'proxyAddr'] as const) {
      expect(c[k], k).toEqual(flags[k]);
    }
    expect(c.cluster?.seeds.map((s) => s.nodeId)).toEqual([1, 2, 3]);
    expect(c.cluster?.isSeed).toBe(true);
  });

  test("Redpanda's listener list of one is taken; none turns a listener off", () => {
    const c = build('kafka_api:\n  - name: internal\n    address: 127.0.0.1\n    port: 29092\nproxy_api: none\n');
    expect(c.kafkaAddr).toEqual({ host: '127.0.0.1', port: 29092 });
    expect(c.proxyAddr).toBeNull();
  });

  test('IPv6 addresses keep their host', () => {
    expect(build('kafka_api: {address: "::1", port: 9092}\n').kafkaAddr).toEqual({ host: '::1', port: 9092 });
  });

  test('cluster: holds broker properties, as set: does', () => {
    const c = build('cluster:\n  num.partitions: 6\n  log.retention.ms: 1000\n');
    expect(c.props.get('num.partitions')).toBe(6);
    expect(c.props.get('log.retention.ms')).toBe(1000);
    expect(c.explicit.has('num.partitions')).toBe(true);
  });

  test('mistakes name the file, the line and the key', () => {
    expect(() => build('data-dir: d\nkafka_api: {address: h}\n')).toThrow(/^n\.yaml:2: kafka_api: port is missing/);
    expect(() => build('kafka_api: {address: h, port: 70000}\n')).toThrow(/^n\.yaml:1: kafka_api: port 70000 is out of range/);
    expect(() => build('kafka_api: {address: h, port: 1, tls: true}\n')).toThrow(/^n\.yaml:1: kafka_api: unknown key 'tls'/);
    expect(() => build('kafka_api: [{address: a, port: 1}, {address: b, port: 2}]\n')).toThrow(/^n\.yaml:1: kafka_api: expected one/);
    expect(() => build('\nseed_servers:\n  - {address: h1, port: 33145}\n')).toThrow(/^n\.yaml:2: seed_servers\[0\]: node_id is missing/);
    expect(() => build('cluster:\n  no.such: 1\n')).toThrow(/^n\.yaml:2: cluster\.no\.such: unknown broker property/);
    expect(() => build('developer_mode: maybe\n')).toThrow(/developer_mode takes true or false/);
    expect(() => build('node_id: x\n')).toThrow(/^n\.yaml:1: node_id: expected a non-negative integer/);
    expect(() => build('admin_apis: {address: h, port: 1}\n')).toThrow(/^n\.yaml:1: unknown key 'admin_apis'/);
  });

  test('a setting named twice is an error', () => {
    expect(() => build('data-dir: a\ndata_directory: b\n')).toThrow(ConfigError);
    expect(() => build('data-dir: a\ndata_directory: b\n')).toThrow(/^n\.yaml:2: data_directory and data-dir \(line 1\) both set --data-dir/);
    expect(() => build('set:\n  num.partitions: 2\ncluster:\n  num.partitions: 3\n')).toThrow(/^n\.yaml:4: cluster\.num\.partitions: num\.partitions is also set at n\.yaml:2/);
  });

  test('precedence: flag > FRESHET_* > file > default', () => {
    const file = parseConfigFile('n.yaml', 'data_directory: file-dir\nkafka_api: {address: 127.0.0.1, port: 1001}\nnode_id: 5\n');
    const env = envLayer({ FRESHET_KAFKA_ADDR: '127.0.0.1:2002', FRESHET_NODE_ID: '6' });
    const flags = startFlagsLayer(['--node-id', '7']);
    const c = buildFromLayer(mergeLayers(flags, env, file));
    expect(c.nodeId).toBe(7);
    expect(c.kafkaAddr.port).toBe(2002);
    expect(c.dataDir).toBe('file-dir');
    expect(buildFromLayer(parseConfigFile('n.yaml', '')).dataDir).toBe('./data');
  });
});
