// The rule that lets several nodes write `_schemas` at once (registry-state.ts putVersion):
// applying the log in order, the first SCHEMA record for a (subject, version) or an id wins and
// a later one naming other content is refused, on every node alike. Confluent's own reader
// refuses an id reused for another schema (KafkaStoreMessageHandler.validateUpdate); the
// subject-version rule is ours (Confluent has a single writer), and keeps what Confluent's
// records do: a soft delete (deleted: true, same content and id) still applies, and a tombstone
// still removes the version.

import { describe, expect, test } from 'bun:test';
import { RegistryState } from '../../../../src/registry/registry-state.ts';
import type { SchemasRecord, SchemaValue } from '../../../../src/registry/schemas-records.ts';

const schemaRecord = (subject: string, version: number, id: number, schema: string, deleted = false): SchemasRecord => ({
  key: { keytype: 'SCHEMA', subject, version, magic: 1 },
  value: { subject, version, id, references: [], schema, deleted } satisfies SchemaValue,
});
const tombstone = (subject: string, version: number): SchemasRecord => ({ key: { keytype: 'SCHEMA', subject, version, magic: 1 }, value: null });

describe('conflicting SCHEMA records: the first in the log wins', () => {
  test('a second record for a live subject-version with other content is refused and says why', () => {
    const s = new RegistryState();
    expect(s.apply(schemaRecord('a', 1, 1, '"string"'))).toBeNull();
    expect(s.apply(schemaRecord('a', 1, 2, '"int"'))).toBe('version_taken');
    expect(s.skipped.version_taken).toBe(1);
    const v = s.getVersion('a', '1', false);
    expect(v.ok && v.value.schema).toBe('"string"');
    // The refused record's id was never taken: the next id is 2, and id 2 is unknown.
    expect(s.nextId()).toBe(2);
    expect(s.schemaById(2).ok).toBe(false);
  });

  test('the same content under another id for a live version is refused too', () => {
    const s = new RegistryState();
    s.apply(schemaRecord('a', 1, 1, '"string"'));
    expect(s.apply(schemaRecord('a', 1, 5, '"string"'))).toBe('version_taken');
    const v = s.getVersion('a', '1', false);
    expect(v.ok && v.value.id).toBe(1);
  });

  test('a second record reusing an id for other content is refused (duplicate_id), as Confluent', () => {
    const s = new RegistryState();
    s.apply(schemaRecord('a', 1, 1, '"string"'));
    expect(s.apply(schemaRecord('b', 1, 1, '"int"'))).toBe('duplicate_id');
    expect(s.listSubjects(true)).toEqual(['a']);
  });

  test('the identical record twice (two nodes registering the same schema) applies both times', () => {
    const s = new RegistryState();
    expect(s.apply(schemaRecord('a', 1, 1, '"string"'))).toBeNull();
    expect(s.apply(schemaRecord('a', 1, 1, '"string"'))).toBeNull();
    expect(s.skipped).toEqual({ undecodable: 0, duplicate_id: 0, version_taken: 0, limit: 0 });
  });

  test('a soft delete of the same content and id applies; a hard delete then frees the version', () => {
    const s = new RegistryState();
    s.apply(schemaRecord('a', 1, 1, '"string"'));
    expect(s.apply(schemaRecord('a', 1, 1, '"string"', true))).toBeNull();
    expect(s.listVersions('a', false).ok).toBe(false);
    // A soft-deleted version is not live: a record for it with other content applies, as before.
    expect(s.apply(schemaRecord('a', 1, 2, '"int"'))).toBeNull();
    expect(s.apply(tombstone('a', 1))).toBeNull();
    expect(s.apply(schemaRecord('a', 1, 3, '"long"'))).toBeNull();
    const v = s.getVersion('a', '1', false);
    expect(v.ok && v.value.id).toBe(3);
  });

  test('every node applying the same log in the same order ends in the same state', () => {
    const log = [
      schemaRecord('a', 1, 1, '"string"'),
      schemaRecord('b', 1, 1, '"int"'), // node 2 took id 1 too: refused
      schemaRecord('b', 1, 2, '"int"'), // node 2 again
      schemaRecord('a', 2, 3, '"long"'),
      schemaRecord('a', 2, 4, '"float"'), // node 2 took version 2 of a too: refused
    ];
    const nodes = [new RegistryState(), new RegistryState()];
    for (const n of nodes) for (const r of log) n.apply(r);
    for (const n of nodes) {
      expect(n.versionsOf('a', true).map((v) => [v.version, v.id])).toEqual([[1, 1], [2, 3]]);
      expect(n.versionsOf('b', true).map((v) => [v.version, v.id])).toEqual([[1, 2]]);
      expect(n.nextId()).toBe(4);
    }
  });
});
