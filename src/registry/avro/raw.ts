// The schema's own JSON, walked beside avsc's type tree, for what avsc does not keep: custom
// properties ("connect.name", "avro.java.string", ...) and logical types ("logicalType",
// "precision", "scale"), which Avro's Java parser keeps as a schema's or field's props and
// prints (Schema.writeProps) and which Confluent's canonical and normalized strings carry.

/** Keys Avro does not keep as props on a schema (Schema.SCHEMA_RESERVED, plus an enum's default). */
const SCHEMA_RESERVED: ReadonlySet<string> = new Set(['doc', 'fields', 'items', 'name', 'namespace', 'size', 'symbols', 'values', 'type', 'aliases', 'default']);
/** Keys Avro does not keep as props on a field (Schema.FIELD_RESERVED). */
const FIELD_RESERVED: ReadonlySet<string> = new Set(['default', 'doc', 'name', 'order', 'type', 'aliases']);

const isObject = (raw: unknown): raw is Record<string, unknown> => typeof raw === 'object' && raw !== null && !Array.isArray(raw);

/** The JSON node of a type: `{"type": {...}}` wrapping a type object is unwrapped. */
export function typeNode(raw: unknown): unknown {
  return isObject(raw) && typeof raw.type === 'object' && raw.type !== null ? typeNode(raw.type) : raw;
}

/** The node under `key` of an object node ("items", "values", "fields"), or undefined. */
export function child(raw: unknown, key: string): unknown {
  return isObject(raw) ? raw[key] : undefined;
}

/** The i-th element of an array node (a union's branch, a record's field), or undefined. */
export function element(raw: unknown, i: number): unknown {
  return Array.isArray(raw) ? raw[i] : undefined;
}

export type Props = ReadonlyArray<readonly [string, unknown]>;

function propsOf(raw: unknown, reserved: ReadonlySet<string>): Props {
  return isObject(raw) ? Object.entries(raw).filter(([k]) => !reserved.has(k)) : [];
}

export const schemaProps = (raw: unknown): Props => propsOf(typeNode(raw), SCHEMA_RESERVED);
export const fieldProps = (raw: unknown): Props => propsOf(raw, FIELD_RESERVED);

/**
 * ',"k":v' for each prop: in the schema's order (Avro keeps props in a LinkedHashMap), or sorted
 * by key (Confluent's setSimpleProps copies them into a TreeMap).
 */
export function propsText(props: Props, sorted: boolean): string {
  const list = sorted ? [...props].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : props;
  return list.map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`).join('');
}
