// The registry's writes: each checks the request against the state and returns the records to
// append to `_schemas`, or Confluent's error as a value. None mutates the state: the records
// change it when they are applied (registry-state.ts), on this node and every other. Whoever
// serialises writes (one writer at a time, as Confluent's leader under its per-subject lock)
// must apply a write's records before checking the next, or two writes could take one id.
//
// Checks and records follow confluentinc/schema-registry core/.../storage/KafkaSchemaRegistry
// (register, deleteSchemaVersion, deleteSubject, setMode) and AbstractSchemaRegistry
// (checkRegisterMode, validateDeleteSchemaVersion, checkIfSchemaWithIdExist). The
// compatibility check itself is the caller's (it needs the schema support, avro/): it runs it
// against compatibilityTargets() before calling register().

import { COMPATIBILITY_LEVELS, MODES, OTHER_KEY_MAGIC, SCHEMA_KEY_MAGIC, SUBJECT_CHARS_MAX, type CompatibilityLevel, type Mode, type SchemasRecord } from './schemas-records.ts';
import { registryErrors } from './registry-errors.ts';
import { contentKey, DEFAULT_COMPATIBILITY, DEFAULT_MODE, fail, ok, parseVersionId, type Outcome, type RegistryState, type SchemaContent, type SchemaVersion } from './registry-state.ts';

export interface RegisterRequest {
  readonly subject: string;
  readonly content: SchemaContent;
  /** IMPORT mode only: the id and version to keep (Confluent's "id" and "version" in the body). */
  readonly id?: number;
  readonly version?: number;
}

export interface RegisterResult {
  readonly id: number;
  readonly version: number;
  /** Empty when the subject already holds this schema (an idempotent re-registration). */
  readonly records: SchemasRecord[];
}

const schemaKey = (subject: string, version: number) => ({ keytype: 'SCHEMA' as const, subject, version, magic: SCHEMA_KEY_MAGIC });
const isReadOnly = (m: Mode) => m === 'READONLY' || m === 'READONLY_OVERRIDE';

/** The versions a new schema must be compatible with: the latest live one, or all live ones
 *  for the transitive levels, newest first; none at NONE. */
export function compatibilityTargets(state: RegistryState, subject: string): { level: CompatibilityLevel; targets: SchemaVersion[] } {
  const level = state.effectiveCompatibility(subject);
  const live = state.versionsOf(subject, false).reverse();
  if (level === 'NONE') return { level, targets: [] };
  return { level, targets: level.endsWith('_TRANSITIVE') ? live : live.slice(0, 1) };
}

/** QualifiedSubject.isValidSubject for the default context: no control characters, not the
 *  reserved "__GLOBAL" or "__EMPTY"; and within SUBJECT_CHARS_MAX, which decoding a record
 *  enforces: a longer subject written would be skipped on replay, so it is refused before.
 *  A context-qualified name (":.ctx:subject", QualifiedSubject's form) is refused too: contexts
 *  are not built, and taking the name literally would put it in the default context. */
export function isValidSubject(subject: string): boolean {
  // Java's CharMatcher.javaIsoControl: U+0000..U+001F and U+007F..U+009F.
  return subject.length <= SUBJECT_CHARS_MAX && !/[\u0000-\u001f\u007f-\u009f]/.test(subject) && subject !== '__GLOBAL' && subject !== '__EMPTY' && !isContextQualified(subject);
}

/** QualifiedSubject's context prefix: ":.context:" (":.:" names the default context). */
export function isContextQualified(subject: string): boolean {
  return /^:\.[^:]*:/.test(subject);
}

