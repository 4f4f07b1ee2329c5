// The registry state machine and its writes. Expected verdicts come from Confluent's API
// documentation (docs.confluent.io "Schema Registry API Reference": one id per schema across
// subjects, soft then hard delete, the error codes) and its own tests
// (core/src/test/.../rest/RestApiTest.java, RestApiModeTest.java), named on each case.

import { describe, expect, test } from 'bun:test';
import { RegistryState, type Outcome, type SchemaContent } from '../../../src/registry/registry-state.ts';
import { compatibilityTargets, deleteCompatibility, deleteSubject, deleteVersion, register, setCompatibility, setMode, type RegisterRequest } from '../../../src/registry/registry-writes.ts';
import { encodeRecord, type SchemasRecord } from '../../../src/registry/schemas-records.ts';

const avro = (schema: string): SchemaContent => ({ references: [], schema });
const STR = avro('"string"');
const INT = avro('"int"');
const LONG = avro('"long"');

function value<T>(o: Outcome<T>): T {
  if (!o.ok) throw new Error(`expected success, got ${o.error.code} ${o.error.message}`);
  return o.value;
}
function code<T>(o: Outcome<T>): number {
  if (o.ok) throw new Error('expected an error');
  return o.error.code;
}

/** The log: every record a write returned, applied in order, kept to rebuild from. */
class Log {
  readonly records: SchemasRecord[] = [];
  readonly state = new RegistryState();
  append(records: SchemasRecord[]): void {
    for (const r of records) {
      this.records.push(r);
      this.state.apply(r);
    }
  }
  register(req: RegisterRequest): { id: number; version: number } {
    const r = value(register(this.state, req));
    this.append(r.records);
    return { id: r.id, version: r.version };
  }
}

describe('registration', () => {
  test('a new subject gets version 1 and id 1; the next schema version 2 and id 2', () => {
    const log = new Log();
    expect(log.register({ subject: 'a', content: STR })).toEqual({ id: 1, version: 1 });
    expect(log.register({ subject: 'a', content: INT })).toEqual({ id: 2, version: 2 });
    expect(value(log.state.listVersions('a', false))).toEqual([1, 2]);
    expect(value(log.state.getVersion('a', 'latest', false)).schema).toBe('"int"');
  });

  test('re-registering a schema the subject holds returns its id and version and writes nothing', () => {
    const log = new Log();
    log.register({ subject: 'a', content: STR });
    log.register({ subject: 'a', content: INT });
    const again = value(register(log.state, { subject: 'a', content: STR }));
    expect(again).toEqual({ id: 1, version: 1, records: [] });
  });

  test('the same schema under two subjects keeps one id (RestApiTest.testRegisterSameSchemaOnDifferentSubject)', () => {
    const log = new Log();
    const a = log.register({ subject: 'a', content: STR });
    log.register({ subject: 'b', content: INT });
    const c = log.register({ subject: 'c', content: STR });
    expect(c).toEqual({ id: a.id, version: 1 });
    expect(value(log.state.subjectVersionsById(a.id, false))).toEqual([{ subject: 'a', version: 1 }, { subject: 'c', version: 1 }]);
  });

  test('subjects with control characters or the reserved names are invalid (42208, QualifiedSubject.isValidSubject)', () => {
    for (const bad of ['a\nb', 'tab\there', '\u0085', '__GLOBAL', '__EMPTY']) expect(code(register(new RegistryState(), { subject: bad, content: STR }))).toBe(42208);
    expect(value(register(new RegistryState(), { subject: 'orders-välue.v2', content: STR })).version).toBe(1);
  });

  test('the written record is the SCHEMA record Confluent writes for it', () => {
    const log = new Log();
    const r = value(register(log.state, { subject: 'Kafka-key', content: STR }));
    const bytes = encodeRecord(r.records[0]);
    expect(new TextDecoder().decode(bytes.key)).toBe('{"keytype":"SCHEMA","subject":"Kafka-key","version":1,"magic":1}');
    expect(new TextDecoder().decode(bytes.value!)).toBe('{"subject":"Kafka-key","version":1,"id":1,"schema":"\\"string\\"","deleted":false}');
  });

  test('a write does not change the state: only applying its records does', () => {
    const log = new Log();
    value(register(log.state, { subject: 'a', content: STR }));
    expect(log.state.listSubjects(true)).toEqual([]);
    expect(code(log.state.listVersions('a', true))).toBe(40401);
  });

  test('lookup finds the version holding the schema; 40401 for no subject, 40403 for a schema it lacks', () => {
    const log = new Log();
    log.register({ subject: 'a', content: STR });
    expect(value(log.state.lookup('a', STR, false)).version).toBe(1);
    expect(code(log.state.lookup('a', INT, false))).toBe(40403);
    expect(code(log.state.lookup('nope', STR, false))).toBe(40401);
    expect(code(log.state.schemaById(99))).toBe(40403);
  });

  test('compatibility targets: the latest live version, all of them when transitive, none at NONE', () => {
    const log = new Log();
    log.register({ subject: 'a', content: STR });
    log.register({ subject: 'a', content: INT });
    expect(compatibilityTargets(log.state, 'a').targets.map((v) => v.version)).toEqual([2]);
    log.append(value(setCompatibility(log.state, 'a', 'full_transitive')).records);
    expect(compatibilityTargets(log.state, 'a')).toMatchObject({ level: 'FULL_TRANSITIVE' });
    expect(compatibilityTargets(log.state, 'a').targets.map((v) => v.version)).toEqual([2, 1]);
    log.append(value(setCompatibility(log.state, null, 'NONE')).records);
    log.append(value(deleteCompatibility(log.state, 'a')).records);
    expect(compatibilityTargets(log.state, 'a').targets).toEqual([]);
  });
});

