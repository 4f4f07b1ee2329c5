// Single-executable build: compiles src/main.ts (and everything it imports) into dist/freshet.
//
//   bun build.ts                          host target, dist/freshet
//   bun build.ts --target bun-linux-arm64 cross build, dist/freshet-linux-arm64
//   bun build.ts --no-bytecode            skip bytecode (if a dependency breaks with it)
//
// We spawn `bun build --compile` rather than calling Bun.build so that the flags here are
// exactly the ones a person would type, and a failing build prints Bun's own diagnostics.
// `--bytecode` precompiles the bundle so the binary skips parsing at start-up (DESIGN: a CI
// sidecar must be ready in well under a second). Worker files, once there are any, must be
// added to EXTRA_ENTRY_POINTS or the binary fails at run time with ModuleNotFound.

import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT_DIR = import.meta.dir;
const ENTRY_POINT = 'src/main.ts';
const EXTRA_ENTRY_POINTS: readonly string[] = [];
const TARGETS = ['bun-linux-x64', 'bun-linux-arm64', 'bun-darwin-arm64', 'bun-darwin-x64'] as const;
type Target = (typeof TARGETS)[number];

type Options = { target: Target | null; bytecode: boolean; sourcemap: boolean };

function usage(message: string): never {
  console.error(`build.ts: ${message}`);
  console.error(`usage: bun build.ts [--target ${TARGETS.join('|')}] [--no-bytecode] [--no-sourcemap]`);
  process.exit(2);
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { target: null, bytecode: true, sourcemap: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--target' || arg.startsWith('--target=')) {
      const value = arg.includes('=') ? arg.slice('--target='.length) : argv[++i];
      if (value === undefined) usage('--target needs a value');
      if (!(TARGETS as readonly string[]).includes(value)) usage(`unknown target ${value}`);
      options.target = value as Target;
    } else if (arg === '--no-bytecode') {
      options.bytecode = false;
    } else if (arg === '--no-sourcemap') {
      options.sourcemap = false;
    } else {
      usage(`unknown argument ${arg}`);
    }
  }
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
  if (!existsSync(join(ROOT_DIR, ENTRY_POINT))) {
    console.error(`build.ts: ${ENTRY_POINT} does not exist yet; nothing to build`);
    process.exit(1);
  }
  mkdirSync(join(ROOT_DIR, 'dist'), { recursive: true });
  const outfile = outfileFor(options.target);
  const command = [process.execPath, 'build', '--compile', '--minify'];
  if (options.sourcemap) command.push('--sourcemap');
  // Bytecode defaults to CommonJS output, which rejects main.ts's top-level await; ESM keeps it.
  if (options.bytecode) command.push('--bytecode', '--format=esm');
  if (options.target !== null) command.push(`--target=${options.target}`);
  command.push(ENTRY_POINT, ...EXTRA_ENTRY_POINTS, '--outfile', outfile);

  const startedMs = performance.now();
  const proc = Bun.spawn(command, { cwd: ROOT_DIR, stdout: 'inherit', stderr: 'inherit' });
  const exitCode = await proc.exited;
  if (exitCode !== 0) {
    console.error(`build.ts: bun build exited with ${exitCode}`);
    process.exit(exitCode === 0 ? 1 : exitCode);
  }
  const elapsedMs = Math.round(performance.now() - startedMs);
  const sizeBytes = statSync(join(ROOT_DIR, outfile)).size;
  console.log(`built ${outfile}: ${formatBytes(sizeBytes)} in ${elapsedMs} ms`);
}

await main();
