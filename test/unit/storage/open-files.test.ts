// The bounded cache of open segment files (src/storage/open-files.ts) on the simulated
// filesystem, whose descriptor count is the thing being bounded.

import { describe, expect, test } from 'bun:test';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { type LogFile, OpenFiles, openFilesFor, OPEN_FILES_MAX, OPEN_FILES_MIN } from '../../../src/storage/open-files.ts';

const DIR = '/data/kafka/t/0';
const bytes = (text: string) => new TextEncoder().encode(text);

function readAll(f: LogFile, len: number): string {
  const buf = new Uint8Array(len);
  const n = f.pread(buf, 0, len, 0);
  return new TextDecoder().decode(buf.subarray(0, n));
}

function setup(maxOpen: number, syncsMax = 4): { fs: SimStorageFs; files: OpenFiles; logs: LogFile[] } {
  const fs = new SimStorageFs();
  fs.mkdirp(DIR);
  const files = new OpenFiles(fs, maxOpen, syncsMax);
  const logs: LogFile[] = [];
  for (let i = 0; i < 6; i++) {
    const f = files.create(`${DIR}/${i}.log`);
    f.append(bytes(`file ${i}`));
    logs.push(f);
  }
  return { fs, files, logs };
}

describe('OpenFiles', () => {
  test('holds at most maxOpen descriptors, closing the least recently used; a closed one reopens by path', () => {
    const { fs, files, logs } = setup(3);
    expect(fs.openFdCount).toBe(3);
    expect(files.openCount).toBe(3);
    // 3, 4, 5 are open (0, 1, 2 were closed to make room); reading 3 makes 4 the oldest.
    expect(readAll(logs[3], 20)).toBe('file 3');
    expect(readAll(logs[0], 20)).toBe('file 0');
    expect(files.isOpen(logs[4])).toBe(false);
    expect(files.isOpen(logs[3])).toBe(true);
    for (let round = 0; round < 3; round++) {
      for (const [i, f] of logs.entries()) {
        expect(readAll(f, 20)).toBe(`file ${i}`);
        expect(fs.openFdCount).toBeLessThanOrEqual(3);
      }
    }
    expect(files.evictions).toBeGreaterThan(10);
  });

  test('appends and truncation go to the right file across evictions', () => {
    const { fs, logs } = setup(2);
    for (let i = 0; i < 6; i++) logs[i].append(bytes(`+${i}`));
    logs[1].truncate(4);
    expect(logs.map((f) => readAll(f, 20))).toEqual(['file 0+0', 'file', 'file 2+2', 'file 3+3', 'file 4+4', 'file 5+5']);
    expect(logs[2].size()).toBe(8);
    expect(fs.openFdCount).toBeLessThanOrEqual(2);
  });

  test('a running fsync keeps its descriptor; fsyncs beyond syncsMax wait for a slot', async () => {
    const { fs, files, logs } = setup(2, 2);
    fs.fsyncDelaysMs = [30, 30, 0, 0, 0, 0];
    const before = fs.fsyncCalls;
    const syncs = logs.map((f) => f.fsync());
    expect(fs.fsyncCalls - before).toBe(2); // the others queue without a descriptor
    // Both running fsyncs hold open files: using the other files must not close theirs.
    const running = logs.filter((f) => f.syncing);
    expect(running.length).toBe(2);
    for (const f of logs) readAll(f, 20);
    for (const f of running) expect(files.isOpen(f)).toBe(true);
    expect(fs.openFdCount).toBeLessThanOrEqual(2 + 2);
    await Promise.all(syncs);
    expect(fs.fsyncCalls - before).toBe(6);
    expect(logs.some((f) => f.syncing)).toBe(false);
  });

  test('close waits for an fsync asked before it; afterwards reads fail and an fsync does nothing', async () => {
    const { fs, files, logs } = setup(6);
    fs.fsyncDelaysMs = [20];
    const sync = logs[0].fsync();
    logs[0].close();
    expect(files.isOpen(logs[0])).toBe(true); // the fsync still uses it
    await sync;
    expect(files.isOpen(logs[0])).toBe(false);
    expect(() => readAll(logs[0], 20)).toThrow(/EBADF/);
    const calls = fs.fsyncCalls;
    await logs[0].fsync();
    expect(fs.fsyncCalls).toBe(calls);
  });

  test('a file that vanished is an error on its next use, never recreated empty', () => {
    const { fs, files, logs } = setup(2);
    expect(files.isOpen(logs[0])).toBe(false);
    fs.unlink(`${DIR}/0.log`);
    expect(() => readAll(logs[0], 20)).toThrow(/ENOENT/);
    expect(fs.exists(`${DIR}/0.log`)).toBe(false);
  });

  test('a queued fsync of a file deleted and closed meanwhile does nothing', async () => {
    const { fs, logs } = setup(1, 1);
    fs.fsyncDelaysMs = [20];
    const first = logs[5].fsync();
    const queued = logs[0].fsync(); // waits for the slot; logs[0] is not open
    fs.unlink(`${DIR}/0.log`);
    logs[0].close();
    await Promise.all([first, queued]);
    expect(fs.exists(`${DIR}/0.log`)).toBe(false);
  });

  test('index files fsynced by path: a missing one needs no fsync', async () => {
    const { fs, files } = setup(2);
    const calls = fs.fsyncCalls;
    await files.fsyncPath(`${DIR}/0.log`);
    await files.fsyncPath(`${DIR}/gone.index`);
    files.fsyncPathSync(`${DIR}/gone.index`);
    expect(fs.fsyncCalls).toBe(calls + 1);
    expect(fs.openFdCount).toBeLessThanOrEqual(2);
  });

  test('a file created on first write costs nothing until then; its first append creates it and its directory', async () => {
    const fs = new SimStorageFs();
    const files = new OpenFiles(fs, 2);
    const f = files.createOnFirstWrite('/data/kafka/new/0/00000000000000000000.log');
    expect([f.size(), readAll(f, 10)]).toEqual([0, '']);
    await f.fsync();
    f.fsyncSync();
    expect([fs.exists('/data/kafka/new/0'), fs.openFdCount, fs.fsyncCalls]).toEqual([false, 0, 0]);
    f.append(bytes('first'));
    expect(readAll(f, 10)).toBe('first');
    expect(fs.exists('/data/kafka/new/0/00000000000000000000.log')).toBe(true);
    const never = files.createOnFirstWrite('/data/kafka/other/0/00000000000000000000.log');
    never.close();
    expect(fs.exists('/data/kafka/other')).toBe(false);
  });

  test('out of descriptors (others hold them): the cache closes half of its own and the open succeeds', () => {
    const { fs, files, logs } = setup(6);
    expect(files.openCount).toBe(6);
    fs.fdLimit = 5; // connections took every other descriptor: the cache's own limit is not reached
    const extra = files.create(`${DIR}/extra.log`);
    extra.append(bytes('extra'));
    expect(files.openCount).toBe(3); // 5 after making room, EMFILE, 2 kept, then the new one
    expect(readAll(extra, 10)).toBe('extra');
    expect(logs.map((f) => readAll(f, 10))).toEqual(['file 0', 'file 1', 'file 2', 'file 3', 'file 4', 'file 5']);
    // With nothing of its own left to give back, EMFILE is the caller's error.
    const bare = new OpenFiles(fs, 4);
    fs.fdLimit = fs.openFdCount;
    expect(() => bare.create(`${DIR}/more.log`)).toThrow(/EMFILE/);
  });

  test('sized from the fd limit: half of it, within [OPEN_FILES_MIN, OPEN_FILES_MAX]', () => {
    expect(openFilesFor(1024)).toBe(512);
    expect(openFilesFor(20)).toBe(OPEN_FILES_MIN);
    expect(openFilesFor(1 << 20)).toBe(OPEN_FILES_MAX);
  });
});
