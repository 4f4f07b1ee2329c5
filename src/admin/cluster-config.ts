// The cluster configuration as Redpanda's admin API shows and changes it (GET/PUT
// /v1/cluster_config, GET /v1/cluster_config/schema; admin/server.cc
// patch_cluster_config_handler, cluster_config_schema_util.cc), over Freshet's cluster-wide
// dynamic broker properties: Kafka's KIP-226 cluster default (BROKER ""), the layer
// IncrementalAlterConfigs changes, so the admin API and Kafka clients see and change one thing.
// Names are Kafka's (log.retention.ms), not Redpanda's (log_retention_ms). Pure: no I/O.
//
// A PUT body is {"upsert": {name: value}, "remove": [name]} (Redpanda's validator: both keys
// required, nothing else). Every key is checked before anything is applied; the errors come back
// as Redpanda sends them: 400 with a JSON object of name -> reason, and nothing changes.

import { validateDynamicBrokerConfigs } from '../config/broker-config.ts';
import { BROKER_PROPERTIES, BROKER_PROPERTY_BY_NAME, type PropertyDef, type PropertyValue } from '../config/properties.ts';
import type { ClusterConfigChange, ClusterConfigValue } from './admin-node.ts';

/** Most keys one PUT may name (upserts and removes together); Freshet has fewer properties. */
export const CLUSTER_CONFIG_CHANGES_MAX = 1024;

/** The properties the cluster config holds: the broker properties Kafka lets change cluster-wide. */
export function clusterProperties(): readonly PropertyDef[] {
  return BROKER_PROPERTIES.filter((d) => d.dynamic === 'cluster-wide');
}

export type ParsedPatch =
  | { ok: true; changes: ClusterConfigChange[] }
  | { ok: false; kind: 'body'; message: string }
  | { ok: false; kind: 'keys'; errors: Record<string, string> };

/** Parses and checks a PUT body; every bad key is reported, not just the first. */
export function parsePatch(text: string): ParsedPatch {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, kind: 'body', message: 'Invalid JSON body' };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { ok: false, kind: 'body', message: 'The body must be a JSON object with upsert and remove' };
  const body = doc as Record<string, unknown>;
  const extra = Object.keys(body).filter((k) => k !== 'upsert' && k !== 'remove');
  if (extra.length > 0) return { ok: false, kind: 'body', message: `Unexpected key(s) in the body: ${extra.join(', ')} (only upsert and remove)` };
  const { upsert, remove } = body;
  if (typeof upsert !== 'object' || upsert === null || Array.isArray(upsert)) return { ok: false, kind: 'body', message: 'upsert must be a JSON object of property: value' };
  if (!Array.isArray(remove) || remove.some((r) => typeof r !== 'string')) return { ok: false, kind: 'body', message: 'remove must be a JSON array of property names' };
  const entries = Object.entries(upsert as Record<string, unknown>);
  if (entries.length + remove.length > CLUSTER_CONFIG_CHANGES_MAX) return { ok: false, kind: 'body', message: `At most ${CLUSTER_CONFIG_CHANGES_MAX} properties per request` };
  const errors: Record<string, string> = {};
  const changes: ClusterConfigChange[] = [];
  for (const [name, value] of entries) {
    const text = valueText(value);
    const why = text === null ? `expected a string, number, boolean or array of strings, got ${JSON.stringify(value)}` : checkKey(name, text);
    if (why !== null) errors[name] = why;
    else changes.push({ name, value: text });
  }
  for (const name of remove as string[]) {
    const why = checkKey(name, null);
    if (why !== null) errors[name] = why;
    else changes.push({ name, value: null });
  }
  if (Object.keys(errors).length > 0) return { ok: false, kind: 'keys', errors };
  return { ok: true, changes };
}

/** The value as Kafka's config text: lists comma-separated, as kafka-configs.sh takes them. */
function valueText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v.join(',');
  return null;
}

/** Why one key cannot be set (or removed, `text` null) cluster-wide, or null when it can. */
function checkKey(name: string, text: string | null): string | null {
  const def = BROKER_PROPERTY_BY_NAME.get(name);
  if (def === undefined) return 'Unknown property';
  if (def.dynamic === undefined) return 'Cannot be changed at run time (a static broker property: set it with --set)';
  if (def.dynamic === 'per-broker') return 'Cannot be set cluster-wide, only per broker';
  if (text === null) return null;
  // Kafka's own check (DynamicBrokerConfig), so the message is the one AlterConfigs gives.
  const v = validateDynamicBrokerConfigs([[name, text]], false);
  return v.ok ? null : (v.error.message ?? 'Invalid value');
}

/** GET /v1/cluster_config: {name: value}; `includeDefaults` false leaves out values not set cluster-wide. */
export function clusterConfigBody(values: readonly ClusterConfigValue[], includeDefaults: boolean, key: string | null): Record<string, PropertyValue | null> {
  const out: Record<string, PropertyValue | null> = {};
  for (const v of values) {
    if (key !== null && v.name !== key) continue;
    if (!includeDefaults && v.isDefault) continue;
    out[v.name] = v.value;
  }
  return out;
}

/** Redpanda's type names (config::base_property::type_name) for ours. */
const SCHEMA_TYPES: Readonly<Record<PropertyDef['type'], string>> = {
  int: 'integer',
  long: 'integer',
  double: 'number',
  boolean: 'boolean',
  string: 'string',
  list: 'string',
};

/** GET /v1/cluster_config/schema: {"properties": {name: metadata}} (cluster_config_property_metadata). */
export function clusterConfigSchema(): { properties: Record<string, Record<string, unknown>> } {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const d of [...clusterProperties()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    properties[d.name] = {
      description: d.doc,
      needs_restart: false,
      visibility: 'user',
      nullable: d.default === null,
      is_secret: false,
      ...(d.type === 'list' ? { type: 'array', items: { type: 'string' } } : { type: SCHEMA_TYPES[d.type] }),
      ...(d.oneOf === undefined ? {} : { enum_values: d.oneOf }),
      ...(d.default === null ? {} : { default: d.default }),
      ...(d.name.endsWith('.ms') ? { units: 'ms' } : d.name.endsWith('.bytes') ? { units: 'bytes' } : {}),
      aliases: [],
    };
  }
  return { properties };
}
