// The registry's state: what every node rebuilds by applying the `_schemas` records in log
// order, and the queries the HTTP layer answers from memory (DESIGN.md section 6). apply() is
// the only mutator; writes (registry-writes.ts) read this state and return records to append,
// so a write takes effect on every node the same way: when its record is applied.
//
// Apply follows Confluent's KafkaStoreMessageHandler and InMemoryCache
// (confluentinc/schema-registry core/.../storage/): a SCHEMA value stores or replaces the
// version (deleted: true is a soft delete) and raises the highest id seen (IncrementalIdGenerator
// .schemaRegistered); a SCHEMA tombstone removes the version (a hard delete); DELETE_SUBJECT
// soft-deletes versions 1..version; CLEAR_SUBJECT drops the soft-deleted versions of its subject (of all, with none);
// CONFIG and MODE values set, and their tombstones clear, the subject's or (no subject) the
// global setting; other tombstones and NOOP change nothing.
//
// Schema identity: two registrations are the same schema when their schema type, references
// and schema text are equal. The text is the canonical string the caller built (Avro's Parsing
// Canonical Form from avro/, later JSON and Protobuf's); Confluent likewise writes the
// canonical string into the record, so stored text is compared as is. This file parses no schema.

import {
  decodeRecord,
  type CompatibilityLevel,
  type ConfigValue,
  type DeleteSubjectValue,
  type Mode,
  type ModeValue, type SchemaReference, type SchemasRecord, type SchemaValue } from './schemas-records.ts';
import { registryErrors, type RegistryError } from './registry-errors.ts';

/** Confluent's defaults: schema.compatibility.level=backward, mode READWRITE. */
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';
export const DEFAULT_MODE: Mode = 'READWRITE';
/** Limits on the state itself; a record that would exceed one is refused and counted. */
export const SUBJECTS_MAX = 1_000_000;
export const VERSIONS_PER_SUBJECT_MAX = 100_000;

/** One stored version of a subject: the SCHEMA record's value. */
export type SchemaVersion = SchemaValue;

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: RegistryError };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const fail = (error: RegistryError): { ok: false; error: RegistryError } => ({ ok: false, error });

/** What a schema is, apart from where it is registered. */
export interface SchemaContent {
  readonly schemaType?: string;
  readonly references: readonly SchemaReference[];
  readonly schema: string;
}

/** contentKey per content object: the state's versions are immutable and compared on every
 *  registration of their subject, so their keys are built once. */
const contentKeys = new WeakMap<SchemaContent, string>();

/** The identity of a schema: equal content, equal key (see the header). */
export function contentKey(c: SchemaContent): string {
  let key = contentKeys.get(c);
  if (key === undefined) {
    key = JSON.stringify([c.schemaType ?? 'AVRO', c.references.map((r) => [r.name, r.subject, r.version]), c.schema]);
    contentKeys.set(c, key);
  }
  return key;
}

/** Why apply() left a record out; counted, never thrown. `version_taken`: a SCHEMA record for a
 *  (subject, version) that holds other live content (see putVersion). */
export type SkipReason = 'undecodable' | 'duplicate_id' | 'version_taken' | 'limit';

export class RegistryState {
  /** subject -> version -> the stored version, soft-deleted ones included. */
  private readonly subjects = new Map<string, Map<number, SchemaVersion>>();
  /** id -> the subject-versions holding it; an id lives while one version holds it. */
  private readonly holdersById = new Map<number, Map<string, number>>();
  private readonly idByContent = new Map<string, number>();
  private readonly contentById = new Map<number, string>();
  /** The highest id any record carried, even one hard-deleted since: ids are never reused. */
  private maxIdSeen = 0;
  /** null is the global setting. */
  private readonly compatibility = new Map<string | null, CompatibilityLevel>();
  private readonly modes = new Map<string | null, Mode>();
  readonly skipped: Record<SkipReason, number> = { undecodable: 0, duplicate_id: 0, version_taken: 0, limit: 0 };

  /** Decodes and applies one record as read from the topic; one we cannot read is skipped and
   *  counted. Returns what apply() returns ('undecodable' for bytes we cannot read). */
  applyBytes(key: Uint8Array, value: Uint8Array | null): SkipReason | null {
    const r = decodeRecord(key, value);
    if (r.ok) return this.apply(r.value);
    this.skipped.undecodable++;
    return 'undecodable';
  }

