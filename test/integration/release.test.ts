// The release build (`bun build.ts --release`, packaging/release.ts), run once for this file
// into a scratch folder with a test base URL, and checked with tools we did not write:
// `sha256sum -c` (GNU coreutils) for SHA256SUMS, `tar` for the archives' layout, the ELF and
// Mach-O headers for each executable's OS and CPU, `ruby -c` for the formula's syntax, a Ruby
// stand-in for Homebrew's DSL (ruby/formula-dsl.rb) for what the formula declares and for its
// install + test on linux-x64, and qemu for the linux-arm64 executable's own CRC32C addon.
//
// Cost: one release build (~20-40 s for the four targets on this machine), then reads.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adhocSign, codeSignatureProblem } from '../../packaging/macho-signature.ts';
import { RELEASE_TARGETS, releaseName, type ReleaseTarget } from '../../packaging/targets.ts';
import { REPO_ROOT } from '../helpers/broker.ts';
import { describeRun, expectSuccess, run } from '../helpers/process.ts';
import { requirement, testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(60_000);
const BUILD_TIMEOUT_MS = 600_000;

const VERSION: string = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version;
const BASE_URL_PATTERN = 'https://downloads.example.com/freshet/v{version}';
const BASE_URL = `https://downloads.example.com/freshet/v${VERSION}`;
const RUBY = requirement(spawnSync('ruby', ['--version']).status === 0, 'ruby (apt-get install ruby)');
const QEMU_AARCH64 = '/usr/bin/qemu-aarch64-static';
const QEMU_ARM64 = requirement(
  existsSync(QEMU_AARCH64) && existsSync('/lib/ld-linux-aarch64.so.1') && existsSync('/lib/aarch64-linux-gnu/libgcc_s.so.1'),
  'qemu and the arm64 C runtime (dpkg --add-architecture arm64; apt-get install qemu-user-static libc6:arm64 libgcc-s1:arm64)',
);
const FORMULA_DSL = join(import.meta.dir, 'ruby', 'formula-dsl.rb');

/** Homebrew's names for our targets: on_macos/on_linux, on_arm/on_intel. */
const BREW_OS = { darwin: 'macos', linux: 'linux' } as const;
const BREW_CPU = { arm64: 'arm', x64: 'intel' } as const;

const scratch = mkdtempSync(join(tmpdir(), 'freshet-release-'));
const releaseDir = join(scratch, 'release');
const unpacked = join(scratch, 'unpacked');
let build: Awaited<ReturnType<typeof run>>;

beforeAll(async () => {
  build = await run([process.execPath, 'build.ts', '--release', '--release-base-url', BASE_URL_PATTERN, '--release-dir', releaseDir], { cwd: REPO_ROOT, timeoutMs: BUILD_TIMEOUT_MS });
  expectSuccess(build);
  mkdirSync(unpacked);
  for (const target of RELEASE_TARGETS) expectSuccess(await run(['tar', '-xzf', join(releaseDir, archiveOf(target)), '-C', unpacked]));
}, BUILD_TIMEOUT_MS);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function archiveOf(target: ReleaseTarget): string {
  return `${releaseName(VERSION, target)}.tar.gz`;
}

function executableOf(target: ReleaseTarget): string {
  return join(unpacked, releaseName(VERSION, target), 'freshet');
}

/** SHA256SUMS as name -> digest. */
function sums(): Map<string, string> {
  const lines = readFileSync(join(releaseDir, 'SHA256SUMS'), 'utf8').trimEnd().split('\n');
  return new Map(lines.map((l) => [l.slice(66).replace(/^\*/, ''), l.slice(0, 64)]));
}

test('the release folder holds the four archives, SHA256SUMS and freshet.rb, nothing else', () => {
  expect(readdirSync(releaseDir).sort()).toEqual([...RELEASE_TARGETS.map(archiveOf), 'SHA256SUMS', 'freshet.rb'].sort());
  expect(RELEASE_TARGETS.map(archiveOf).sort()).toEqual([
    `freshet-${VERSION}-darwin-arm64.tar.gz`,
    `freshet-${VERSION}-darwin-x64.tar.gz`,
    `freshet-${VERSION}-linux-arm64.tar.gz`,
    `freshet-${VERSION}-linux-x64.tar.gz`,
  ]);
});

test('sha256sum -c verifies every archive against SHA256SUMS, which names each archive once', async () => {
  const check = expectSuccess(await run(['sha256sum', '--strict', '-c', 'SHA256SUMS'], { cwd: releaseDir }));
  expect(check.stdout.trim().split('\n').sort()).toEqual(RELEASE_TARGETS.map((t) => `${archiveOf(t)}: OK`).sort());
  expect([...sums().keys()].sort()).toEqual(RELEASE_TARGETS.map(archiveOf).sort());
});

test('each archive holds one folder with the executable freshet (rwxr-xr-x), LICENSE and README.md', async () => {
  for (const target of RELEASE_TARGETS) {
    const listing = expectSuccess(await run(['tar', '-tvzf', join(releaseDir, archiveOf(target))])).stdout.trim().split('\n');
    const entries = listing.map((l) => {
      const fields = l.split(/\s+/);
      return { mode: fields[0], name: fields[fields.length - 1] };
    });
    const top = releaseName(VERSION, target);
    expect(entries.map((e) => e.name).sort()).toEqual([`${top}/`, `${top}/LICENSE`, `${top}/README.md`, `${top}/freshet`]);
    expect(entries.find((e) => e.name === `${top}/freshet`)?.mode).toBe('-rwxr-xr-x');
    expect(readFileSync(join(unpacked, top, 'LICENSE'))).toEqual(readFileSync(join(REPO_ROOT, 'LICENSE')));
  }
});

// ELF: e_ident magic 7f 'E' 'L' 'F', e_machine (u16 at 18) EM_X86_64 = 62, EM_AARCH64 = 183 (System V
// ABI / elf.h). Mach-O 64: magic MH_MAGIC_64 0xfeedfacf, cputype (u32 at 4) CPU_TYPE_X86_64
// 0x01000007, CPU_TYPE_ARM64 0x0100000c (Apple's <mach-o/loader.h>, <mach/machine.h>).
const EXPECTED_HEADER = {
  'linux-x64': { format: 'elf', machine: 62 },
  'linux-arm64': { format: 'elf', machine: 183 },
  'darwin-x64': { format: 'macho', machine: 0x01000007 },
  'darwin-arm64': { format: 'macho', machine: 0x0100000c },
} as const;

function headerOf(bytes: Buffer): { format: string; machine: number } {
  if (bytes.readUInt32BE(0) === 0x7f454c46) return { format: 'elf', machine: bytes.readUInt16LE(18) };
  if (bytes.readUInt32LE(0) === 0xfeedfacf) return { format: 'macho', machine: bytes.readUInt32LE(4) };
  return { format: 'unknown', machine: -1 };
}

test("each executable is built for its archive's OS and CPU and embeds that target's CRC32C addon", () => {
  for (const target of RELEASE_TARGETS) {
    const executable = readFileSync(executableOf(target));
    expect(headerOf(executable), target.bunTarget).toEqual(EXPECTED_HEADER[`${target.os}-${target.arch}`]);
    // The build installed the target's napi-rs package; Bun embeds a required .node file as is.
    const addon = readFileSync(join(REPO_ROOT, 'node_modules', target.crc32Package, target.crc32File));
    expect(headerOf(addon), `${target.crc32Package} is for the same OS and CPU`).toEqual(EXPECTED_HEADER[`${target.os}-${target.arch}`]);
    expect(executable.indexOf(addon), `${target.bunTarget} embeds ${target.crc32File}`).toBeGreaterThanOrEqual(0);
  }
});

// macOS runs arm64 code only when it is signed (ad hoc is enough), and kills a process whose
// pages do not match their hashes (packaging/macho-signature.ts has the format). Bun 1.4.5 signs
// its darwin-arm64 output correctly but leaves cross-compiled darwin-x64 with a stale signature,
// which the release build redoes the way Bun signs arm64.
const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher('sha256').update(bytes).digest();

/** The CodeDirectory's fixed 88-byte header, for comparing our signature with Bun's. */
function codeDirectoryHeader(macho: Buffer): { fields: string; ident: string } {
  let signatureOffset = -1;
  for (let i = 0, off = 32; i < macho.readUInt32LE(16); i++, off += macho.readUInt32LE(off + 4)) {
    if (macho.readUInt32LE(off) === 0x1d) signatureOffset = macho.readUInt32LE(off + 8);
  }
  const cd = signatureOffset + macho.readUInt32BE(signatureOffset + 16);
  const identOffset = macho.readUInt32BE(cd + 20);
  // Leave out length (+4) and hashOffset (+16): they follow the identifier's length.
  const fields = Buffer.concat([macho.subarray(cd, cd + 4), macho.subarray(cd + 8, cd + 16), macho.subarray(cd + 20, cd + 88)]).toString('hex');
  return { fields, ident: macho.subarray(cd + identOffset, macho.indexOf(0, cd + identOffset)).toString() };
}

test('every darwin executable carries an ad hoc signature whose page hashes all match its bytes', () => {
  for (const target of RELEASE_TARGETS.filter((t) => t.os === 'darwin')) {
    expect(codeSignatureProblem(readFileSync(executableOf(target)), sha256), target.bunTarget).toBeNull();
  }
  // The check fails on one flipped byte in a signed page.
  const tampered = Buffer.from(readFileSync(executableOf(RELEASE_TARGETS.find((t) => t.bunTarget === 'bun-darwin-arm64')!)));
  tampered[100_000] ^= 1;
  expect(codeSignatureProblem(tampered, sha256)).toBe('page 24 does not match its hash');
});

test("re-signing writes the CodeDirectory Bun writes for darwin-arm64, and the signature verifies again", () => {
  const bunSigned = readFileSync(executableOf(RELEASE_TARGETS.find((t) => t.bunTarget === 'bun-darwin-arm64')!));
  const tampered = Buffer.from(bunSigned);
  tampered[100_000] ^= 1;
  const resigned = adhocSign(tampered, sha256);
  if (!resigned.ok) throw new Error(resigned.error);
  expect(codeSignatureProblem(resigned.bytes, sha256)).toBeNull();
  const ours = codeDirectoryHeader(Buffer.from(resigned.bytes));
  const bun = codeDirectoryHeader(bunSigned);
  expect(ours.fields).toBe(bun.fields);
  expect([bun.ident, ours.ident]).toEqual(['a.out', 'freshet']);
});

const LINUX_X64 = RELEASE_TARGETS.find((t) => t.bunTarget === 'bun-linux-x64')!;
const LINUX_ARM64 = RELEASE_TARGETS.find((t) => t.bunTarget === 'bun-linux-arm64')!;

test('the linux-x64 executable runs `version`: the package.json version and the native CRC32C', async () => {
  const result = expectSuccess(await run([executableOf(LINUX_X64), 'version'], { cwd: scratch }));
  expect(result.stdout).toStartWith(`freshet ${VERSION} (linux-x64, `);
  expect(result.stdout).toContain('crc32c: native @node-rs/crc32');
});

test('the linux-x64 executable says at start which CRC32C it uses', async () => {
  const dataDir = join(scratch, 'start-data');
  const args = ['start', '--dev', '--data-dir', dataDir, '--kafka-addr', '127.0.0.1:0', '--schema-registry-addr', 'none', '--proxy-addr', 'none'];
  const proc = Bun.spawn([executableOf(LINUX_X64), ...args], { cwd: scratch, stdout: 'ignore', stderr: 'pipe' });
  let stderr = '';
  try {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) {
      stderr += decoder.decode(chunk);
      if (stderr.includes(' ready: ')) break;
    }
  } finally {
    proc.kill('SIGTERM');
    await proc.exited;
  }
  expect(stderr).toMatch(/ INFO  crc32c: native @node-rs\/crc32 \(linux-x64\)/);
});