/** POST /subjects/{subject}/versions, after the caller's compatibility check passed. */
export function register(state: RegistryState, req: RegisterRequest): Outcome<RegisterResult> {
  if (!isValidSubject(req.subject)) return fail(registryErrors.invalidSubject(req.subject));
  const importing = req.id !== undefined;
  const all = state.versionsOf(req.subject, true);
  const key = contentKey(req.content);
  // registerOrForward looks the schema up under the subject before any mode check, so a client
  // re-registering a schema the subject holds gets its id in any mode (RestApiModeTest
  // testRegisterSchemaWithNoIdAfterImport).
  const same = all.find((v) => !v.deleted && contentKey(v) === key);
  if (same !== undefined && (!importing || same.id === req.id)) return ok({ id: same.id, version: same.version, records: [] });

  const mode = state.effectiveMode(req.subject);
  // checkRegisterMode: read-only refuses; an explicit id needs IMPORT; none needs READWRITE.
  if (isReadOnly(mode)) return fail(registryErrors.readOnly(req.subject));
  if (importing && mode !== 'IMPORT') return fail(registryErrors.notImportMode(req.subject));
  if (!importing && mode !== 'READWRITE') return fail(registryErrors.notReadWriteMode(req.subject));

  // newVersion is one past the highest version, soft-deleted ones included.
  const nextVersion = all.length === 0 ? 1 : all[all.length - 1].version + 1;
  let version = nextVersion;
  if (req.version !== undefined && req.version > 0) {
    if (req.version !== nextVersion && mode !== 'IMPORT') return fail(registryErrors.versionNotNext());
    version = req.version;
  }
  let id: number;
  if (importing) {
    id = req.id!;
    const held = state.contentKeyOfId(id);
    if (held !== undefined && held !== key) return fail(registryErrors.idInUse(id));
  } else {
    id = state.idOf(req.content) ?? state.nextId();
  }
  const value = {
    subject: req.subject,
    version,
    id,
    ...(req.content.schemaType === undefined || req.content.schemaType === 'AVRO' ? {} : { schemaType: req.content.schemaType }),
    references: req.content.references,
    schema: req.content.schema,
    deleted: false,
  };
  // KafkaSchemaRegistry.register: a soft-deleted earlier version of this subject holding the same
  // id is tombstoned first, unless another schema still references it (a soft delete can be undone).
  const records: SchemasRecord[] = all
    .filter((v) => v.deleted && v.id === id && v.version < version && state.referrers(req.subject, v.version).length === 0)
    .map((v) => ({ key: schemaKey(req.subject, v.version), value: null }));
  records.push({ key: schemaKey(req.subject, version), value });
  return ok({ id, version, records });
}

/** DELETE /subjects/{subject}/versions/{version}[?permanent=true]; returns the version deleted. */
export function deleteVersion(state: RegistryState, subject: string, versionText: string, permanent: boolean): Outcome<{ version: number; records: SchemasRecord[] }> {
  const parsed = parseVersionId(versionText);
  if (!parsed.ok) return parsed;
  // validateDeleteSchemaVersion: a soft delete of a soft-deleted version is 40406.
  const all = state.versionsOf(subject, true);
  if (all.length === 0) return fail(registryErrors.subjectNotFound(subject));
  // "latest" is the latest live version (AbstractSchemaRegistry.getLatestVersion); none is -1.
  const target = parsed.value === 'latest' ? all.filter((v) => !v.deleted).pop() : all.find((v) => v.version === parsed.value);
  if (target === undefined) return fail(registryErrors.versionNotFound(parsed.value === 'latest' ? -1 : parsed.value));
  if (!permanent && target.deleted) return fail(registryErrors.schemaVersionSoftDeleted(subject, target.version));
  if (isReadOnly(state.effectiveMode(subject))) return fail(registryErrors.readOnly(subject));
  // KafkaSchemaRegistry.deleteSchemaVersion: getReferencedBy(key, permanent): a soft delete
  // counts live referrers only, a permanent one soft-deleted referrers too (they can come back).
  if (state.referrers(subject, target.version).some((r) => permanent || !r.deleted)) return fail(registryErrors.referenceExists(subject, target.version));
  if (permanent && !target.deleted) return fail(registryErrors.schemaVersionNotSoftDeleted(subject, target.version));
  if (!permanent) return ok({ version: target.version, records: [{ key: schemaKey(subject, target.version), value: { ...target, deleted: true } }] });
  const records: SchemasRecord[] = [{ key: schemaKey(subject, target.version), value: null }];
  // The last version gone: the subject's mode and config go too.
  if (all.length === 1) records.push(...settingTombstones(state, subject));
  return ok({ version: target.version, records });
}

/** DELETE /subjects/{subject}[?permanent=true]; returns the versions deleted. */
export function deleteSubject(state: RegistryState, subject: string, permanent: boolean): Outcome<{ versions: number[]; records: SchemasRecord[] }> {
  const all = state.versionsOf(subject, true);
  const live = all.filter((v) => !v.deleted);
  if (all.length === 0) return fail(registryErrors.subjectNotFound(subject));
  if (!permanent && live.length === 0) return fail(registryErrors.subjectSoftDeleted(subject));
  if (isReadOnly(state.effectiveMode(subject))) return fail(registryErrors.readOnly(subject));
  // KafkaSchemaRegistry.deleteSubject, per version in order: referrers from other subjects
  // (live ones for a soft delete, all for a permanent one) forbid it (42206); then 40405.
  for (const v of permanent ? all : live) {
    if (state.referrers(subject, v.version).some((r) => r.subject !== subject && (permanent || !r.deleted))) {
      return fail(registryErrors.referenceExists(subject, v.version));
    }
    if (permanent && !v.deleted) return fail(registryErrors.subjectNotSoftDeleted(subject));
  }
  if (!permanent) {
    const latest = live[live.length - 1].version;
    const records: SchemasRecord[] = [{ key: { keytype: 'DELETE_SUBJECT', subject, magic: OTHER_KEY_MAGIC }, value: { subject, version: latest } }];
    return ok({ versions: live.map((v) => v.version), records });
  }
  // Tombstones from the highest version down, then the subject's mode and config.
  const records: SchemasRecord[] = [...all].reverse().map((v) => ({ key: schemaKey(subject, v.version), value: null }));
  records.push(...settingTombstones(state, subject));
  return ok({ versions: all.map((v) => v.version), records });
}

