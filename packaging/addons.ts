// The native addons a release target embeds: today @node-rs/crc32's prebuilt CRC32C.
//
// What `bun build --compile --target=X` does with @node-rs/crc32 (measured with Bun 1.4.5): it
// replaces process.platform and process.arch in the bundle with the target's, so napi-rs's
// loader (node_modules/@node-rs/crc32/index.js) keeps only the branch of the target, and it
// embeds the .node file that branch requires IF that package is installed. npm installs only
// the host's optional platform package, so a cross build found none, kept a require that fails
// at run time, and the binary silently used the pure CRC32C. Hence: before building a target,
// install its platform package (npm pack of the exact version and integrity in
// package-lock.json, unpacked into node_modules as `npm install --force` would), and after
// building, check that the addon's bytes are inside the executable.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReleaseTarget } from './targets.ts';

export type AddonResult = { ok: true; addonPath: string } | { ok: false; error: string };

type LockEntry = { version: string; integrity: string };

/** The version and integrity package-lock.json pins for `pkg`. */
function lockEntry(rootDir: string, pkg: string): LockEntry | null {
  const lock = JSON.parse(readFileSync(join(rootDir, 'package-lock.json'), 'utf8')) as { packages?: Record<string, Partial<LockEntry>> };
  const entry = lock.packages?.[`node_modules/${pkg}`];
  if (entry?.version === undefined || entry.integrity === undefined) return null;
  return { version: entry.version, integrity: entry.integrity };
}

/** Makes node_modules/<target.crc32Package> present at the locked version; returns its .node file. */
export async function ensureCrc32Addon(rootDir: string, target: ReleaseTarget): Promise<AddonResult> {
  const pkg = target.crc32Package;
  const locked = lockEntry(rootDir, pkg);
  if (locked === null) return { ok: false, error: `${pkg} is not in package-lock.json: cannot pin the addon for ${target.bunTarget}` };
  const dir = join(rootDir, 'node_modules', pkg);
  const addonPath = join(dir, target.crc32File);
  if (installedVersion(dir) === locked.version && existsSync(addonPath)) return { ok: true, addonPath };

  const scratch = mkdtempSync(join(tmpdir(), 'freshet-addon-'));
  try {
    // npm pack fetches the tarball through npm's own registry configuration and cache, and ignores
    // the os/cpu fields that make `npm ci` skip another platform's package.
    const pack = Bun.spawnSync(['npm', 'pack', `${pkg}@${locked.version}`, '--json', '--silent', '--pack-destination', scratch], { cwd: scratch, env: process.env, stderr: 'pipe' });
    if (pack.exitCode !== 0) return { ok: false, error: `npm pack ${pkg}@${locked.version} failed (${pack.exitCode}): ${pack.stderr.toString().trim().slice(0, 500)}` };
    const [packed] = JSON.parse(pack.stdout.toString()) as { filename: string; integrity: string }[];
    if (packed.integrity !== locked.integrity) return { ok: false, error: `${pkg}@${locked.version}: npm served integrity ${packed.integrity}, package-lock.json pins ${locked.integrity}` };
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // npm tarballs hold everything under package/.
    const untar = Bun.spawnSync(['tar', '-xzf', join(scratch, packed.filename), '-C', dir, '--strip-components=1'], { stderr: 'pipe' });
    if (untar.exitCode !== 0) return { ok: false, error: `unpacking ${packed.filename} failed: ${untar.stderr.toString().trim()}` };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (!existsSync(addonPath)) return { ok: false, error: `${pkg}@${locked.version} has no ${target.crc32File}` };
  return { ok: true, addonPath };
}

function installedVersion(dir: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

/** Whether `executable` holds the whole addon file: Bun embeds a required .node file verbatim. */
export function embedsFile(executable: Uint8Array, file: Uint8Array): boolean {
  return Buffer.from(executable.buffer, executable.byteOffset, executable.byteLength).indexOf(Buffer.from(file.buffer, file.byteOffset, file.byteLength)) >= 0;
}
