// `bun build.ts --release`: the four release executables, packed as
// <release dir>/freshet-<version>-<os>-<arch>.tar.gz, with SHA256SUMS and the Homebrew formula
// freshet.rb pointing at the archives under the release base URL.
//
// Each archive holds one folder, freshet-<version>-<os>-<arch>/, with the executable `freshet`
// (mode 755), LICENSE and README.md: the layout Homebrew stages into (formula.ts) and people
// expect from `tar -xzf`. Archives are written by tar.ts with a fixed mtime
// (SOURCE_DATE_EPOCH when set, https://reproducible-builds.org/specs/source-date-epoch/, else
// the HEAD commit's time) so packing the same executables twice gives the same bytes.
//
// A target that cannot be built here (its Bun runtime or its addon cannot be fetched, or the
// addon is not in the executable) fails the whole release, naming the target: a release with
// three archives, or one whose CRC32C silently fell back, is not a release.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../src/version.ts';
import { embedsFile, ensureCrc32Addon } from './addons.ts';
import { formatSha256Sums, type Checksum } from './checksums.ts';
import { adhocSign, codeSignatureProblem } from './macho-signature.ts';
import { compile } from './compile.ts';
import { type FormulaArchive, renderFormula } from './formula.ts';
import { RELEASE_TARGETS, releaseName, type ReleaseTarget } from './targets.ts';
import { writeTar } from './tar.ts';

/** The project's GitHub repository: the formula's homepage and the default download location. */
export const PROJECT_REPOSITORY_URL = 'https://github.com/freshet-io/freshet';
/**
 * Where the archives are published, `{version}` replaced by the version: GitHub's release asset
 * URLs are <repo>/releases/download/<tag>/<asset>
 * (https://docs.github.com/en/repositories/releasing-projects-on-github/linking-to-releases).
 */
export const DEFAULT_RELEASE_BASE_URL = `${PROJECT_REPOSITORY_URL}/releases/download/v{version}`;
export const FORMULA_FILE = 'freshet.rb';
export const SUMS_FILE = 'SHA256SUMS';
const DESCRIPTION = 'Kafka-compatible streaming platform in one executable';
const LICENSE_SPDX = 'Apache-2.0';
/** Files beside the executable in each archive. */
const DOC_FILES = ['LICENSE', 'README.md'] as const;

export type ReleaseOptions = {
  readonly rootDir: string;
  readonly releaseDir: string;
  /** A URL with an optional `{version}` placeholder, without the archive name. */
  readonly baseUrl: string;
  readonly bytecode: boolean;
  readonly sourcemap: boolean;
};

type Built = { target: ReleaseTarget; archiveName: string; sha256: string };