function settingTombstones(state: RegistryState, subject: string): SchemasRecord[] {
  const out: SchemasRecord[] = [];
  if (state.modeOf(subject) !== null) out.push({ key: { keytype: 'MODE', subject, magic: OTHER_KEY_MAGIC }, value: null });
  if (state.compatibilityOf(subject) !== null) out.push({ key: { keytype: 'CONFIG', subject, magic: OTHER_KEY_MAGIC }, value: null });
  return out;
}

/** PUT /config[/{subject}]: the level as the request spells it, any case (CompatibilityLevel.forName). */
export function setCompatibility(state: RegistryState, subject: string | null, levelText: string): Outcome<{ level: CompatibilityLevel; records: SchemasRecord[] }> {
  const level = levelText.toUpperCase() as CompatibilityLevel;
  if (!COMPATIBILITY_LEVELS.includes(level)) return fail(registryErrors.invalidCompatibilityLevel());
  if (subject !== null && isReadOnly(state.effectiveMode(subject))) return fail(registryErrors.readOnly(subject));
  return ok({ level, records: [{ key: { keytype: 'CONFIG', subject, magic: OTHER_KEY_MAGIC }, value: { subject, compatibilityLevel: level } }] });
}

/** DELETE /config/{subject}: 40401 unless the subject has a level of its own. DELETE /config
 *  (subject null) answers the global level as it was, the default when none was set. */
export function deleteCompatibility(state: RegistryState, subject: string | null): Outcome<{ level: CompatibilityLevel; records: SchemasRecord[] }> {
  const level = state.compatibilityOf(subject);
  if (level === null && subject !== null) return fail(registryErrors.subjectNotFound(subject));
  const records: SchemasRecord[] = level === null ? [] : [{ key: { keytype: 'CONFIG', subject, magic: OTHER_KEY_MAGIC }, value: null }];
  return ok({ level: level ?? DEFAULT_COMPATIBILITY, records });
}

/** PUT /mode[/{subject}] without a mode (ModeUpdateRequest's mode null): the scope's own mode
 *  is cleared, as KafkaSchemaRegistry.setMode does for a null mode (RestApiModeTest.testClearMode). */
export function clearMode(state: RegistryState, subject: string | null): Outcome<{ records: SchemasRecord[] }> {
  const records: SchemasRecord[] = state.modeOf(subject) === null ? [] : [{ key: { keytype: 'MODE', subject, magic: OTHER_KEY_MAGIC }, value: null }];
  return ok({ records });
}

/** DELETE /mode[/{subject}] (ModeResource.deleteSubjectMode, not recursive): 40401 unless the
 *  subject has a mode of its own; answers the mode deleted. The global scope always has one
 *  (InMemoryCache.mode answers the default for the null subject), so DELETE /mode never 404s. */
export function deleteMode(state: RegistryState, subject: string | null): Outcome<{ mode: Mode; records: SchemasRecord[] }> {
  const mode = state.modeOf(subject);
  if (mode === null && subject !== null) return fail(registryErrors.subjectNotFound(subject));
  const records: SchemasRecord[] = mode === null ? [] : [{ key: { keytype: 'MODE', subject, magic: OTHER_KEY_MAGIC }, value: null }];
  return ok({ mode: mode ?? DEFAULT_MODE, records });
}

/** PUT /mode[/{subject}][?force=true]. Entering IMPORT needs no live schema in scope (unless
 *  forced); the soft-deleted ones are removed first, as KafkaSchemaRegistry.setMode does. */
export function setMode(state: RegistryState, subject: string | null, modeText: string, force: boolean): Outcome<{ mode: Mode; records: SchemasRecord[] }> {
  const mode = modeText.toUpperCase() as Mode;
  if (!MODES.includes(mode)) return fail(registryErrors.invalidMode());
  const records: SchemasRecord[] = [];
  if (mode === 'IMPORT' && state.effectiveMode(subject) !== 'IMPORT' && !force) {
    const inScope = subject === null ? state.listSubjects(true) : [subject];
    if (inScope.some((s) => state.versionsOf(s, false).length > 0)) return fail(registryErrors.importWithSubjects());
    for (const s of inScope) for (const v of state.versionsOf(s, true)) records.push({ key: schemaKey(s, v.version), value: null });
    // Then CLEAR_SUBJECT for the scope: without a subject for the global one.
    records.push({ key: { keytype: 'CLEAR_SUBJECT', subject, magic: OTHER_KEY_MAGIC }, value: { subject } });
  }
  records.push({ key: { keytype: 'MODE', subject, magic: OTHER_KEY_MAGIC }, value: { subject, mode } });
  return ok({ mode, records });
}
