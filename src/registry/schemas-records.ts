// The records Confluent's Schema Registry writes to its compacted `_schemas` topic: JSON keys
// and JSON values, byte-compatible in both directions (DESIGN.md section 6: existing tooling
// reads our topic, and we read theirs).
//
// Source: confluentinc/schema-registry, core/.../storage/: SchemaRegistryKey, SubjectKey,
// SchemaKey, ConfigKey, ModeKey, DeleteSubjectKey, ClearSubjectKey, NoopKey and their values,
// serialized by serialization/SchemaRegistrySerializer through Jackson with
// @JsonInclude(NON_EMPTY) (null and empty fields are left out; a primitive `false` or `0` is
// written). Key field order is each key's @JsonPropertyOrder; value field order is the order of
// the @JsonCreator parameters (Jackson writes creator properties first).
// Literal records as Confluent writes them, used by the tests, are quoted in Cloudera's
// registries ConfluentFileReader (a dump of a Confluent `_schemas` topic) and Redpanda's
// schema registry storage tests.
//
// Decoding never throws: a record another registry wrote that we do not understand (a newer
// key type such as ASSOC or CONTEXT, a bad magic, a field of the wrong type) is an error value
// the caller skips and counts, as Confluent's KafkaStoreReaderThread logs and skips a record it
// cannot deserialize.

/** Limits on what one record may hold; a record beyond any of them is rejected, not parsed. */
export const SCHEMAS_KEY_BYTES_MAX = 64 * 1024;
/** Kafka's default message.max.bytes is about 1 MiB; a registry topic may raise it. */
export const SCHEMAS_VALUE_BYTES_MAX = 16 * 1024 * 1024;
/** Subject names: Confluent sets no length limit; ours is generous and named. */
export const SUBJECT_CHARS_MAX = 16 * 1024;
export const SCHEMA_REFERENCES_MAX = 10_000;
/** Ids and versions are Java ints in Confluent (Integer); @Min(1) on versions. */
export const JAVA_INT_MAX = 2_147_483_647;

export type CompatibilityLevel =
  | 'NONE'
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE';
/** client/.../CompatibilityLevel.java. */
export const COMPATIBILITY_LEVELS: readonly CompatibilityLevel[] = [
  'NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE',
];

export type Mode = 'READWRITE' | 'READONLY' | 'READONLY_OVERRIDE' | 'IMPORT';
/** core/.../storage/Mode.java. */
export const MODES: readonly Mode[] = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'];

/** Magic bytes: SchemaKey.MAGIC_BYTE is 1, every other key's is 0; Confluent reads SCHEMA keys
 *  with magic 0 or 1 (SchemaRegistrySerializer.validateMagicByte). */
export const SCHEMA_KEY_MAGIC = 1;
export const OTHER_KEY_MAGIC = 0;

/** A subject of null is the global CONFIG or MODE (ConfigKey/ModeKey with no subject). */
export type SchemasKey =
  | { readonly keytype: 'SCHEMA'; readonly subject: string; readonly version: number; readonly magic: number }
  | { readonly keytype: 'CONFIG'; readonly subject: string | null; readonly magic: number }
  | { readonly keytype: 'MODE'; readonly subject: string | null; readonly magic: number }
  | { readonly keytype: 'DELETE_SUBJECT'; readonly subject: string; readonly magic: number }
  | { readonly keytype: 'CLEAR_SUBJECT'; readonly subject: string | null; readonly magic: number }
  | { readonly keytype: 'NOOP'; readonly magic: number };

export type KeyType = SchemasKey['keytype'];

export interface SchemaReference {
  readonly name: string;
  readonly subject: string;
  readonly version: number;
}

/** SchemaValue. schemaType undefined means AVRO. Confluent left it out for Avro from 5.5
 *  (commit 3ae2dfc, "Omit schemaType field when storing Avro schemas", 2020) until commit
 *  cc6bd5e (DGS-14766, Feb 2025), since which it writes "schemaType":"AVRO" after "id". Every
 *  version reads both; we write the omitted form, and read "AVRO" as absent. */
