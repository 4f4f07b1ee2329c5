// A clustered node's partition directories carry their topic id (Kafka's partition.metadata):
// a directory of an earlier topic of the same name is emptied before the new topic opens it, a
// directory of the same topic is kept, one without the file is adopted. And a data directory
// with a single node's topics refuses to start with --seeds, naming the file and what to do.

import { describe, expect, test } from 'bun:test';
import { writeFileAtomic } from '../../../src/storage/atomic-file.ts';
import { claimPartitionDir, PARTITION_METADATA_FILE, refuseSingleNodeTopics } from '../../../src/broker/clustered.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';

const DIR = '/data/kafka/orders/0';
const OLD = 'q1Sh-9_ISia_zwGINzRvyQ';
const NEW = 'AAAAAAAAAAAAAAAAAAAAAQ';
const text = (fs: SimStorageFs, file: string) => new TextDecoder().decode(fs.readFile(file)!);

describe('claimPartitionDir', () => {
  test('a new directory records its topic id; the same topic keeps its files', () => {
    const fs = new SimStorageFs();
    claimPartitionDir(fs, DIR, OLD);
    expect(text(fs, `${DIR}/${PARTITION_METADATA_FILE}`)).toBe(`version: 0\ntopic_id: ${OLD}\n`);
    writeFileAtomic(fs, `${DIR}/00000000000000000000.log`, 'records');
    claimPartitionDir(fs, DIR, OLD);
    expect(fs.exists(`${DIR}/00000000000000000000.log`)).toBe(true);
  });

  test("another topic's directory of the same name is emptied before the new topic takes it", () => {
    const fs = new SimStorageFs();
    claimPartitionDir(fs, DIR, OLD);
    writeFileAtomic(fs, `${DIR}/00000000000000000000.log`, 'old records');
    claimPartitionDir(fs, DIR, NEW);
    expect(fs.exists(`${DIR}/00000000000000000000.log`)).toBe(false);
    expect(text(fs, `${DIR}/${PARTITION_METADATA_FILE}`)).toContain(`topic_id: ${NEW}`);
  });

  test('a directory without the file (a crash right after it was made) is adopted', () => {
    const fs = new SimStorageFs();
    fs.mkdirp(DIR);
    writeFileAtomic(fs, `${DIR}/00000000000000000000.log`, 'records');
    claimPartitionDir(fs, DIR, NEW);
    expect(fs.exists(`${DIR}/00000000000000000000.log`)).toBe(true);
    expect(text(fs, `${DIR}/${PARTITION_METADATA_FILE}`)).toContain(`topic_id: ${NEW}`);
  });
});

describe('refuseSingleNodeTopics', () => {
  test('no topics.json, or an empty one: nothing to refuse', () => {
    const fs = new SimStorageFs();
    fs.mkdirp('/data/cluster');
    expect(() => refuseSingleNodeTopics(fs, '/data/cluster')).not.toThrow();
    writeFileAtomic(fs, '/data/cluster/topics.json', JSON.stringify({ topics: [] }));
    expect(() => refuseSingleNodeTopics(fs, '/data/cluster')).not.toThrow();
  });

  test('topics of a single node: refused, naming the file, the topics (at most five) and what to do', () => {
    const fs = new SimStorageFs();
    fs.mkdirp('/data/cluster');
    const topics = Array.from({ length: 7 }, (_, i) => ({ name: `t${i}`, id: OLD, partitions: 1, configs: {} }));
    writeFileAtomic(fs, '/data/cluster/topics.json', JSON.stringify({ topics }));
    expect(() => refuseSingleNodeTopics(fs, '/data/cluster')).toThrow(
      /\/data\/cluster\/topics\.json holds 7 topic\(s\) from this data directory's life as a single node \(t0, t1, t2, t3, t4 and 2 more\)\..*not built yet.*Start the node without --seeds/,
    );
  });
});
