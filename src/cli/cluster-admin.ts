// `freshet cluster health|config|maintenance|decommission`: the cluster over a node's admin API
// (Redpanda's paths: src/v/redpanda/admin/api-doc/cluster.json, broker.json, cluster_config.json),
// as rpk's `cluster health`, `cluster config get|set`, `cluster maintenance enable|disable|status`
// and `redpanda admin brokers decommission|decommission-status` use them, so the same commands
// work against a Redpanda node. An admin API error prints its message and exits 1
// (output.ts runAdmin); a node without the admin API is named as such (admin-http.ts).

import { intFlag, positionals, UsageError } from './args.ts';
import { SYSTEM_IO } from './node-deps.ts';
import { adminCall } from './admin-http.ts';
import { type AdminContext, adminSubcommand, EXIT_FAILURE, EXIT_OK, type NestedGroup, printJson, printTable } from './output.ts';

/** GET /v1/cluster/health_overview (cluster.json cluster_health_overview); counts are v23.3+. */
interface HealthOverview {
  is_healthy: boolean;
  unhealthy_reasons?: string[];
  controller_id: number;
  all_nodes: number[];
  nodes_down: number[];
  nodes_in_recovery_mode?: number[];
  leaderless_partitions: string[];
  leaderless_count?: number;
  under_replicated_partitions: string[];
  under_replicated_count?: number;
}

/** Go's %v of a slice, as rpk prints the overview: `[1 2 3]`. */
const goList = (xs: ReadonlyArray<string | number> | undefined): string => `[${(xs ?? []).join(' ')}]`;

/** A list rpk marks "...truncated" when the count is larger than what was listed (health.go). */
function truncated(list: readonly string[], count: number | undefined): string[] {
  return count !== undefined && count > list.length ? [...list, '...truncated'] : [...list];
}

/** rpk's printHealthOverview (src/go/rpk/pkg/cli/cluster/health.go): a section, then label/value rows. Pure. */
export function healthText(h: HealthOverview): string {
  const rows: Array<[string, string]> = [
    ['Healthy:', String(h.is_healthy)],
    ['Unhealthy reasons:', goList(h.unhealthy_reasons)],
    ['Controller ID:', String(h.controller_id)],
    ['All nodes:', goList(h.all_nodes)],
    ['Nodes down:', goList(h.nodes_down)],
  ];
  if (h.nodes_in_recovery_mode !== undefined) rows.push(['Nodes in recovery mode:', goList(h.nodes_in_recovery_mode)]);
  rows.push([h.leaderless_count === undefined ? 'Leaderless partitions:' : `Leaderless partitions (${h.leaderless_count}):`, goList(truncated(h.leaderless_partitions, h.leaderless_count))]);
  rows.push([
    h.under_replicated_count === undefined ? 'Under-replicated partitions:' : `Under-replicated partitions (${h.under_replicated_count}):`,
    goList(truncated(h.under_replicated_partitions, h.under_replicated_count)),
  ]);
  const width = Math.max(...rows.map(([l]) => l.length));
  const title = 'CLUSTER HEALTH OVERVIEW';
  return `${title}\n${'='.repeat(title.length)}\n${rows.map(([l, v]) => `${l.padEnd(width)}  ${v}`).join('\n')}\n`;
}

/** How often --watch asks again: rpk's cluster health --watch sleeps 2 s between requests. */
export const HEALTH_WATCH_INTERVAL_MS = 2_000;
/** How long --exit-when-healthy waits by default before giving up (exit 1). */
export const HEALTH_WAIT_MS_DEFAULT = 300_000;

interface HealthArgs {
  watch: boolean;
  exitWhenHealthy: boolean;
  timeoutMs: number;
}

