// Single-executable build: compiles src/main.ts (and everything it imports) into dist/freshet.
//
//   bun build.ts                          host target, dist/freshet
//   bun build.ts --target bun-linux-arm64 cross build, dist/freshet-linux-arm64
//   bun build.ts --no-bytecode            skip bytecode (if a dependency breaks with it)
//   bun build.ts --release                the four release archives, SHA256SUMS and the Homebrew
//                                         formula in dist/release/ (packaging/release.ts)
//     --release-base-url URL              where the archives will be downloaded from; `{version}`
//                                         is replaced (default: the GitHub release of v{version})
//     --release-dir DIR                   instead of dist/release
//
// The flags passed to `bun build --compile` are in packaging/compile.ts.

import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { COMPILE_ENTRY_POINT, compile } from './packaging/compile.ts';
import { ensureCrc32Addon } from './packaging/addons.ts';
import { buildRelease, DEFAULT_RELEASE_BASE_URL } from './packaging/release.ts';
import { RELEASE_TARGETS } from './packaging/targets.ts';

const ROOT_DIR = import.meta.dir;
const TARGETS = RELEASE_TARGETS.map((t) => t.bunTarget);
type Target = (typeof TARGETS)[number];

type Options = {
  target: Target | null;
  bytecode: boolean;
  sourcemap: boolean;
  release: boolean;
  releaseBaseUrl: string;
  releaseDir: string;
};

function usage(message: string): never {
  console.error(`build.ts: ${message}`);
  console.error(`usage: bun build.ts [--target ${TARGETS.join('|')}] [--no-bytecode] [--no-sourcemap]`);
  console.error('       bun build.ts --release [--release-base-url URL] [--release-dir DIR] [--no-bytecode] [--no-sourcemap]');
  process.exit(2);
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { target: null, bytecode: true, sourcemap: true, release: false, releaseBaseUrl: DEFAULT_RELEASE_BASE_URL, releaseDir: join(ROOT_DIR, 'dist', 'release') };
  const valueOf = (arg: string, name: string, i: number): [string, number] => {
    if (arg.startsWith(`${name}=`)) return [arg.slice(name.length + 1), i];
    const value = argv[i + 1];
    if (value === undefined) usage(`${name} needs a value`);
    return [value, i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.split('=')[0];
    if (name === '--target') {
      const [value, next] = valueOf(arg, name, i);
      i = next;
      if (!(TARGETS as readonly string[]).includes(value)) usage(`unknown target ${value}`);
      options.target = value as Target;
    } else if (name === '--release-base-url') {
      [options.releaseBaseUrl, i] = valueOf(arg, name, i);
    } else if (name === '--release-dir') {
      [options.releaseDir, i] = valueOf(arg, name, i);
    } else if (arg === '--release') {
      options.release = true;
    } else if (arg === '--no-bytecode') {
      options.bytecode = false;
    } else if (arg === '--no-sourcemap') {
      options.sourcemap = false;
    } else {
      usage(`unknown argument ${arg}`);
    }
  }
  if (options.release && options.target !== null) usage('--release builds every target; it takes no --target');
  return options;
}

/** dist/freshet for the host; dist/freshet-<os>-<arch> for a cross build. */
function outfileFor(target: Target | null): string {
  return target === null ? 'dist/freshet' : `dist/freshet-${target.slice('bun-'.length)}`;
}

function formatBytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!existsSync(join(ROOT_DIR, COMPILE_ENTRY_POINT))) {
    console.error(`build.ts: ${COMPILE_ENTRY_POINT} does not exist yet; nothing to build`);
    process.exit(1);
  }
  if (options.release) {
    const { releaseDir, releaseBaseUrl: baseUrl, bytecode, sourcemap } = options;
    process.exit(await buildRelease({ rootDir: ROOT_DIR, releaseDir, baseUrl, bytecode, sourcemap }));
  }
  mkdirSync(join(ROOT_DIR, 'dist'), { recursive: true });
  // A cross build embeds the target's CRC32C addon only if its platform package is installed
  // (packaging/addons.ts); npm installed the host's.
  const crossTarget = RELEASE_TARGETS.find((t) => t.bunTarget === options.target);
  if (crossTarget !== undefined) {
    const addon = await ensureCrc32Addon(ROOT_DIR, crossTarget);
    if (!addon.ok) {
      console.error(`build.ts: cannot build target ${crossTarget.bunTarget} with its CRC32C addon: ${addon.error}`);
      process.exit(1);
    }
  }
  const outfile = outfileFor(options.target);
  const startedMs = performance.now();
  const exitCode = await compile({ rootDir: ROOT_DIR, target: options.target, outfile, bytecode: options.bytecode, sourcemap: options.sourcemap });
  if (exitCode !== 0) {
    console.error(`build.ts: bun build exited with ${exitCode}`);
    process.exit(exitCode);
  }
  const elapsedMs = Math.round(performance.now() - startedMs);
  const sizeBytes = statSync(join(ROOT_DIR, outfile)).size;
  console.log(`built ${outfile}: ${formatBytes(sizeBytes)} in ${elapsedMs} ms`);
}

await main();