export interface SchemaValue {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  readonly schemaType?: string;
  readonly references: readonly SchemaReference[];
  readonly schema: string;
  readonly deleted: boolean;
}

/** ConfigValue; only compatibilityLevel is used today. Older Confluent wrote no subject. */
export interface ConfigValue {
  readonly subject: string | null;
  readonly compatibilityLevel: CompatibilityLevel | null;
}

export interface ModeValue {
  readonly subject: string | null;
  readonly mode: Mode;
}

/** Marks versions 1..version of the subject deleted (KafkaStoreMessageHandler.handleDeleteSubject). */
export interface DeleteSubjectValue {
  readonly subject: string;
  readonly version: number;
}

/** Drops the soft-deleted versions of the subject, or of every subject when it is null (the
 *  global scope: KafkaSchemaRegistry.setMode writes new ClearSubjectKey(null) on entering IMPORT). */
export interface ClearSubjectValue {
  readonly subject: string | null;
}

/** A key with its value; value null is a tombstone (NOOP records always carry null). */
export type SchemasRecord =
  | { readonly key: Extract<SchemasKey, { keytype: 'SCHEMA' }>; readonly value: SchemaValue | null }
  | { readonly key: Extract<SchemasKey, { keytype: 'CONFIG' }>; readonly value: ConfigValue | null }
  | { readonly key: Extract<SchemasKey, { keytype: 'MODE' }>; readonly value: ModeValue | null }
  | { readonly key: Extract<SchemasKey, { keytype: 'DELETE_SUBJECT' }>; readonly value: DeleteSubjectValue | null }
  | { readonly key: Extract<SchemasKey, { keytype: 'CLEAR_SUBJECT' }>; readonly value: ClearSubjectValue | null }
  | { readonly key: Extract<SchemasKey, { keytype: 'NOOP' }>; readonly value: null };

/** unsupported: well-formed but a key type or magic we do not handle; malformed: anything else. */
export type DecodeError = { readonly kind: 'unsupported' | 'malformed'; readonly reason: string };
export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DecodeError };

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

// ---- encoding: exactly the bytes Jackson writes ----

/** JSON.stringify escapes as Jackson does for the characters that must be escaped. */
function str(s: string): string {
  return JSON.stringify(s);
}

export function encodeKeyJson(key: SchemasKey): string {
  switch (key.keytype) {
    case 'SCHEMA':
      return `{"keytype":"SCHEMA","subject":${str(key.subject)},"version":${key.version},"magic":${key.magic}}`;
    case 'NOOP':
      return `{"keytype":"NOOP","magic":${key.magic}}`;
    default: {
      // NON_EMPTY leaves out a null subject: the global CONFIG key is {"keytype":"CONFIG","magic":0}.
      const subject = key.subject === null ? '' : `"subject":${str(key.subject)},`;
      return `{"keytype":"${key.keytype}",${subject}"magic":${key.magic}}`;
    }
  }
}

function encodeReferences(refs: readonly SchemaReference[]): string {
  return `[${refs.map((r) => `{"name":${str(r.name)},"subject":${str(r.subject)},"version":${r.version}}`).join(',')}]`;
}

/** The value's JSON, or null for a tombstone. */
export function encodeValueJson(record: SchemasRecord): string | null {
  if (record.value === null) return null;
  switch (record.key.keytype) {
    case 'SCHEMA': {
      const v = record.value as SchemaValue;
      // Creator order: subject, version, id, md5, schemaType, references, metadata, ruleSet, schema, deleted.
      const type = v.schemaType === undefined ? '' : `"schemaType":${str(v.schemaType)},`;
      const refs = v.references.length === 0 ? '' : `"references":${encodeReferences(v.references)},`;
      return `{"subject":${str(v.subject)},"version":${v.version},"id":${v.id},${type}${refs}"schema":${str(v.schema)},"deleted":${v.deleted}}`;
    }
    case 'CONFIG': {
      const v = record.value as ConfigValue;
      return object([
        ['subject', v.subject === null ? null : str(v.subject)],
        ['compatibilityLevel', v.compatibilityLevel === null ? null : str(v.compatibilityLevel)],
      ]);
    }
    case 'MODE': {
      const v = record.value as ModeValue;
      return object([['subject', v.subject === null ? null : str(v.subject)], ['mode', str(v.mode)]]);
    }
    case 'DELETE_SUBJECT': {
      const v = record.value as DeleteSubjectValue;
      return `{"subject":${str(v.subject)},"version":${v.version}}`;
    }
    case 'CLEAR_SUBJECT': {
      const subject = (record.value as ClearSubjectValue).subject;
      return object([['subject', subject === null ? null : str(subject)]]);
    }
  }
}

