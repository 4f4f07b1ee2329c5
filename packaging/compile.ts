// One `bun build --compile` of src/main.ts, shared by the host build and the release build.
//
// We spawn `bun build --compile` rather than calling Bun.build so that the flags here are
// exactly the ones a person would type, and a failing build prints Bun's own diagnostics.
// `--bytecode` precompiles the bundle so the binary skips parsing at start-up (DESIGN: a CI
// sidecar must be ready in well under a second). Worker files (the validation thread's) must be
// added to EXTRA_ENTRY_POINTS or the binary fails at run time with ModuleNotFound.
//
// A cross target's runtime (the Bun executable the bundle is appended to) is fetched by Bun
// itself from the npm registry (@oven/bun-<os>-<arch>) into its install cache on first use.

import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ENTRY_POINT = 'src/main.ts';
const EXTRA_ENTRY_POINTS: readonly string[] = ['src/broker/validation-worker.ts'];
/**
 * Left out of the executable (`--external`): none today. Elysia's optional peer `file-type` was,
 * while the HTTP apps used Elysia: the bundler hoists the node builtins of every module it embeds
 * to the executable's top, so its `strtok3` made every start evaluate node:fs/promises (~4 MB
 * resident: bench/README.md, "Startup"). The apps now route with base/http-router.ts.
 */
export const EXTERNAL_MODULES: readonly string[] = [];

export type CompileOptions = {
  readonly rootDir: string;
  /** A `bun build --target`, or null for the host. */
  readonly target: string | null;
  readonly outfile: string;
  readonly bytecode: boolean;
  readonly sourcemap: boolean;
  /** Lay the bytecode out by BYTECODE_ORDER_FILE when it exists (default true); false to build
   *  the executable that records a new one. */
  readonly bytecodeOrder?: boolean;
};

export const COMPILE_ENTRY_POINT = ENTRY_POINT;

/**
 * Which functions' bytecode a start of `freshet start --dev` with every listener on used, as
 * the executable records them (BUN_BYTECODE_ORDER_OUT); `--bytecode-order` places those first in
 * the embedded bytecode, so a starting node touches fewer of its pages: idle RSS -1.4 MiB
 * (bench/README.md, "Startup"). Bun's documentation (CompileBuildOptions.bytecodeOrder): a
 * profile recorded from an older build still applies, functions it does not know are placed
 * after the others. Regenerate with `bun packaging/record-bytecode-order.ts` after large changes
 * to the start path.
 */
export const BYTECODE_ORDER_FILE = 'packaging/bytecode-order.txt';

/** Runs the build with Bun's output on our stdout/stderr; resolves to bun's exit code. */
export async function compile(options: CompileOptions): Promise<number> {
  const command = [process.execPath, 'build', '--compile', '--minify'];
  for (const name of EXTERNAL_MODULES) command.push('--external', name);
  if (options.sourcemap) command.push('--sourcemap');
  // Bytecode defaults to CommonJS output, which rejects main.ts's top-level await; ESM keeps it.
  if (options.bytecode) command.push('--bytecode', '--format=esm');
  if (options.bytecode && options.bytecodeOrder !== false && existsSync(join(options.rootDir, BYTECODE_ORDER_FILE))) command.push('--bytecode-order', BYTECODE_ORDER_FILE);
  if (options.target !== null) command.push(`--target=${options.target}`);
  command.push(ENTRY_POINT, ...EXTRA_ENTRY_POINTS, '--outfile', options.outfile);
  const proc = Bun.spawn(command, { cwd: options.rootDir, stdout: 'inherit', stderr: 'inherit' });
  return await proc.exited;
}
