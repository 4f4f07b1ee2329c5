// The Protobuf compatibility table (compatibility-table.ts) against the checker: Confluent's
// Differences for each pair, the verdicts at BACKWARD/FORWARD/FULL, the message format, the
// transitive levels; and the checker with one rule flipped must disagree with the table, so the
// table can fail.

import { describe, expect, test } from 'bun:test';
import { COMPATIBLE_CHANGES, compareSchemas, type DifferenceType } from '../../../../src/registry/protobuf/diff.ts';
import { checkProtobufCompatibility, ParsedProtobufSchema, protobufSupport } from '../../../../src/registry/protobuf/support.ts';
import type { ParsedSchema, SchemaResolver } from '../../../../src/registry/schema-types.ts';
import { PROTOBUF_COMPATIBILITY_TABLE, type ProtobufCompatibilityRow, type ProtobufReference } from './compatibility-table.ts';

function resolverOf(refs: readonly ProtobufReference[]): SchemaResolver {
  return (subject, version) => {
    const r = refs.find((x) => x.subject === subject && x.version === version);
    return r === undefined ? undefined : { schemaType: 'PROTOBUF', schema: r.schema, references: [] };
  };
}

function parse(text: string, refs: readonly ProtobufReference[] = []): ParsedProtobufSchema {
  const references = refs.map(({ name, subject, version }) => ({ name, subject, version }));
  const out = protobufSupport.parse(text, references, resolverOf(refs), { isNew: true });
  if (!out.ok) throw new Error(out.error.message);
  return out.schema as ParsedProtobufSchema;
}

const pairOf = (row: ProtobufCompatibilityRow): { old: ParsedProtobufSchema; new: ParsedProtobufSchema } => ({
  old: parse(row.old, row.oldReferences),
  new: parse(row.new, row.newReferences),
});

function changesOf(original: ParsedProtobufSchema, update: ParsedProtobufSchema): string[] {
  const side = (s: ParsedProtobufSchema) => ({ types: s.value.file.types, packageName: s.value.file.packageName ?? '', index: s.value.index });
  const result = compareSchemas(side(original), side(update));
  if (!result.ok) throw new Error(result.message);
  return result.differences.map((d) => `${d.type} ${d.fullPath}`);
}

/** Rows whose verdicts `compatible` (a COMPATIBLE_CHANGES set) gets wrong, one line each. */
function disagreements(compatible: ReadonlySet<DifferenceType>): string[] {
  const out: string[] = [];
  for (const row of PROTOBUF_COMPATIBILITY_TABLE) {
    const pair = pairOf(row);
    const backward = checkProtobufCompatibility('BACKWARD', pair.new, [pair.old], compatible).compatible;
    if (backward !== row.backward) out.push(`${row.name}: BACKWARD ${backward}`);
    if (row.forward !== undefined) {
      const forward = checkProtobufCompatibility('FORWARD', pair.new, [pair.old], compatible).compatible;
      if (forward !== row.forward) out.push(`${row.name}: FORWARD ${forward}`);
    }
  }
  return out;
}

describe('the Protobuf compatibility table', () => {
  test('has at least 25 pairs, each with a source', () => {
    expect(PROTOBUF_COMPATIBILITY_TABLE.length).toBeGreaterThanOrEqual(25);
    for (const row of PROTOBUF_COMPATIBILITY_TABLE) expect(row.source).toMatch(/^\[SDT\]/);
  });

  for (const row of PROTOBUF_COMPATIBILITY_TABLE) {
    test(`${row.name}: Confluent's differences`, () => {
      const pair = pairOf(row);
      // Confluent lists messages of one scope in HashSet order; we sort both lists.
      expect([...changesOf(pair.old, pair.new)].sort()).toEqual([...row.changes].sort());
    });

    test(`${row.name}: BACKWARD ${row.backward}, FORWARD ${row.forward ?? '-'}`, () => {
      const pair = pairOf(row);
      const verdict = (level: 'BACKWARD' | 'FORWARD' | 'FULL') => protobufSupport.checkCompatibility(level, pair.new, [pair.old]);
      const backward = verdict('BACKWARD');
      expect(backward.compatible).toBe(row.backward);
      expect(backward.messages.length === 0).toBe(row.backward);
      if (row.forward !== undefined) {
        expect(verdict('FORWARD').compatible).toBe(row.forward);
        expect(verdict('FULL').compatible).toBe(row.backward && row.forward);
      }
    });
  }
});