function object(fields: Array<[string, string | null]>): string {
  return `{${fields.filter(([, v]) => v !== null).map(([k, v]) => `"${k}":${v}`).join(',')}}`;
}

export function encodeRecord(record: SchemasRecord): { key: Uint8Array; value: Uint8Array | null } {
  const value = encodeValueJson(record);
  return { key: utf8.encode(encodeKeyJson(record.key)), value: value === null ? null : utf8.encode(value) };
}

// ---- decoding: checked, errors as values ----

function malformed(reason: string): { ok: false; error: DecodeError } {
  return { ok: false, error: { kind: 'malformed', reason } };
}
function unsupported(reason: string): { ok: false; error: DecodeError } {
  return { ok: false, error: { kind: 'unsupported', reason } };
}

type Json = Record<string, unknown>;

function parseObject(bytes: Uint8Array, max: number, what: string): Decoded<Json> {
  if (bytes.length > max) return malformed(`${what} is ${bytes.length} bytes, over the limit of ${max}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8Strict.decode(bytes));
  } catch {
    // Invalid UTF-8, invalid JSON, or nesting deep enough to exhaust the parser's stack.
    return malformed(`${what} is not UTF-8 JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return malformed(`${what} is not a JSON object`);
  return { ok: true, value: parsed as Json };
}

/** A Java int in [min, JAVA_INT_MAX]; absent is an error unless a fallback is given. */
function int(o: Json, field: string, min: number): number | string {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > JAVA_INT_MAX) return `${field} is not an integer in [${min}, ${JAVA_INT_MAX}]`;
  return v;
}

function subjectOf(o: Json, required: boolean): string | null | { error: string } {
  const v = o.subject;
  if (v === undefined || v === null) return required ? { error: 'subject is missing' } : null;
  if (typeof v !== 'string') return { error: 'subject is not a string' };
  if (v.length > SUBJECT_CHARS_MAX) return { error: `subject is over ${SUBJECT_CHARS_MAX} characters` };
  return v;
}

export function decodeKey(bytes: Uint8Array): Decoded<SchemasKey> {
  const parsed = parseObject(bytes, SCHEMAS_KEY_BYTES_MAX, 'key');
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  // magic is a Java int with @Min(0); Jackson gives 0 when absent.
  const magic = o.magic === undefined ? 0 : int(o, 'magic', 0);
  if (typeof magic === 'string') return malformed(magic);
  const keytype = o.keytype;
  if (typeof keytype !== 'string') return malformed('keytype is missing');
  if (keytype === 'NOOP') return { ok: true, value: { keytype, magic } };
  const needsSubject = keytype === 'SCHEMA' || keytype === 'DELETE_SUBJECT';
  if (!needsSubject && keytype !== 'CONFIG' && keytype !== 'MODE' && keytype !== 'CLEAR_SUBJECT') return unsupported(`key type ${keytype}`);
  const subject = subjectOf(o, needsSubject);
  if (subject !== null && typeof subject === 'object') return malformed(subject.error);
  if (keytype === 'SCHEMA') {
    if (magic !== 0 && magic !== 1) return unsupported(`SCHEMA key magic ${magic}`);
    const version = int(o, 'version', 1);
    if (typeof version === 'string') return malformed(version);
    return { ok: true, value: { keytype, subject: subject as string, version, magic } };
  }
  if (keytype === 'CONFIG' || keytype === 'MODE' || keytype === 'CLEAR_SUBJECT') return { ok: true, value: { keytype, subject, magic } };
  return { ok: true, value: { keytype, subject: subject as string, magic } };
}