describe('soft and hard delete', () => {
  function twoVersions(): Log {
    const log = new Log();
    log.register({ subject: 'a', content: STR });
    log.register({ subject: 'a', content: INT });
    return log;
  }

  test('a soft-deleted version is hidden, listed with deleted=true, and keeps its id readable', () => {
    const log = twoVersions();
    expect(value(deleteVersion(log.state, 'a', '1', false)).version).toBe(1);
    log.append(value(deleteVersion(log.state, 'a', '1', false)).records);
    expect(value(log.state.listVersions('a', false))).toEqual([2]);
    expect(value(log.state.listVersions('a', true))).toEqual([1, 2]);
    expect(code(log.state.getVersion('a', '1', false))).toBe(40402);
    expect(value(log.state.getVersion('a', '1', true)).deleted).toBe(true);
    expect(value(log.state.schemaById(1)).schema).toBe('"string"');
  });

  test('deleting a soft-deleted version again is 40406; a permanent delete of a live one is 40407', () => {
    const log = twoVersions();
    log.append(value(deleteVersion(log.state, 'a', '1', false)).records);
    expect(code(deleteVersion(log.state, 'a', '1', false))).toBe(40406);
    expect(code(deleteVersion(log.state, 'a', '2', true))).toBe(40407);
  });

  test('deleting "latest" deletes the latest live version; with none left it is 40402', () => {
    const log = twoVersions();
    log.append(value(deleteVersion(log.state, 'a', '2', false)).records);
    const r = value(deleteVersion(log.state, 'a', 'latest', false));
    expect(r.version).toBe(1);
    log.append(r.records);
    expect(code(deleteVersion(log.state, 'a', 'latest', false))).toBe(40402);
  });

  test('a hard delete after a soft delete removes the version; the id goes when nothing holds it', () => {
    const log = twoVersions();
    log.append(value(deleteVersion(log.state, 'a', '1', false)).records);
    const hard = value(deleteVersion(log.state, 'a', '1', true));
    expect(hard.records).toEqual([{ key: { keytype: 'SCHEMA', subject: 'a', version: 1, magic: 1 }, value: null }]);
    log.append(hard.records);
    expect(value(log.state.listVersions('a', true))).toEqual([2]);
    expect(code(log.state.schemaById(1))).toBe(40403);
    // Ids are not reused: the next new schema gets 3, not 1.
    expect(log.register({ subject: 'a', content: LONG })).toEqual({ id: 3, version: 3 });
  });

  test('versions and errors for missing subjects and versions: 40401, 40402, 42202', () => {
    const log = twoVersions();
    expect(code(deleteVersion(log.state, 'b', '1', false))).toBe(40401);
    expect(code(deleteVersion(log.state, 'a', '7', false))).toBe(40402);
    for (const bad of ['0', '-2', 'x', '2147483648', '1.5', '']) expect(code(log.state.getVersion('a', bad, false))).toBe(42202);
    expect(value(log.state.getVersion('a', '-1', false)).version).toBe(2);
  });

  test('a soft-deleted subject: hidden from lists, 40404 on a second soft delete, 40405 for a hard delete first', () => {
    const log = twoVersions();
    log.register({ subject: 'b', content: LONG });
    expect(code(deleteSubject(log.state, 'a', true))).toBe(40405);
    const soft = value(deleteSubject(log.state, 'a', false));
    expect(soft.versions).toEqual([1, 2]);
    expect(soft.records).toEqual([{ key: { keytype: 'DELETE_SUBJECT', subject: 'a', magic: 0 }, value: { subject: 'a', version: 2 } }]);
    log.append(soft.records);
    expect(log.state.listSubjects(false)).toEqual(['b']);
    expect(log.state.listSubjects(true)).toEqual(['a', 'b']);
    expect(code(log.state.listVersions('a', false))).toBe(40401);
    expect(code(deleteSubject(log.state, 'a', false))).toBe(40404);
    expect(code(deleteSubject(log.state, 'zzz', false))).toBe(40401);
  });

  test('a hard-deleted subject is gone with its config; re-registering restarts at version 1 and keeps ids unique', () => {
    const log = twoVersions();
    log.append(value(setCompatibility(log.state, 'a', 'FULL')).records);
    log.append(value(deleteSubject(log.state, 'a', false)).records);
    const hard = value(deleteSubject(log.state, 'a', true));
    expect(hard.records.map((r) => [r.key.keytype, 'version' in r.key ? r.key.version : null, r.value])).toEqual([
      ['SCHEMA', 2, null],
      ['SCHEMA', 1, null],
      ['CONFIG', null, null],
    ]);
    log.append(hard.records);
    expect(log.state.listSubjects(true)).toEqual([]);
    expect(log.state.compatibilityOf('a')).toBeNull();
    expect(log.register({ subject: 'a', content: STR })).toEqual({ id: 3, version: 1 });
  });

  test('re-registering a soft-deleted schema gives a new version and, as Confluent, the same id', () => {
    const log = twoVersions();
    log.append(value(deleteVersion(log.state, 'a', '2', false)).records);
    expect(log.register({ subject: 'a', content: INT })).toEqual({ id: 2, version: 3 });
  });

  test('CLEAR_SUBJECT drops soft-deleted versions and keeps live ones', () => {
    const log = twoVersions();
    log.append(value(deleteVersion(log.state, 'a', '1', false)).records);
    log.append([{ key: { keytype: 'CLEAR_SUBJECT', subject: 'a', magic: 0 }, value: { subject: 'a' } }]);
    expect(value(log.state.listVersions('a', true))).toEqual([2]);
  });
});

