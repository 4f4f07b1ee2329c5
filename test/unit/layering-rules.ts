// The layering of src/ as data, and the checkers that hold the tree to it (layering.test.ts).
// DESIGN.md section 2: folders are subsystems and data flows downward. A folder may import only
// the folders listed for it; nothing below src/cli and src/main.ts reaches the clock, timers,
// randomness, the file system or the network except through the interfaces in src/base, whose
// real implementations are the allowlisted files below.

import { dirname, join, normalize } from 'node:path';

/** Each layer and the layers it may import (besides itself). cli and main may import anything. */
export const ALLOWED_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  // The bottom: assertions, logging, ids, and the interfaces of everything nondeterministic
  // (Clock, Scheduler, Random, StorageFs, Network, NodeDeps), so every layer imports them downward.
  base: [],
  // Pure: bytes in, values out (DESIGN.md section 2). Nothing of ours, not even base.
  protocol: [],
  version: [],
  config: ['base', 'protocol'],
  compression: ['base', 'protocol'],
  // The Network's implementations: Bun's sockets and the simulated twin.
  net: ['base'],
  storage: ['base', 'protocol'],
  // Node-to-node RPC (the internal listener): framing, connections, requests. It carries
  // bytes for its users (Raft, the controller) and knows none of them.
  rpc: ['base', 'protocol'],
  // Pure Raft (tick/step/ready/advance): no I/O, no storage, no cluster.
  'raft/core': ['base', 'protocol'],
  // The Raft shell between storage and cluster/broker: the log adapter, transport, driver.
  raft: ['base', 'protocol', 'storage', 'rpc', 'raft/core'],
  transactions: ['base', 'protocol'],
  // The controller's metadata state machine, pure like raft/core: records, the image, the
  // operations. It reads Raft's types and config's validation; the cluster's shell drives it.
  'cluster/controller': ['base', 'protocol', 'config', 'raft/core'],
  // raft/core for its values only (entries, memberships, status): the controller state machine
  // applies the core's committed entries, and the cluster node reads the controller group's
  // membership and leader; it drives cores only through the shell (raft).
  cluster: ['base', 'protocol', 'config', 'storage', 'transactions', 'rpc', 'raft', 'raft/core', 'cluster/controller', 'cluster/replica'],
  // A node's partition replicas: each the owner of its log, its Raft group and its producer
  // state. raft/core for values only (entries, terms, memberships); never the broker, which
  // calls it.
  'cluster/replica': ['base', 'protocol', 'config', 'storage', 'transactions', 'raft', 'raft/core'],
  // The coordinator reaches its log through the StateLog interface; it never imports the broker.
  groups: ['base', 'protocol', 'config'],
  // The internal client: used by the CLI, registry and proxy; it never imports the broker.
  client: ['base', 'protocol', 'compression'],
  security: ['base', 'protocol', 'config', 'storage'],
  broker: ['base', 'protocol', 'config', 'compression', 'storage', 'rpc', 'raft', 'cluster', 'cluster/controller', 'cluster/replica', 'groups', 'transactions', 'security'],
  // The schema registry and HTTP proxy talk to the cluster through the internal client
  // (DESIGN.md section 6), so they work the same on any node; never through the broker.
  registry: ['base', 'protocol', 'config', 'client'],
  // The proxy serializes the schema formats with the registry's codecs and its state (as
  // Confluent's proxy uses the registry's serializers); the registry never imports the proxy.
  proxy: ['base', 'protocol', 'config', 'compression', 'client', 'registry'],
  // The admin API and metrics read the node's state: a front end beside the Kafka API.
  admin: ['base', 'protocol', 'config', 'storage', 'raft', 'cluster', 'cluster/controller', 'groups', 'broker', 'client'],
  // Tiered storage: segments to the object store (its interface in base) and back.
  cloud: ['base', 'protocol', 'storage'],
};

/** Layers that may import anything: the shell, where real dependencies are chosen. */
export const SHELL_LAYERS: ReadonlySet<string> = new Set(['cli', 'main']);

/** Layers that import no runtime module (bun, bun:*, node:*): pure cores. */
export const PURE_LAYERS: ReadonlySet<string> = new Set(['protocol', 'raft/core', 'cluster/controller']);

/** Narrower rules for single files or groups of files, with the reason. */
export const FILE_RULES: ReadonlyArray<{ files: RegExp; forbid: RegExp; why: string }> = [
  {
    files: /^src\/broker\/handlers\/\d\d-[^/]+\.ts$/,
    forbid: /^src\/broker\/handlers\//,
    why: 'a handler imports no other handler: shared code goes to a module both import',
  },
  {
    files: /^src\/broker\/(connection|server)\.ts$/,
    forbid: /^src\/storage\//,
    why: 'the connection layer touches no storage (the read-buffer pool lives in base)',
  },
];