describe('Protobuf compatibility messages and levels', () => {
  const v1 = parse('syntax = "proto2";\nmessage TestMessage {\n  optional string test_string = 1;\n}\n');
  const v2 = parse('syntax = "proto2";\nmessage TestMessage {\n  optional string test_string = 1;\n  required string test_string2 = 2;\n}\n');

  test("BACKWARD prints Difference.toString with the new schema as reader (Difference.java's text, two spaces and all)", () => {
    expect(protobufSupport.checkCompatibility('BACKWARD', v2, [v1]).messages).toEqual([
      `{errorType:"REQUIRED_FIELD_ADDED", description:"A required field  at path '#/TestMessage/2' in the new schema is missing in the old schema"}`,
    ]);
  });

  test('FORWARD reads the other way: the old schema is the reader', () => {
    expect(protobufSupport.checkCompatibility('FORWARD', v2, [v1]).messages).toEqual([
      `{errorType:"REQUIRED_FIELD_REMOVED", description:"The old schema is missing a required field at path: '#/TestMessage/2' in the new schema"}`,
    ]);
  });

  test('FULL lists the FORWARD messages first, then the BACKWARD ones (SchemaValidatorBuilder.mutualReadStrategy)', () => {
    const messages = protobufSupport.checkCompatibility('FULL', v2, [v1]).messages;
    expect(messages.map((m) => /errorType:"(\w+)"/.exec(m)?.[1])).toEqual(['REQUIRED_FIELD_REMOVED', 'REQUIRED_FIELD_ADDED']);
  });

  test('NONE and an empty history are compatible', () => {
    expect(protobufSupport.checkCompatibility('NONE', v2, [v1])).toEqual({ compatible: true, messages: [] });
    expect(protobufSupport.checkCompatibility('BACKWARD', v2, [])).toEqual({ compatible: true, messages: [] });
  });

  test('non-transitive levels check the latest only; transitive ones every previous schema', () => {
    // v1 has a required field; v3 drops it (REQUIRED_FIELD_REMOVED) and v4 adds an optional one.
    const a = parse('syntax = "proto2";\nmessage M {\n  required int32 id = 1;\n}\n');
    const b = parse('syntax = "proto2";\nmessage M {\n  optional int32 other = 2;\n}\n');
    const c = parse('syntax = "proto2";\nmessage M {\n  optional int32 other = 2;\n  optional string note = 3;\n}\n');
    const latestFirst: ParsedSchema[] = [b, a];
    expect(protobufSupport.checkCompatibility('BACKWARD', c, latestFirst).compatible).toBe(true);
    const transitive = protobufSupport.checkCompatibility('BACKWARD_TRANSITIVE', c, latestFirst);
    expect(transitive.compatible).toBe(false);
    expect(transitive.messages[0]).toContain('REQUIRED_FIELD_REMOVED');
    expect(protobufSupport.checkCompatibility('FORWARD_TRANSITIVE', c, latestFirst).compatible).toBe(false);
    expect(protobufSupport.checkCompatibility('FULL_TRANSITIVE', c, latestFirst).compatible).toBe(false);
  });

  test('recursive message types, local or referenced in two versions, compare and end', () => {
    const tree = (valueType: string) => `syntax = "proto3";\npackage acme.tree;\nmessage Node {\n  Node next = 1;\n  ${valueType} value = 2;\n}\n`;
    const user = 'syntax = "proto3";\nimport "tree.proto";\nmessage Holder {\n  acme.tree.Node root = 1;\n}\n';
    const refs = (version: number, valueType: string): ProtobufReference[] => [{ name: 'tree.proto', subject: 'tree', version, schema: tree(valueType) }];
    // As "Detect incompatible import change with same subject, different version": the
    // referenced message is compared field by field, here int32 -> string at Node/2.
    const verdict = protobufSupport.checkCompatibility('BACKWARD', parse(user, refs(2, 'string')), [parse(user, refs(1, 'int32'))]);
    expect(verdict.compatible).toBe(false);
    expect(verdict.messages.map((m) => /errorType:"(\w+)"/.exec(m)?.[1])).toEqual(['FIELD_SCALAR_KIND_CHANGED', 'FIELD_NAMED_TYPE_CHANGED']);
    expect(protobufSupport.checkCompatibility('FULL', parse(tree('int32')), [parse(tree('int64'))]).compatible).toBe(true);
  });

  test('a schema of another type is incompatible with the "different schema type" message', () => {
    const other: ParsedSchema = { schemaType: 'AVRO', references: [], canonical: () => '"string"', normalized: () => '"string"', formatted: () => undefined };
    expect(protobufSupport.checkCompatibility('BACKWARD', v2, [other])).toEqual({ compatible: false, messages: ['Incompatible because of different schema type'] });
  });
});

describe('a broken checker fails the table', () => {
  test('the real rules agree with every row', () => {
    expect(disagreements(COMPATIBLE_CHANGES)).toEqual([]);
  });

  test('FIELD_ADDED flipped to incompatible disagrees with the rows that add a field', () => {
    const broken = new Set(COMPATIBLE_CHANGES);
    broken.delete('FIELD_ADDED');
    const wrong = disagreements(broken);
    expect(wrong).toContain('field added: BACKWARD false');
    expect(wrong).toContain('field removed: FORWARD false');
  });

  test('FIELD_NUMERIC_LABEL_CHANGED flipped to compatible disagrees with the label row', () => {
    const broken = new Set<DifferenceType>([...COMPATIBLE_CHANGES, 'FIELD_NUMERIC_LABEL_CHANGED']);
    expect(disagreements(broken)).toEqual(['int32 optional to repeated: BACKWARD true', 'int32 optional to repeated: FORWARD true']);
  });
});
