// config-view.ts: the example file builds the same node configuration as no file at all, and
// every node setting is listed with its origin (the rule of node-config.ts: flag > FRESHET_* >
// file > default).

import { describe, expect, test } from 'bun:test';
import { parseConfigFile } from '../../../src/config/config-file.ts';
import { effectiveSettings, exampleFile } from '../../../src/config/config-view.ts';
import { BROKER_PROPERTIES } from '../../../src/config/properties.ts';
import { buildFromLayer, EMPTY_LAYER, envLayer, mergeLayers, START_FLAGS, startFlagsLayer } from '../../../src/config/node-config.ts';

describe('config example', () => {
  test('parses and builds the same configuration as defaults', () => {
    const fromFile = buildFromLayer(parseConfigFile('example.yaml', exampleFile()));
    const none = buildFromLayer(EMPTY_LAYER);
    expect(fromFile).toEqual(none);
  });

  test('names every broker property (commented) and every node setting', () => {
    const text = exampleFile();
    for (const p of BROKER_PROPERTIES.filter((d) => d.setByFlag === undefined)) expect(text).toContain(`  # ${p.name}: `);
    for (const flag of Object.keys(START_FLAGS).filter((f) => f !== 'config' && f !== 'set')) expect(text).toContain(`# flag --${flag}, `);
  });
});

describe('config print rows', () => {
  test('each setting with its value and origin; explicit properties after', () => {
    const layer = mergeLayers(
      startFlagsLayer(['--node-id', '3', '--set', 'num.partitions=4']),
      envLayer({ FRESHET_KAFKA_ADDR: '0.0.0.0:9999' }),
      parseConfigFile('n.yaml', 'data_directory: /d\ncluster:\n  log.retention.ms: 5\n'),
    );
    const rows = new Map(effectiveSettings(layer, buildFromLayer(layer)).map((r) => [r.key, r]));
    expect(rows.get('node_id')).toEqual({ key: 'node_id', flag: '--node-id', env: 'FRESHET_NODE_ID', value: '3', source: '--node-id' });
    expect(rows.get('kafka_api')?.source).toBe('FRESHET_KAFKA_ADDR');
    expect(rows.get('advertised_kafka_api')).toMatchObject({ value: '127.0.0.1:9999', source: 'default' });
    expect(rows.get('data_directory')).toMatchObject({ value: '/d', source: 'n.yaml:1: data_directory' });
    expect(rows.get('seed_servers')).toMatchObject({ value: null, source: 'default' });
    expect(rows.get('cluster.num.partitions')).toMatchObject({ value: '4', source: '--set' });
    expect(rows.get('cluster.log.retention.ms')).toMatchObject({ value: '5', source: 'n.yaml:3: cluster.log.retention.ms' });
    expect(rows.has('cluster.log.segment.bytes')).toBe(false);
  });
});