describe('compatibility and mode settings', () => {
  test('compatibility: subject over global over BACKWARD; 42203 for an unknown level; 40401 deleting an unset subject level', () => {
    const log = new Log();
    expect(log.state.effectiveCompatibility('a')).toBe('BACKWARD');
    log.append(value(setCompatibility(log.state, null, 'forward')).records);
    expect(log.state.effectiveCompatibility('a')).toBe('FORWARD');
    log.append(value(setCompatibility(log.state, 'a', 'NONE')).records);
    expect(log.state.effectiveCompatibility('a')).toBe('NONE');
    expect(log.state.effectiveCompatibility('b')).toBe('FORWARD');
    expect(code(setCompatibility(log.state, 'a', 'SIDEWAYS'))).toBe(42203);
    expect(code(deleteCompatibility(log.state, 'b'))).toBe(40401);
  });

  test('42204 for an unknown mode; READONLY refuses registration and deletes with 42205', () => {
    const log = new Log();
    log.register({ subject: 'a', content: STR });
    expect(code(setMode(log.state, null, 'WRITEONLY', false))).toBe(42204);
    log.append(value(setMode(log.state, 'a', 'READONLY', false)).records);
    expect(code(register(log.state, { subject: 'a', content: INT }))).toBe(42205);
    expect(code(deleteVersion(log.state, 'a', '1', false))).toBe(42205);
    expect(code(deleteSubject(log.state, 'a', false))).toBe(42205);
    // Another subject is still read-write.
    expect(log.register({ subject: 'b', content: INT })).toEqual({ id: 2, version: 1 });
  });

  test('entering IMPORT globally with only soft-deleted subjects tombstones them and writes the global CLEAR_SUBJECT', () => {
    const log = new Log();
    log.register({ subject: 'a', content: STR });
    log.register({ subject: 'b', content: INT });
    log.append(value(deleteSubject(log.state, 'a', false)).records);
    log.append(value(deleteSubject(log.state, 'b', false)).records);
    const r = value(setMode(log.state, null, 'IMPORT', false));
    expect(r.records.map((x) => [x.key.keytype, 'subject' in x.key ? x.key.subject : undefined])).toEqual([
      ['SCHEMA', 'a'],
      ['SCHEMA', 'b'],
      ['CLEAR_SUBJECT', null],
      ['MODE', null],
    ]);
    log.append(r.records);
    expect(log.state.listSubjects(true)).toEqual([]);
  });

  test('a global CLEAR_SUBJECT drops every subject\'s soft-deleted versions and no live one', () => {
    const log = new Log();
    log.register({ subject: 'a', content: STR });
    log.register({ subject: 'b', content: INT });
    log.register({ subject: 'b', content: LONG });
    log.append(value(deleteSubject(log.state, 'a', false)).records);
    log.append(value(deleteVersion(log.state, 'b', '1', false)).records);
    log.append([{ key: { keytype: 'CLEAR_SUBJECT', subject: null, magic: 0 }, value: { subject: null } }]);
    expect(log.state.listSubjects(true)).toEqual(['b']);
    expect(value(log.state.listVersions('b', true))).toEqual([2]);
  });

  test('IMPORT with live schemas is 42205 unless forced (KafkaSchemaRegistry.setMode)', () => {
    const log = new Log();
    log.register({ subject: 'a', content: STR });
    expect(code(setMode(log.state, null, 'IMPORT', false))).toBe(42205);
    expect(value(setMode(log.state, null, 'IMPORT', true)).mode).toBe('IMPORT');
  });

  test('entering IMPORT on a subject with only soft-deleted versions tombstones them and clears the subject', () => {
    const log = new Log();
    log.register({ subject: 'a', content: STR });
    log.append(value(deleteSubject(log.state, 'a', false)).records);
    const r = value(setMode(log.state, 'a', 'IMPORT', false));
    expect(r.records.map((x) => x.key.keytype)).toEqual(['SCHEMA', 'CLEAR_SUBJECT', 'MODE']);
    log.append(r.records);
    expect(log.state.listSubjects(true)).toEqual([]);
    expect(log.state.effectiveMode('a')).toBe('IMPORT');
  });
});