const health = adminSubcommand<HealthArgs>({
  args: '[-w] [-e [--timeout-ms MS]]',
  summary: "the cluster's health overview (admin API): exit 0 when healthy, 1 when not (a node down, a partition without a leader or under-replicated, no controller)",
  flags: {
    watch: { kind: 'boolean', short: 'w', help: 'keep asking every 2 s and print each change, until Ctrl-C (rpk -w)' },
    'exit-when-healthy': { kind: 'boolean', short: 'e', help: 'watch until the cluster is healthy, then exit 0 (rpk -e); exit 1 after --timeout-ms' },
    'timeout-ms': { kind: 'string', value: 'MS', help: 'how long -e waits', defaultText: String(HEALTH_WAIT_MS_DEFAULT) },
  },
  parse(flags) {
    positionals(flags, []);
    const exitWhenHealthy = flags.booleans.get('exit-when-healthy') === true;
    if (flags.strings.has('timeout-ms') && !exitWhenHealthy) throw new UsageError('--timeout-ms goes with -e');
    // -e only makes sense while watching (rpk enables watch with it too).
    return { watch: exitWhenHealthy || flags.booleans.get('watch') === true, exitWhenHealthy, timeoutMs: intFlag(flags, 'timeout-ms', HEALTH_WAIT_MS_DEFAULT, 1) };
  },
  async run(ctx, a) {
    const deadline = SYSTEM_IO.clock.monotonicMs() + a.timeoutMs;
    let stopping = false;
    const stop = (): void => {
      stopping = true;
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      let last = '';
      for (;;) {
        const h = (await adminCall(ctx.adminUrl, 'GET', '/v1/cluster/health_overview')) as HealthOverview;
        const shown = ctx.format === 'json' ? `${JSON.stringify(h, null, a.watch ? undefined : 2)}\n` : healthText(h);
        // Watching, only changes are printed (as rpk compares each overview with the last).
        if (shown !== last) process.stdout.write(a.watch && last !== '' && ctx.format === 'table' ? `\n${shown}` : shown);
        last = shown;
        if (!a.watch || (a.exitWhenHealthy && h.is_healthy === true)) return h.is_healthy === true ? EXIT_OK : EXIT_FAILURE;
        if (a.exitWhenHealthy && SYSTEM_IO.clock.monotonicMs() + HEALTH_WATCH_INTERVAL_MS > deadline) {
          process.stderr.write(`${ctx.name}: not healthy after ${a.timeoutMs} ms\n`);
          return EXIT_FAILURE;
        }
        for (let waited = 0; waited < HEALTH_WATCH_INTERVAL_MS && !stopping; waited += 100) await Bun.sleep(100);
        if (stopping) return h.is_healthy === true ? EXIT_OK : EXIT_FAILURE;
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
});

/** A property's value as rpk's `cluster config get` prints it: strings bare, the rest as JSON. */
const valueText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

const configGet = adminSubcommand({
  args: 'KEY',
  summary: 'print one cluster property (GET /v1/cluster_config?key=KEY): bare, for scripts',
  flags: {},
  parse: (flags) => positionals(flags, ['KEY'])[0],
  async run(ctx, key) {
    const all = (await adminCall(ctx.adminUrl, 'GET', `/v1/cluster_config?key=${encodeURIComponent(key)}`)) as Record<string, unknown>;
    if (!Object.hasOwn(all, key)) {
      process.stderr.write(`${ctx.name}: property '${key}' not found\n`);
      return EXIT_FAILURE;
    }
    if (ctx.format === 'json') printJson({ [key]: all[key] });
    else process.stdout.write(`${valueText(all[key])}\n`);
    return EXIT_OK;
  },
});

const configSet = adminSubcommand({
  args: 'KEY VALUE [--dry-run]',
  summary: 'set a cluster property (PUT /v1/cluster_config); a refused value prints why and exits 1, nothing changed',
  flags: { 'dry-run': { kind: 'boolean', help: 'only validate (the admin API\'s dry_run)' } },
  parse(flags) {
    const [key, value] = positionals(flags, ['KEY', 'VALUE']);
    return { key, value, dryRun: flags.booleans.get('dry-run') === true };
  },
  async run(ctx, a) {
    // The value is sent as the text given: the admin API reads it as Kafka's config text (its
    // type is checked there, with the message AlterConfigs would give).
    await adminCall(ctx.adminUrl, 'PUT', `/v1/cluster_config${a.dryRun ? '?dry_run=true' : ''}`, { upsert: { [a.key]: a.value }, remove: [] });
    if (ctx.format === 'json') printJson({ key: a.key, value: a.value, dryRun: a.dryRun });
    else process.stdout.write(a.dryRun ? `${a.key}=${a.value} is valid (dry run, nothing changed)\n` : `set ${a.key}=${a.value}\n`);
    return EXIT_OK;
  },
});

const configReset = adminSubcommand({
  args: 'KEY',
  summary: 'remove a cluster-wide value, back to the default (PUT /v1/cluster_config remove)',
  flags: {},
  parse: (flags) => positionals(flags, ['KEY'])[0],
  async run(ctx, key) {
    await adminCall(ctx.adminUrl, 'PUT', '/v1/cluster_config', { upsert: {}, remove: [key] });
    if (ctx.format === 'json') printJson({ key, removed: true });
    else process.stdout.write(`reset ${key} to its default\n`);
    return EXIT_OK;
  },
});

const configList = adminSubcommand({
  args: '[--set-only]',
  summary: 'every cluster property with its value (GET /v1/cluster_config)',
  flags: { 'set-only': { kind: 'boolean', help: 'only properties set cluster-wide (include_defaults=false)' } },
  parse(flags) {
    positionals(flags, []);
    return flags.booleans.get('set-only') === true;
  },
  async run(ctx, setOnly) {
    const all = (await adminCall(ctx.adminUrl, 'GET', `/v1/cluster_config${setOnly ? '?include_defaults=false' : ''}`)) as Record<string, unknown>;
    if (ctx.format === 'json') printJson(all);
    else printTable(['KEY', 'VALUE'], Object.keys(all).sort().map((k) => [k, all[k] === null ? null : valueText(all[k])]));
    return EXIT_OK;
  },
});

/** Redpanda's maintenance_status (broker.json); the counts are optional there. */
interface MaintenanceStatus {
  draining: boolean;
  finished?: boolean;
  errors?: boolean;
  partitions?: number;
  eligible?: number;
  transferring?: number;
  failed?: number;
}

interface BrokerBody {
  node_id: number;
  maintenance_status?: MaintenanceStatus;
}

const nodeId = (text: string): number => {
  if (!/^\d{1,9}$/.test(text)) throw new UsageError(`ID must be a node id (a non-negative integer), not '${text}'`);
  return Number(text);
};

function maintenanceChange(enable: boolean) {
  return adminSubcommand({
    args: 'ID',
    summary: enable
      ? 'put node ID in maintenance mode: its partition leaderships move to other nodes (PUT /v1/brokers/ID/maintenance)'
      : 'take node ID out of maintenance mode (DELETE /v1/brokers/ID/maintenance)',
    flags: {},
    parse: (flags) => nodeId(positionals(flags, ['ID'])[0]),
    async run(ctx, id) {
      await adminCall(ctx.adminUrl, enable ? 'PUT' : 'DELETE', `/v1/brokers/${id}/maintenance`);
      if (ctx.format === 'json') printJson({ nodeId: id, maintenance: enable });
      else process.stdout.write(enable ? `node ${id} is entering maintenance mode; 'freshet cluster maintenance status ${id}' shows the draining\n` : `node ${id} left maintenance mode\n`);
      return EXIT_OK;
    },
  });
}

/** rpk's maintenance report columns (src/go/rpk/pkg/cli/cluster/maintenance/status.go). */
function maintenanceRows(brokers: readonly BrokerBody[]): Array<Array<string | number | boolean | null>> {
  return brokers.map((b) => {
    const m = b.maintenance_status;
    return [b.node_id, m?.draining ?? null, m?.finished ?? null, m?.errors ?? null, m?.partitions ?? null, m?.eligible ?? null, m?.transferring ?? null, m?.failed ?? null];
  });
}

const maintenanceStatus = adminSubcommand({
  args: '[ID]',
  summary: "maintenance mode and leadership draining of every node, or of node ID (GET /v1/brokers, /v1/brokers/ID), rpk's columns",
  flags: {},
  parse(flags) {
    if (flags.positionals.length > 1) throw new UsageError(`unexpected argument '${flags.positionals[1]}'`);
    return flags.positionals.length === 0 ? null : nodeId(flags.positionals[0]);
  },
  async run(ctx: AdminContext, id: number | null) {
    const brokers = id === null ? ((await adminCall(ctx.adminUrl, 'GET', '/v1/brokers')) as BrokerBody[]) : [(await adminCall(ctx.adminUrl, 'GET', `/v1/brokers/${id}`)) as BrokerBody];
    if (ctx.format === 'json') printJson(brokers.map((b) => ({ nodeId: b.node_id, maintenanceStatus: b.maintenance_status ?? null })));
    else printTable(['NODE-ID', 'ENABLED', 'FINISHED', 'ERRORS', 'PARTITIONS', 'ELIGIBLE', 'TRANSFERRING', 'FAILED'], maintenanceRows(brokers));
    return EXIT_OK;
  },
});

/** Redpanda's decommission_status (broker.json). */
interface DecommissionStatus {
  finished: boolean;
  replicas_left: number;
  allocation_failures?: string[];
  partitions?: unknown[];
}

const decommission = adminSubcommand({
  args: 'ID',
  summary: "decommission node ID: its replicas move to other nodes (PUT /v1/brokers/ID/decommission); 'decommission-status ID' follows it",
  flags: {},
  parse: (flags) => nodeId(positionals(flags, ['ID'])[0]),
  async run(ctx, id) {
    await adminCall(ctx.adminUrl, 'PUT', `/v1/brokers/${id}/decommission`);
    if (ctx.format === 'json') printJson({ nodeId: id, decommissioning: true });
    else process.stdout.write(`node ${id} is being decommissioned; 'freshet cluster decommission-status ${id}' shows its progress\n`);
    return EXIT_OK;
  },
});

const decommissionStatus = adminSubcommand({
  args: 'ID',
  summary: 'how far the decommissioning of node ID is (GET /v1/brokers/ID/decommission): exit 0 when finished, 1 while replicas are left',
  flags: {},
  parse: (flags) => nodeId(positionals(flags, ['ID'])[0]),
  async run(ctx, id) {
    const s = (await adminCall(ctx.adminUrl, 'GET', `/v1/brokers/${id}/decommission`)) as DecommissionStatus;
    if (ctx.format === 'json') printJson(s);
    else {
      process.stdout.write(`node ${id}: ${s.finished ? 'decommissioned' : 'decommissioning'}, ${s.replicas_left} replicas left\n`);
      if ((s.allocation_failures ?? []).length > 0) process.stdout.write(`allocation failures: ${s.allocation_failures!.join(' ')}\n`);
    }
    return s.finished === true ? EXIT_OK : EXIT_FAILURE;
  },
});

export const ADMIN_COMMANDS = {
  health,
  config: {
    summary: 'cluster properties over the admin API: get KEY, set KEY VALUE, reset KEY, list',
    commands: { get: configGet, set: configSet, reset: configReset, list: configList },
  } satisfies NestedGroup,
  maintenance: {
    summary: "a node's maintenance mode (leadership drained away): enable ID, disable ID, status [ID]",
    commands: { enable: maintenanceChange(true), disable: maintenanceChange(false), status: maintenanceStatus },
  } satisfies NestedGroup,
  decommission,
  'decommission-status': decommissionStatus,
};