function decodeReferences(v: unknown): readonly SchemaReference[] | string {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return 'references is not an array';
  if (v.length > SCHEMA_REFERENCES_MAX) return `over ${SCHEMA_REFERENCES_MAX} references`;
  const out: SchemaReference[] = [];
  for (const r of v) {
    if (typeof r !== 'object' || r === null) return 'a reference is not an object';
    const ref = r as Json;
    const version = int(ref, 'version', -1); // -1 is "latest" in a reference (SchemaReference docs)
    if (typeof ref.name !== 'string' || typeof ref.subject !== 'string' || typeof version === 'string') return 'a reference lacks name, subject or version';
    out.push({ name: ref.name, subject: ref.subject, version });
  }
  return out;
}

function decodeSchemaValue(o: Json): Decoded<SchemaValue> {
  const subject = subjectOf(o, true);
  if (typeof subject !== 'string') return malformed(subject === null ? 'subject is missing' : subject.error);
  const version = int(o, 'version', 1);
  if (typeof version === 'string') return malformed(version);
  const id = int(o, 'id', 0);
  if (typeof id === 'string') return malformed(id);
  if (typeof o.schema !== 'string') return malformed('schema is not a string');
  const deleted = o.deleted ?? false; // a primitive boolean in SchemaValue: absent reads as false
  if (typeof deleted !== 'boolean') return malformed('deleted is not a boolean');
  const st = o.schemaType;
  if (st !== undefined && st !== null && typeof st !== 'string') return malformed('schemaType is not a string');
  const references = decodeReferences(o.references);
  if (typeof references === 'string') return malformed(references);
  // Absent and "AVRO" are the same schema type; we keep the absent form, as Confluent writes it.
  const schemaType = typeof st === 'string' && st !== 'AVRO' ? st : undefined;
  const base = { subject, version, id, references, schema: o.schema, deleted };
  return { ok: true, value: schemaType === undefined ? base : { ...base, schemaType } };
}

/** Decodes one `_schemas` record; value null is a tombstone. */
export function decodeRecord(keyBytes: Uint8Array, valueBytes: Uint8Array | null): Decoded<SchemasRecord> {
  const k = decodeKey(keyBytes);
  if (!k.ok) return k;
  const key = k.value;
  if (key.keytype === 'NOOP') return { ok: true, value: { key, value: null } };
  if (valueBytes === null) return { ok: true, value: { key, value: null } as SchemasRecord };
  const parsed = parseObject(valueBytes, SCHEMAS_VALUE_BYTES_MAX, 'value');
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  switch (key.keytype) {
    case 'SCHEMA': {
      const v = decodeSchemaValue(o);
      if (!v.ok) return v;
      if (v.value.subject !== key.subject || v.value.version !== key.version) return malformed('SCHEMA value names another subject or version than its key');
      return { ok: true, value: { key, value: v.value } };
    }
    case 'CONFIG': {
      const level = o.compatibilityLevel ?? null;
      if (level !== null && !COMPATIBILITY_LEVELS.includes(level as CompatibilityLevel)) return malformed('compatibilityLevel is not a known level');
      // Legacy values carry no subject: take the key's (KafkaStoreMessageHandler.validateUpdate).
      return { ok: true, value: { key, value: { subject: key.subject, compatibilityLevel: level as CompatibilityLevel | null } } };
    }
    case 'MODE': {
      if (!MODES.includes(o.mode as Mode)) return malformed('mode is not a known mode');
      return { ok: true, value: { key, value: { subject: key.subject, mode: o.mode as Mode } } };
    }
    case 'DELETE_SUBJECT': {
      const version = int(o, 'version', 1);
      if (typeof version === 'string') return malformed(version);
      return { ok: true, value: { key, value: { subject: key.subject, version } } };
    }
    case 'CLEAR_SUBJECT':
      return { ok: true, value: { key, value: { subject: key.subject } } };
  }
}