describe('IMPORT mode (RestApiModeTest)', () => {
  function importing(): Log {
    const log = new Log();
    log.append(value(setMode(log.state, null, 'IMPORT', false)).records);
    return log;
  }

  test('testImportMode: registering with an id keeps that id and version', () => {
    const log = importing();
    expect(log.register({ subject: 'testSubject', content: STR, id: 100, version: 1 })).toEqual({ id: 100, version: 1 });
    expect(value(log.state.schemaById(100)).schema).toBe('"string"');
    // After an import, new ids continue above the highest imported one.
    log.append(value(setMode(log.state, null, 'READWRITE', false)).records);
    expect(log.register({ subject: 'other', content: INT })).toEqual({ id: 101, version: 1 });
  });

  test('testImportModeWithoutId: a new schema without an id is refused (42205)', () => {
    expect(code(register(importing().state, { subject: 'testSubject', content: STR }))).toBe(42205);
  });

  test('an explicit id outside IMPORT mode is refused (42205, "is not in import mode")', () => {
    const r = register(new RegistryState(), { subject: 's', content: STR, id: 5 });
    expect(code(r)).toBe(42205);
    if (!r.ok) expect(r.error.message).toContain('is not in import mode');
  });

  test('testRegisterSchemaWithNoIdAfterImport: the same schema without an id returns the imported id', () => {
    const log = importing();
    log.register({ subject: 'testSubject', content: STR, id: 1, version: 1 });
    expect(value(register(log.state, { subject: 'testSubject', content: STR }))).toEqual({ id: 1, version: 1, records: [] });
  });

  test('testImportModeWithSameSchemaDifferentId: the same schema may be imported under a second id', () => {
    const log = importing();
    log.register({ subject: 'testSubject', content: STR, id: 100, version: 1 });
    expect(log.register({ subject: 'testSubject', content: STR, id: 200, version: 2 })).toEqual({ id: 200, version: 2 });
    expect(value(log.state.getVersion('testSubject', '2', false)).id).toBe(200);
  });

  test('RestApiTest.testImportDifferentSchemaOnSameID: an id holding another schema is refused (42205)', () => {
    const log = importing();
    log.register({ subject: 's1', content: STR, id: 1, version: 1 });
    expect(code(register(log.state, { subject: 's2', content: INT, id: 1, version: 1 }))).toBe(42205);
  });

  test('a record reusing an id for another schema (another registry\'s) is skipped and counted', () => {
    const s = new RegistryState();
    s.apply({ key: { keytype: 'SCHEMA', subject: 'a', version: 1, magic: 1 }, value: { subject: 'a', version: 1, id: 1, references: [], schema: '"string"', deleted: false } });
    s.apply({ key: { keytype: 'SCHEMA', subject: 'b', version: 1, magic: 1 }, value: { subject: 'b', version: 1, id: 1, references: [], schema: '"int"', deleted: false } });
    expect(s.skipped.duplicate_id).toBe(1);
    expect(s.listSubjects(true)).toEqual(['a']);
  });
});

