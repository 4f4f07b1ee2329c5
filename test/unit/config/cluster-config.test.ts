// --seeds, --rpc-addr, --advertise-rpc-addr: parsing, defaults, refusals, every source (flag,
// FRESHET_* variable, YAML file, a YAML list for the seeds); and the cluster id derived from
// the seeds (cluster/cluster-id.ts).

import { describe, expect, test } from 'bun:test';
import { clusterIdFromSeeds, loadOrCreateClusterId, readClusterId } from '../../../src/cluster/cluster-id.ts';
import { parseConfigFile } from '../../../src/config/config-file.ts';
import { formatSeeds, SEEDS_MAX } from '../../../src/config/cluster-config.ts';
import { buildFromLayer, buildNodeConfig, envLayer, mergeLayers, parseStartArgs, startFlagsLayer } from '../../../src/config/node-config.ts';
import { Prng } from '../../../src/base/prng.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';

const SEEDS = '1@10.0.0.1:33145,2@10.0.0.2:33145,3@10.0.0.3:33145';
const config = (args: string[]) => buildNodeConfig(parseStartArgs(args));

describe('clustering settings', () => {
  test('no --seeds: no cluster, as before (and --rpc-addr alone is refused)', () => {
    expect(config([]).cluster).toBeNull();
    expect(() => config(['--advertise-rpc-addr', 'h:1'])).toThrow(/--advertise-rpc-addr: needs --seeds/);
  });

  test('a seed listens on and advertises its own entry unless told otherwise; ids sorted', () => {
    const c = config(['--node-id', '2', '--seeds', '3@10.0.0.3:33145, 1@10.0.0.1:33145,2@10.0.0.2:33146']).cluster!;
    expect(c.isSeed).toBe(true);
    expect(c.seeds.map((s) => s.nodeId)).toEqual([1, 2, 3]);
    expect(c.rpcAddr).toEqual({ host: '10.0.0.2', port: 33146 });
    expect(c.advertiseRpcAddr).toEqual({ host: '10.0.0.2', port: 33146 });
    const wild = config(['--node-id', '2', '--seeds', SEEDS, '--rpc-addr', '0.0.0.0:33145']).cluster!;
    expect(wild.rpcAddr).toEqual({ host: '0.0.0.0', port: 33145 });
    expect(wild.advertiseRpcAddr).toEqual({ host: '10.0.0.2', port: 33145 });
  });

  test('a node not in the seeds joins as a learner: default listener 127.0.0.1:33145, a wildcard advertised as loopback', () => {
    const c = config(['--node-id', '7', '--seeds', SEEDS]).cluster!;
    expect(c.isSeed).toBe(false);
    expect(c.rpcAddr).toEqual({ host: '127.0.0.1', port: 33145 });
    expect(config(['--node-id', '7', '--seeds', SEEDS, '--rpc-addr', '0.0.0.0:4000']).cluster!.advertiseRpcAddr).toEqual({ host: '127.0.0.1', port: 4000 });
    expect(config(['--node-id', '7', '--seeds', SEEDS, '--advertise-rpc-addr', 'n7.example:4000']).cluster!.advertiseRpcAddr).toEqual({
      host: 'n7.example',
      port: 4000,
    });
  });

  test.each([
    [['--seeds', ''], /no seeds given/],
    [['--seeds', '1@h:1,1@g:2'], /node id 1 is listed twice/],
    [['--seeds', '1@h:1,2@h:1'], /address h:1 is listed twice/],
    [['--seeds', 'x@h:1'], /expected ID@HOST:PORT/],
    [['--seeds', '1@h'], /expected HOST:PORT/],
    [['--seeds', '1@h:99999'], /out of range/],
    [['--seeds', '99999999999@h:1'], /expected ID@HOST:PORT|out of range/],
    [['--seeds', Array.from({ length: SEEDS_MAX + 1 }, (_, i) => `${i}@h:${i + 1}`).join(',')], /more than 15/],
    [['--node-id', '1', '--seeds', SEEDS, '--advertise-rpc-addr', '10.9.9.9:33145'], /differs from this node's entry in --seeds/],
  ])('%p is refused, naming the flag', (args, message) => {
    expect(() => config(args as string[])).toThrow(message as RegExp);
  });

  test('from FRESHET_SEEDS and FRESHET_RPC_ADDR, and from the file (a YAML list too); the flag wins', () => {
    const env = envLayer({ FRESHET_SEEDS: SEEDS, FRESHET_RPC_ADDR: '127.0.0.1:5000', FRESHET_NODE_ID: '9' });
    expect(buildFromLayer(env).cluster!.rpcAddr.port).toBe(5000);
    const file = parseConfigFile('node.yaml', 'node-id: 2\nseeds:\n  - 1@10.0.0.1:33145\n  - 2@10.0.0.2:33145\n');
    const fromFile = buildFromLayer(file).cluster!;
    expect(formatSeeds(fromFile.seeds)).toBe('1@10.0.0.1:33145,2@10.0.0.2:33145');
    expect(fromFile.isSeed).toBe(true);
    const flagWins = buildFromLayer(mergeLayers(startFlagsLayer(['--seeds', '5@h:1']), file)).cluster!;
    expect(formatSeeds(flagWins.seeds)).toBe('5@h:1');
    expect(() => buildFromLayer(parseConfigFile('node.yaml', 'seeds:\n  - 1@h\n'))).toThrow(/node.yaml:1: seeds/);
  });
});

describe('the cluster id', () => {
  const seeds = config(['--seeds', SEEDS]).cluster!.seeds;

  test('derived from the seed list: the same on every node, whatever order the list was given in; another list, another id', () => {
    const id = clusterIdFromSeeds(seeds);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(id.startsWith('-')).toBe(false);
    const reordered = config(['--seeds', '3@10.0.0.3:33145,2@10.0.0.2:33145,1@10.0.0.1:33145']).cluster!.seeds;
    expect(clusterIdFromSeeds(reordered)).toBe(id);
    expect(clusterIdFromSeeds(config(['--seeds', '1@10.0.0.1:33145,2@10.0.0.2:33145,3@10.0.0.3:33146']).cluster!.seeds)).not.toBe(id);
    expect(clusterIdFromSeeds(config(['--seeds', '1@10.0.0.1:33145,2@10.0.0.2:33145,4@10.0.0.3:33145']).cluster!.seeds)).not.toBe(id);
  });

  test('written to meta.json on first start; the stored one wins afterwards (a lone node keeps its random id)', () => {
    const fs = new SimStorageFs();
    fs.mkdirp('/d');
    const deps = { fs, random: new Prng(1) };
    expect(readClusterId(fs, '/d')).toBeNull();
    const id = loadOrCreateClusterId(deps, '/d', seeds);
    expect(id).toBe(clusterIdFromSeeds(seeds));
    expect(readClusterId(fs, '/d')).toBe(id);
    const other = config(['--seeds', '1@elsewhere:1']).cluster!.seeds;
    expect(loadOrCreateClusterId(deps, '/d', other)).toBe(id);
    fs.mkdirp('/lone');
    const lone = loadOrCreateClusterId(deps, '/lone', null);
    expect(lone).not.toBe(id);
    expect(loadOrCreateClusterId(deps, '/lone', seeds)).toBe(lone);
  });
});