/** Calls and imports that reach the system directly; allowed only in ALLOWED_REAL. */
export const FORBIDDEN: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'Date.now', pattern: /\bDate\.now\b/ },
  { name: 'new Date()', pattern: /\bnew Date\(\s*\)/ },
  { name: 'performance.now', pattern: /\bperformance\.now\b/ },
  { name: 'setTimeout', pattern: /\bsetTimeout\b/ },
  { name: 'setInterval', pattern: /\bsetInterval\b/ },
  { name: 'setImmediate', pattern: /\bsetImmediate\b/ },
  { name: 'Math.random', pattern: /\bMath\.random\b/ },
  { name: 'crypto random', pattern: /\bcrypto\.(randomUUID|getRandomValues|randomBytes)\b/ },
  { name: 'Bun I/O', pattern: /\bBun\.(listen|connect|file|write|sleep|spawn|spawnSync|serve)\b/ },
  { name: 'process.env', pattern: /\bprocess\.(env|hrtime)\b/ },
  // Threads come through NodeDeps.threads (base/threads.ts; Bun Workers in cli/bun-threads.ts).
  { name: 'new Worker', pattern: /\bnew Worker\b/ },
  { name: 'system module', pattern: /\bfrom\s+['"](node:)?(fs|fs\/promises|net|dns|dns\/promises|child_process|os|crypto|timers)['"]/ },
];

/** The real implementations of the interfaces in base, and what each may use. */
export const ALLOWED_REAL: Readonly<Record<string, readonly string[]>> = {
  'src/base/clock.ts': ['Date.now', 'performance.now'], // systemClock
  'src/base/scheduler.ts': ['setTimeout', 'setImmediate'], // systemScheduler
  'src/base/random.ts': ['crypto random'], // systemRandom
  'src/base/log.ts': ['new Date()'], // the stamp on log lines, which nothing reads back
  'src/storage/fs.ts': ['system module'], // NodeStorageFs
  'src/storage/dir-lock.ts': ['system module'], // the data directory's flock, taken by cli/start.ts only
  'src/net/bun-network.ts': ['Bun I/O', 'system module'], // bunNetwork
};

export interface SourceFile {
  /** Relative to the repository: "src/broker/broker.ts". */
  readonly path: string;
  readonly text: string;
}

/** Folders that are layers of their own inside their parent's folder. */
const SUB_LAYERS: ReadonlySet<string> = new Set(['raft/core', 'cluster/controller', 'cluster/replica']);

/** "src/raft/core/x.ts" -> "raft/core"; "src/cluster/controller/x.ts" -> "cluster/controller"; "src/main.ts" -> "main". */
export function layerOf(path: string): string {
  const parts = path.split('/').slice(1);
  if (parts.length === 1) return parts[0].replace(/\.ts$/, '');
  if (parts.length > 2 && SUB_LAYERS.has(`${parts[0]}/${parts[1]}`)) return `${parts[0]}/${parts[1]}`;
  return parts[0];
}

/** Blanks comments (keeping line numbers), so that prose naming a call is not a call. */
export function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (c) => c.replace(/[^\n]/g, ' '));
}

/** Every module specifier imported or re-exported, with its line. */
export function importsOf(text: string): Array<{ spec: string; line: number }> {
  const code = withoutComments(text);
  const out: Array<{ spec: string; line: number }> = [];
  const re = /(?:\bimport|\bexport)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g;
  for (const m of code.matchAll(re)) {
    out.push({ spec: m[1] ?? m[2], line: code.slice(0, m.index).split('\n').length });
  }
  return out;
}

export interface Violation {
  where: string;
  what: string;
}

/** Imports that break ALLOWED_IMPORTS, PURE_LAYERS or FILE_RULES. */
export function checkLayering(files: readonly SourceFile[]): Violation[] {
  const out: Violation[] = [];
  for (const f of files) {
    const from = layerOf(f.path);
    for (const { spec, line } of importsOf(f.text)) {
      const where = `${f.path}:${line}`;
      if (!spec.startsWith('.')) {
        if (PURE_LAYERS.has(from) && /^(bun|node:)/.test(spec)) out.push({ where, what: `${from} is pure: it imports no runtime module ('${spec}')` });
        continue;
      }
      const target = normalize(join(dirname(f.path), spec));
      const to = layerOf(target);
      if (!target.startsWith('src/')) continue;
      if (from !== to && !SHELL_LAYERS.has(from)) {
        const allowed = ALLOWED_IMPORTS[from];
        if (allowed === undefined) out.push({ where, what: `${from} is not in the layer table (test/unit/layering-rules.ts): place it` });
        else if (!allowed.includes(to)) out.push({ where, what: `${from} may not import ${to} ('${spec}'); it may import ${allowed.join(', ') || 'nothing of ours'}` });
      }
      for (const rule of FILE_RULES) {
        if (rule.files.test(f.path) && rule.forbid.test(target)) out.push({ where, what: `${rule.why} ('${spec}')` });
      }
    }
  }
  return out;
}

/** Forbidden calls and imports outside the shell and ALLOWED_REAL. */
export function checkForbiddenCalls(files: readonly SourceFile[]): Violation[] {
  const out: Violation[] = [];
  for (const f of files) {
    if (SHELL_LAYERS.has(layerOf(f.path))) continue;
    const allowed = ALLOWED_REAL[f.path] ?? [];
    withoutComments(f.text)
      .split('\n')
      .forEach((line, i) => {
        for (const { name, pattern } of FORBIDDEN) {
          if (pattern.test(line) && !allowed.includes(name)) {
            out.push({ where: `${f.path}:${i + 1}`, what: `${name} outside the real implementations: take it from the node's dependencies (base/deps.ts)` });
          }
        }
      });
  }
  return out;
}