describe('rebuilding', () => {
  test('the same records applied to a fresh state, through bytes, give the same answers', () => {
    const log = new Log();
    log.register({ subject: 'a', content: STR });
    log.register({ subject: 'a', content: INT });
    log.register({ subject: 'b', content: STR });
    log.append(value(setCompatibility(log.state, 'b', 'FULL')).records);
    log.append(value(deleteVersion(log.state, 'a', '1', false)).records);
    log.append(value(deleteVersion(log.state, 'a', '1', true)).records);
    log.append(value(setMode(log.state, 'b', 'READONLY', false)).records);

    const rebuilt = new RegistryState();
    for (const r of log.records) {
      const b = encodeRecord(r);
      rebuilt.applyBytes(b.key, b.value);
    }
    rebuilt.applyBytes(new TextEncoder().encode('{"keytype":"CONTEXT","tenant":"t","context":".c","magic":0}'), new TextEncoder().encode('{}'));
    expect(rebuilt.skipped.undecodable).toBe(1);
    for (const s of [log.state, rebuilt]) {
      expect(s.listSubjects(true)).toEqual(['a', 'b']);
      expect(value(s.listVersions('a', true))).toEqual([2]);
      expect(value(s.subjectVersionsById(1, true))).toEqual([{ subject: 'b', version: 1 }]);
      expect(s.effectiveCompatibility('b')).toBe('FULL');
      expect(s.effectiveMode('b')).toBe('READONLY');
      expect(s.nextId()).toBe(3);
    }
  });
});