/** Builds the release; returns the process exit code (0, or 1 with the reason on stderr). */
export async function buildRelease(options: ReleaseOptions): Promise<number> {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/.test(VERSION)) return fail(`version '${VERSION}' (package.json) is not MAJOR.MINOR.PATCH[-PRE]`);
  const baseUrl = options.baseUrl.replaceAll('{version}', VERSION).replace(/\/+$/, '');
  if (!/^https:\/\/[^\s"'\\#{}]+$/.test(baseUrl)) return fail(`--release-base-url '${options.baseUrl}' must be an https URL`);
  mkdirSync(options.releaseDir, { recursive: true });
  for (const stale of [SUMS_FILE, FORMULA_FILE, ...RELEASE_TARGETS.map((t) => `${releaseName(VERSION, t)}.tar.gz`)]) {
    rmSync(join(options.releaseDir, stale), { force: true });
  }
  const workDir = join(options.releaseDir, '.build');
  const mtimeSeconds = archiveMtime(options.rootDir);
  const built: Built[] = [];
  try {
    for (const target of RELEASE_TARGETS) {
      const result = await buildTarget(options, target, workDir, mtimeSeconds);
      if (typeof result === 'string') return fail(`cannot build target ${target.bunTarget} on this machine: ${result}`);
      built.push(result);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }

  const sums = formatSha256Sums(built.map((b): Checksum => ({ name: b.archiveName, sha256: b.sha256 })));
  if (!sums.ok) return fail(sums.error);
  writeFileSync(join(options.releaseDir, SUMS_FILE), sums.text);
  const formula = renderFormula({
    version: VERSION,
    desc: DESCRIPTION,
    homepage: PROJECT_REPOSITORY_URL,
    license: LICENSE_SPDX,
    archives: built.map((b): FormulaArchive => ({ os: b.target.os, arch: b.target.arch, url: `${baseUrl}/${b.archiveName}`, sha256: b.sha256 })),
  });
  if (!formula.ok) return fail(formula.error);
  writeFileSync(join(options.releaseDir, FORMULA_FILE), formula.text);
  console.log(`release ${VERSION}: ${built.length} archives, ${SUMS_FILE} and ${FORMULA_FILE} in ${options.releaseDir} (downloads from ${baseUrl}/)`);
  return 0;
}

/** Builds, checks and packs one target; a string says why it could not. */
async function buildTarget(options: ReleaseOptions, target: ReleaseTarget, workDir: string, mtimeSeconds: number): Promise<Built | string> {
  const addon = await ensureCrc32Addon(options.rootDir, target);
  if (!addon.ok) return `its CRC32C addon cannot be installed for the build: ${addon.error}`;
  const name = releaseName(VERSION, target);
  const outfile = join(workDir, name, 'freshet');
  const exitCode = await compile({ rootDir: options.rootDir, target: target.bunTarget, outfile, bytecode: options.bytecode, sourcemap: options.sourcemap });
  if (exitCode !== 0) {
    return `bun build exited with ${exitCode} (Bun fetches the target's runtime from the npm registry on first use; see its message above)`;
  }
  let executable = readFileSync(outfile);
  if (!embedsFile(executable, readFileSync(addon.addonPath))) {
    return `the executable does not embed ${target.crc32Package}/${target.crc32File}: its CRC32C would fall back to the pure implementation`;
  }
  if (target.os === 'darwin') {
    // Bun 1.4.5 leaves cross-compiled darwin-x64 with the stale signature of its own runtime, and
    // macOS kills code whose pages do not match their hashes: re-sign ad hoc as Bun does arm64.
    const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher('sha256').update(bytes).digest();
    const problem = codeSignatureProblem(executable, sha256);
    if (problem !== null) {
      const signed = adhocSign(executable, sha256);
      if (!signed.ok) return `its code signature is invalid (${problem}) and cannot be redone: ${signed.error}`;
      const still = codeSignatureProblem(signed.bytes, sha256);
      if (still !== null) return `its code signature is invalid after re-signing: ${still}`;
      executable = Buffer.from(signed.bytes);
      console.log(`re-signed ${target.bunTarget} ad hoc: Bun left its signature invalid (${problem})`);
    }
  }
  const tar = writeTar(
    [
      { kind: 'directory', name: `${name}/`, mode: 0o755 },
      { kind: 'file', name: `${name}/freshet`, mode: 0o755, data: executable },
      ...DOC_FILES.map((doc) => ({ kind: 'file' as const, name: `${name}/${doc}`, mode: 0o644, data: readFileSync(join(options.rootDir, doc)) })),
    ],
    mtimeSeconds,
  );
  if (!tar.ok) return tar.error;
  const archive = Bun.gzipSync(tar.bytes);
  const archiveName = `${name}.tar.gz`;
  writeFileSync(join(options.releaseDir, archiveName), archive);
  const sha256 = new Bun.CryptoHasher('sha256').update(archive).digest('hex');
  console.log(`packed ${archiveName}: ${(archive.length / (1024 * 1024)).toFixed(1)} MiB, embeds ${target.crc32Package}`);
  return { target, archiveName, sha256 };
}

/** SOURCE_DATE_EPOCH, else the HEAD commit's time, else 0 (not a git checkout). */
function archiveMtime(rootDir: string): number {
  const fromEnv = process.env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined && /^\d+$/.test(fromEnv)) return Number(fromEnv);
  if (!existsSync(join(rootDir, '.git'))) return 0;
  const git = Bun.spawnSync(['git', 'log', '-1', '--format=%ct'], { cwd: rootDir, stderr: 'ignore' });
  const seconds = Number(git.stdout.toString().trim());
  return git.exitCode === 0 && Number.isInteger(seconds) && seconds > 0 ? seconds : 0;
}

function fail(message: string): number {
  console.error(`build.ts --release: ${message}`);
  return 1;
}