  /** Applies one record in log order: the only way the state changes. Returns null when the
   *  record was applied, else why it was left out (also counted in `skipped`): the `_schemas`
   *  store reads this to learn that another node's conflicting record got in first. (The
   *  casts: TypeScript does not narrow a union by its key's keytype; decodeRecord pairs them.) */
  apply(record: SchemasRecord): SkipReason | null {
    switch (record.key.keytype) {
      case 'SCHEMA':
        if (record.value === null) this.removeVersion(record.key.subject, record.key.version);
        else return this.putVersion(record.value as SchemaValue);
        return null;
      case 'DELETE_SUBJECT':
        if (record.value !== null) this.softDeleteUpTo(record.key.subject, (record.value as DeleteSubjectValue).version);
        return null;
      case 'CLEAR_SUBJECT':
        if (record.value !== null) this.clearSoftDeleted(record.key.subject);
        return null;
      case 'CONFIG': {
        const level = (record.value as ConfigValue | null)?.compatibilityLevel ?? null;
        if (level === null) this.compatibility.delete(record.key.subject);
        else this.compatibility.set(record.key.subject, level);
        return null;
      }
      case 'MODE':
        if (record.value === null) this.modes.delete(record.key.subject);
        else this.modes.set(record.key.subject, (record.value as ModeValue).mode);
        return null;
      case 'NOOP':
        return null;
    }
  }

  private putVersion(v: SchemaValue): SkipReason | null {
    const key = contentKey(v);
    const known = this.contentById.get(v.id);
    // KafkaStoreMessageHandler.validateUpdate: an id already holding another schema is refused.
    if (known !== undefined && known !== key) return this.skip('duplicate_id');
    let versions = this.subjects.get(v.subject);
    const old = versions?.get(v.version);
    // Two nodes of a cluster may append records for the same new (subject, version) at once
    // (Confluent avoids this with a single leader; we let every node write). Every node applies
    // the log in one order, so the first record wins everywhere and a later one naming other
    // content or another id for a live version is refused; the writer whose record was refused
    // computes its write again (store/topic-backend.ts). A soft delete of the same content and
    // id still applies, and a soft-deleted version may be overwritten as before.
    if (old !== undefined && !old.deleted && (old.id !== v.id || contentKey(old) !== key)) return this.skip('version_taken');
    if (versions === undefined) {
      if (this.subjects.size >= SUBJECTS_MAX) return this.skip('limit');
      versions = new Map();
      this.subjects.set(v.subject, versions);
    }
    if (old === undefined && versions.size >= VERSIONS_PER_SUBJECT_MAX) return this.skip('limit');
    if (old !== undefined) this.release(old);
    versions.set(v.version, v);
    this.maxIdSeen = Math.max(this.maxIdSeen, v.id);
    this.contentById.set(v.id, key);
    if (!this.idByContent.has(key)) this.idByContent.set(key, v.id);
    let holders = this.holdersById.get(v.id);
    if (holders === undefined) this.holdersById.set(v.id, (holders = new Map()));
    holders.set(v.subject, v.version);
    return null;
  }

  private skip(reason: SkipReason): SkipReason {
    this.skipped[reason]++;
    return reason;
  }

  private removeVersion(subject: string, version: number): void {
    const versions = this.subjects.get(subject);
    const old = versions?.get(version);
    if (versions === undefined || old === undefined) return;
    versions.delete(version);
    if (versions.size === 0) this.subjects.delete(subject);
    this.release(old);
  }

  /** Forgets that a version holds its id; the id's schema goes when nothing holds it. */
  private release(v: SchemaVersion): void {
    const holders = this.holdersById.get(v.id);
    if (holders === undefined || holders.get(v.subject) !== v.version) return;
    holders.delete(v.subject);
    if (holders.size > 0) return;
    this.holdersById.delete(v.id);
    const key = this.contentById.get(v.id);
    this.contentById.delete(v.id);
    if (key !== undefined && this.idByContent.get(key) === v.id) this.idByContent.delete(key);
  }

  private softDeleteUpTo(subject: string, upTo: number): void {
    const versions = this.subjects.get(subject);
    if (versions === undefined) return;
    for (const [n, v] of versions) if (n <= upTo && !v.deleted) versions.set(n, { ...v, deleted: true });
  }

  private clearSoftDeleted(subject: string | null): void {
    for (const s of subject === null ? [...this.subjects.keys()] : [subject]) {
      const versions = this.subjects.get(s);
      if (versions === undefined) continue;
      for (const v of [...versions.values()]) if (v.deleted) this.removeVersion(s, v.version);
    }
  }

  // ---- queries (the HTTP layer's reads) ----

  /** GET /subjects: sorted, soft-deleted subjects only with deleted=true. */
  listSubjects(includeDeleted: boolean): string[] {
    const out: string[] = [];
    for (const [s, versions] of this.subjects) if (includeDeleted || [...versions.values()].some((v) => !v.deleted)) out.push(s);
    return out.sort();
  }

  /** The subject's versions, ascending; 40401 when it has none visible. */
  listVersions(subject: string, includeDeleted: boolean): Outcome<number[]> {
    const vs = this.versionsOf(subject, includeDeleted);
    if (vs.length === 0) return fail(registryErrors.subjectNotFound(subject));
    return ok(vs.map((v) => v.version));
  }

