// The purity rule of the pure cores (DESIGN.md section 2: src/raft/core, src/cluster/controller):
// imports only from the folders a core may use, and no clock, randomness, timers, awaits,
// process or Bun. One copy of the rule; each core's test names its allowed imports.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const IMPORT = /from\s+['"]([^'"]+)['"]/g;
const FORBIDDEN_CALL = /\bDate\.now\(|\bnew Date\(|Math\.random\(|performance\.now\(|\bprocess\.|\bsetTimeout\(|\bsetInterval\(|\bawait\b|\basync\b|\bBun\./;

/** Lines of `source` that break the rule, as "file:line: text"; `allowedImport` matches the specifiers a core may import. */
export function impurities(allowedImport: RegExp, file: string, source: string): string[] {
  const out: string[] = [];
  source.split('\n').forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, '');
    for (const [, spec] of code.matchAll(IMPORT)) if (!allowedImport.test(spec)) out.push(`${file}:${i + 1}: imports ${spec}`);
    if (FORBIDDEN_CALL.test(code)) out.push(`${file}:${i + 1}: ${line.trim()}`);
  });
  return out;
}

/** The TypeScript files of `dir` (not its subfolders), each with its source. */
export function sourcesOf(dir: string): Array<{ file: string; source: string }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((file) => ({ file, source: readFileSync(join(dir, file), 'utf8') }));
}
