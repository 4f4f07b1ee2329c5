// packaging/tar.ts against GNU tar, which reads what we write: names, modes, sizes, mtime,
// owner and contents must come back as given, including sizes that are not a multiple of 512.

import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TAR_NAME_BYTES_MAX, writeTar } from '../../../packaging/tar.ts';
import { expectSuccess, run } from '../../helpers/process.ts';

const scratch = mkdtempSync(join(tmpdir(), 'freshet-tar-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const MTIME_SECONDS = 1_700_000_000; // 2023-11-14T22:13:20Z
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

test('GNU tar lists and extracts what writeTar wrote: modes, sizes, owner, mtime and bytes', async () => {
  const files = { 'pkg/bin': bytes(1025, 1), 'pkg/empty': new Uint8Array(0), 'pkg/block': bytes(512, 7) };
  const tar = writeTar(
    [
      { kind: 'directory', name: 'pkg/', mode: 0o755 },
      { kind: 'file', name: 'pkg/bin', mode: 0o755, data: files['pkg/bin'] },
      { kind: 'file', name: 'pkg/empty', mode: 0o644, data: files['pkg/empty'] },
      { kind: 'file', name: 'pkg/block', mode: 0o600, data: files['pkg/block'] },
    ],
    MTIME_SECONDS,
  );
  if (!tar.ok) throw new Error(tar.error);
  const archive = join(scratch, 'a.tar');
  writeFileSync(archive, tar.bytes);
  const listing = expectSuccess(await run(['tar', '--numeric-owner', '--full-time', '-tvf', archive], { env: { TZ: 'UTC' } })).stdout.trim().split('\n');
  expect(listing.map((l) => l.split(/\s+/))).toEqual([
    ['drwxr-xr-x', '0/0', '0', '2023-11-14', '22:13:20', 'pkg/'],
    ['-rwxr-xr-x', '0/0', '1025', '2023-11-14', '22:13:20', 'pkg/bin'],
    ['-rw-r--r--', '0/0', '0', '2023-11-14', '22:13:20', 'pkg/empty'],
    ['-rw-------', '0/0', '512', '2023-11-14', '22:13:20', 'pkg/block'],
  ]);
  const out = join(scratch, 'out');
  expectSuccess(await run(['mkdir', out]));
  expectSuccess(await run(['tar', '-xf', archive, '-C', out]));
  for (const [name, data] of Object.entries(files)) expect(new Uint8Array(readFileSync(join(out, name)))).toEqual(data);
  expect(statSync(join(out, 'pkg/bin')).mode & 0o777).toBe(0o755);
  // Blocks: 4 headers, 1025 -> 1536, 0, 512, and the two zero blocks at the end.
  expect(tar.bytes.length).toBe(4 * 512 + 1536 + 512 + 2 * 512);
});

test('the same entries and mtime give the same bytes', () => {
  const entries = [{ kind: 'file' as const, name: 'x', mode: 0o644, data: bytes(700, 3) }];
  const a = writeTar(entries, MTIME_SECONDS);
  const b = writeTar(entries, MTIME_SECONDS);
  expect(a.ok && b.ok && Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
});

test('names ustar cannot hold, and a directory without its slash, are refused', () => {
  const long = 'd/'.padEnd(TAR_NAME_BYTES_MAX + 1, 'x');
  expect(writeTar([{ kind: 'file', name: long, mode: 0o644, data: new Uint8Array(1) }], 0)).toEqual({ ok: false, error: expect.stringContaining(`is ${TAR_NAME_BYTES_MAX + 1} bytes`) });
  expect(writeTar([{ kind: 'file', name: 'caf\u00e9', mode: 0o644, data: new Uint8Array(1) }], 0).ok).toBe(false);
  expect(writeTar([{ kind: 'directory', name: 'dir', mode: 0o755 }], 0)).toEqual({ ok: false, error: expect.stringContaining('must end with /') });
  expect(writeTar([{ kind: 'file', name: 'f', mode: 0o10000, data: new Uint8Array(1) }], 0).ok).toBe(false);
});