  /** The subject's stored versions, ascending. */
  versionsOf(subject: string, includeDeleted: boolean): SchemaVersion[] {
    const versions = this.subjects.get(subject);
    if (versions === undefined) return [];
    return [...versions.values()].filter((v) => includeDeleted || !v.deleted).sort((a, b) => a.version - b.version);
  }

  /** GET /subjects/{subject}/versions/{version}: version is the path text ("latest", "-1" or 1..2^31-1). */
  getVersion(subject: string, versionText: string, includeDeleted: boolean): Outcome<SchemaVersion> {
    const version = parseVersionId(versionText);
    if (!version.ok) return version;
    const vs = this.versionsOf(subject, includeDeleted);
    if (vs.length === 0) return fail(registryErrors.subjectNotFound(subject));
    if (version.value === 'latest') return ok(vs[vs.length - 1]);
    const found = vs.find((v) => v.version === version.value);
    return found === undefined ? fail(registryErrors.versionNotFound(version.value)) : ok(found);
  }

  /** GET /schemas/ids/{id}: the content any version holding the id stores. */
  schemaById(id: number): Outcome<SchemaVersion> {
    const holders = this.holdersById.get(id);
    if (holders === undefined) return fail(registryErrors.schemaIdNotFound(id));
    const [subject, version] = holders.entries().next().value as [string, number];
    return ok(this.subjects.get(subject)!.get(version)!);
  }

  /** GET /schemas/ids/{id}/versions: the subject-versions holding the id, sorted. */
  subjectVersionsById(id: number, includeDeleted: boolean): Outcome<Array<{ subject: string; version: number }>> {
    const holders = this.holdersById.get(id);
    if (holders === undefined) return fail(registryErrors.schemaIdNotFound(id));
    const out = [...holders].filter(([s, n]) => includeDeleted || !this.subjects.get(s)!.get(n)!.deleted).map(([subject, version]) => ({ subject, version }));
    return ok(out.sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.version - b.version)));
  }

  /** POST /subjects/{subject}: the version of this subject holding equal content. */
  lookup(subject: string, content: SchemaContent, includeDeleted: boolean): Outcome<SchemaVersion> {
    const vs = this.versionsOf(subject, includeDeleted);
    if (vs.length === 0) return fail(registryErrors.subjectNotFound(subject));
    const key = contentKey(content);
    const found = vs.find((v) => contentKey(v) === key);
    return found === undefined ? fail(registryErrors.schemaNotFound()) : ok(found);
  }

  /** The stored versions whose references name (subject, version), soft-deleted ones too; a
   *  scan of every version (Confluent keeps an index, LookupCache.referencesSchema; the scan is
   *  bounded by SUBJECTS_MAX x VERSIONS_PER_SUBJECT_MAX and runs only on delete and referencedby). */
  referrers(subject: string, version: number): SchemaVersion[] {
    const out: SchemaVersion[] = [];
    for (const versions of this.subjects.values()) {
      for (const v of versions.values()) if (v.references.some((r) => r.subject === subject && r.version === version)) out.push(v);
    }
    return out;
  }

  /** The id this content already has anywhere, if any (one id per schema across subjects). */
  idOf(content: SchemaContent): number | undefined {
    return this.idByContent.get(contentKey(content));
  }

  /** The content an id holds, as its key, if the id is live. */
  contentKeyOfId(id: number): string | undefined {
    return this.contentById.get(id);
  }

  /** Confluent's leader assigns max + 1 (IncrementalIdGenerator). */
  nextId(): number {
    return this.maxIdSeen + 1;
  }

  /** The subject's setting, or null (GET /config/{subject} without defaultToGlobal answers 40408). */
  compatibilityOf(subject: string | null): CompatibilityLevel | null {
    return this.compatibility.get(subject) ?? null;
  }

  /** The level a registration under the subject is checked at: subject, else global, else default. */
  effectiveCompatibility(subject: string): CompatibilityLevel {
    return this.compatibility.get(subject) ?? this.compatibility.get(null) ?? DEFAULT_COMPATIBILITY;
  }

  modeOf(subject: string | null): Mode | null {
    return this.modes.get(subject) ?? null;
  }

  /** getModeInScope: subject, else global, else READWRITE. */
  effectiveMode(subject: string | null): Mode {
    return (subject === null ? undefined : this.modes.get(subject)) ?? this.modes.get(null) ?? DEFAULT_MODE;
  }
}

/** Confluent's VersionId: "latest" or -1 is the latest; otherwise an int in [1, 2^31-1]; else 42202. */
export function parseVersionId(text: string): Outcome<number | 'latest'> {
  if (text.toLowerCase() === 'latest' || text === '-1') return ok('latest');
  if (!/^[0-9]{1,10}$/.test(text)) return fail(registryErrors.invalidVersion(text));
  const n = Number(text);
  if (n < 1 || n > 2_147_483_647) return fail(registryErrors.invalidVersion(text));
  return ok(n);
}
