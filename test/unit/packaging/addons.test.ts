// packaging/addons.ts: a target's CRC32C addon is installed only at the version AND integrity
// package-lock.json pins, and each way it cannot be says so (the release build then fails naming
// the target). Runs in a scratch root, never the repository's node_modules; npm pack is the
// real npm client.

import { afterAll, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embedsFile, ensureCrc32Addon } from '../../../packaging/addons.ts';
import { RELEASE_TARGETS } from '../../../packaging/targets.ts';
import { REPO_ROOT } from '../../helpers/broker.ts';

const scratch = mkdtempSync(join(tmpdir(), 'freshet-addons-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const DARWIN_ARM64 = RELEASE_TARGETS.find((t) => t.bunTarget === 'bun-darwin-arm64')!;
const realLock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8'));

function rootWithLock(name: string, entry: unknown): string {
  const root = join(scratch, name);
  mkdirSync(root, { recursive: true });
  const packages = entry === undefined ? {} : { [`node_modules/${DARWIN_ARM64.crc32Package}`]: entry };
  writeFileSync(join(root, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages }));
  return root;
}

test('a package the lock file does not pin is refused', async () => {
  const result = await ensureCrc32Addon(rootWithLock('unpinned', undefined), DARWIN_ARM64);
  expect(result).toEqual({ ok: false, error: `${DARWIN_ARM64.crc32Package} is not in package-lock.json: cannot pin the addon for bun-darwin-arm64` });
});

test('a registry that cannot be reached is an error naming the package, not a silent fallback', async () => {
  const locked = realLock.packages[`node_modules/${DARWIN_ARM64.crc32Package}`];
  const saved = { registry: process.env.npm_config_registry, retries: process.env.npm_config_fetch_retries, offline: process.env.npm_config_offline, cache: process.env.npm_config_cache };
  // An empty cache and a closed port: npm has no copy and nowhere to fetch one.
  process.env.npm_config_registry = 'http://127.0.0.1:9/';
  process.env.npm_config_fetch_retries = '0';
  process.env.npm_config_cache = join(scratch, 'empty-npm-cache');
  try {
    const result = await ensureCrc32Addon(rootWithLock('unreachable', locked), DARWIN_ARM64);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toStartWith(`npm pack ${DARWIN_ARM64.crc32Package}@${locked.version} failed`);
  } finally {
    for (const [key, value] of Object.entries({ npm_config_registry: saved.registry, npm_config_fetch_retries: saved.retries, npm_config_offline: saved.offline, npm_config_cache: saved.cache })) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}, 60_000);

test('a tarball whose integrity differs from the lock file is not installed', async () => {
  const locked = realLock.packages[`node_modules/${DARWIN_ARM64.crc32Package}`];
  const root = rootWithLock('tampered', { ...locked, integrity: 'sha512-' + Buffer.alloc(64).toString('base64') });
  const result = await ensureCrc32Addon(root, DARWIN_ARM64);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.error).toContain('package-lock.json pins sha512-AAAA');
}, 60_000);

test('the pinned package installs into the root and its addon is a Mach-O arm64 file', async () => {
  const locked = realLock.packages[`node_modules/${DARWIN_ARM64.crc32Package}`];
  const root = rootWithLock('pinned', locked);
  const result = await ensureCrc32Addon(root, DARWIN_ARM64);
  if (!result.ok) throw new Error(result.error);
  expect(result.addonPath).toBe(join(root, 'node_modules', DARWIN_ARM64.crc32Package, DARWIN_ARM64.crc32File));
  const addon = readFileSync(result.addonPath);
  // MH_MAGIC_64 and CPU_TYPE_ARM64 (<mach-o/loader.h>, <mach/machine.h>).
  expect([addon.readUInt32LE(0), addon.readUInt32LE(4)]).toEqual([0xfeedfacf, 0x0100000c]);
  expect(JSON.parse(readFileSync(join(root, 'node_modules', DARWIN_ARM64.crc32Package, 'package.json'), 'utf8')).version).toBe(locked.version);
  expect(embedsFile(Buffer.concat([Buffer.from('head'), addon, Buffer.from('tail')]), addon)).toBe(true);
  expect(embedsFile(Buffer.concat([addon.subarray(0, addon.length - 1), Buffer.from('x')]), addon)).toBe(false);
}, 60_000);