testRequiring(QEMU_ARM64, 'the linux-arm64 executable, under qemu, runs `version` with its own native CRC32C', async () => {
  const result = await run([QEMU_AARCH64, executableOf(LINUX_ARM64), 'version'], { cwd: scratch, timeoutMs: 60_000 });
  expect(result.exitCode, describeRun(result)).toBe(0);
  expect(result.stdout).toStartWith(`freshet ${VERSION} (linux-arm64, `);
  expect(result.stdout).toContain('crc32c: native @node-rs/crc32');
});

describe('freshet.rb', () => {
  testRequiring(RUBY, 'ruby -c accepts it', async () => {
    const check = await run(['ruby', '-c', join(releaseDir, 'freshet.rb')]);
    expect(check.exitCode, describeRun(check)).toBe(0);
    expect(check.stdout.trim()).toBe('Syntax OK');
  });

  testRequiring(RUBY, "declares class Freshet with its metadata, and per OS and CPU that archive's URL under the base URL and its SHA-256 from SHA256SUMS", async () => {
    const loaded = expectSuccess(await run(['ruby', FORMULA_DSL, join(releaseDir, 'freshet.rb')]));
    const formula = JSON.parse(loaded.stdout);
    expect(formula.class).toBe('Freshet');
    expect(formula.version).toBe(VERSION);
    expect(formula.license).toBe(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).license);
    expect(formula.desc).toBeString();
    expect(formula.homepage).toStartWith('https://');
    expect(formula.defines_install).toBe(true);
    expect(formula.defines_test).toBe(true);
    const digests = sums();
    const expected = RELEASE_TARGETS.map((t) => ({ os: BREW_OS[t.os], cpu: BREW_CPU[t.arch], url: `${BASE_URL}/${archiveOf(t)}`, sha256: digests.get(archiveOf(t)) }));
    const byKey = (a: { os: string; cpu: string }) => `${a.os}/${a.cpu}`;
    expect([...formula.archives].sort((a, b) => byKey(a).localeCompare(byKey(b)))).toEqual(expected.sort((a, b) => byKey(a).localeCompare(byKey(b))));
    // And the digests are those of the files themselves, not only of SHA256SUMS.
    for (const t of RELEASE_TARGETS) {
      const digest = new Bun.CryptoHasher('sha256').update(readFileSync(join(releaseDir, archiveOf(t)))).digest('hex');
      expect(formula.archives.find((a: { url: string }) => a.url.endsWith(`/${archiveOf(t)}`))?.sha256).toBe(digest);
    }
  });

  testRequiring(RUBY, "installs `freshet` from the linux-x64 archive's folder and its test block passes", async () => {
    const prefix = join(scratch, 'prefix');
    const staged = join(scratch, 'staged');
    expectSuccess(await run(['cp', '-r', join(unpacked, releaseName(VERSION, LINUX_X64)), staged]));
    const installed = expectSuccess(await run(['ruby', FORMULA_DSL, join(releaseDir, 'freshet.rb'), staged, prefix]));
    const report = JSON.parse(installed.stdout);
    expect(report.installed).toEqual(['freshet']);
    expect(report.test_passed).toBe(true);
  });
});

test('a base URL that is not https is refused before anything is built', async () => {
  const refused = await run([process.execPath, 'build.ts', '--release', '--release-base-url', 'http://example.com/x', '--release-dir', join(scratch, 'refused')], { cwd: REPO_ROOT });
  expect(refused.exitCode, describeRun(refused)).toBe(1);
  expect(refused.stderr).toContain("--release-base-url 'http://example.com/x' must be an https URL");
  expect(existsSync(join(scratch, 'refused')), 'nothing is written').toBe(false);
});
