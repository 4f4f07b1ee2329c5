// The `_schemas` records: literal records as Confluent writes them decode and re-encode to the
// same bytes, every key type round-trips, and hostile bytes only ever give error values.
// Literals: a dump of a Confluent `_schemas` topic quoted in Cloudera's registries
// (ConfluentFileReader's header), and Redpanda's schema registry storage tests, which replay
// records "as written by a 3rd party" (Confluent) registry.

import { describe, expect, test } from 'bun:test';
import {
  decodeKey,
  decodeRecord,
  encodeKeyJson,
  encodeRecord,
  encodeValueJson,
  SCHEMAS_KEY_BYTES_MAX,
  type SchemasRecord,
} from '../../../src/registry/schemas-records.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

function decodeText(key: string, value: string | null) {
  return decodeRecord(enc(key), value === null ? null : enc(value));
}

/** Records exactly as Confluent wrote them, which we must write byte for byte the same. */
const CONFLUENT_RECORDS: Array<[string, string | null]> = [
  [
    '{"keytype":"SCHEMA","subject":"Kafka-key","version":1,"magic":1}',
    '{"subject":"Kafka-key","version":1,"id":1,"schema":"\\"string\\"","deleted":false}',
  ],
  [
    '{"keytype":"SCHEMA","subject":"Car","version":2,"magic":1}',
    '{"subject":"Car","version":2,"id":3,"schema":"{\\"type\\":\\"record\\",\\"name\\":\\"Car\\",\\"namespace\\":\\"com.piripocs\\",\\"fields\\":[{\\"name\\":\\"model\\",\\"type\\":\\"string\\"},{\\"name\\":\\"color\\",\\"type\\":\\"string\\",\\"default\\":\\"blue\\"},{\\"name\\":\\"price\\",\\"type\\":\\"string\\",\\"default\\":\\"0\\"}]}","deleted":false}',
  ],
  [
    '{"keytype":"SCHEMA","subject":"Kafka-key","version":1,"magic":1}',
    '{"subject":"Kafka-key","version":1,"id":1,"schema":"\\"string\\"","deleted":true}',
  ],
  [
    '{"keytype":"SCHEMA","subject":"subject_0","version":1,"magic":1}',
    '{"subject":"subject_0","version":1,"id":1,"schema":"{\\"type\\":\\"record\\",\\"name\\":\\"init\\",\\"fields\\":[{\\"name\\":\\"inner\\",\\"type\\":[\\"string\\",\\"int\\"]}]}","deleted":false}',
  ],
  ['{"keytype":"DELETE_SUBJECT","subject":"subject_0","magic":0}', '{"subject":"subject_0","version":2}'],
  ['{"keytype":"NOOP","magic":0}', null],
];

describe('records as Confluent writes them', () => {
  for (const [key, value] of CONFLUENT_RECORDS) {
    test(`${key} decodes and re-encodes to the same bytes`, () => {
      const r = decodeText(key, value);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const out = encodeRecord(r.value);
      expect(dec(out.key)).toBe(key);
      expect(dec(out.value)).toBe(value);
    });
  }

  test('a SCHEMA record gives its fields', () => {
    const [key, value] = CONFLUENT_RECORDS[0];
    const r = decodeText(key, value);
    expect(r).toEqual({
      ok: true,
      value: {
        key: { keytype: 'SCHEMA', subject: 'Kafka-key', version: 1, magic: 1 },
        value: { subject: 'Kafka-key', version: 1, id: 1, references: [], schema: '"string"', deleted: false },
      },
    });
  });

  test('a legacy CONFIG value without subject takes the key subject; we write the current form with subject', () => {
    // {"keytype":"CONFIG","subject":"Car","magic":0} {"compatibilityLevel":"FULL"} is from the
    // dump; ConfigValue's creator puts subject first, so today's Confluent writes it first.
    const r = decodeText('{"keytype":"CONFIG","subject":"Car","magic":0}', '{"compatibilityLevel":"FULL"}');
    expect(r.ok && r.value.value).toEqual({ subject: 'Car', compatibilityLevel: 'FULL' });
    if (r.ok) expect(encodeValueJson(r.value)).toBe('{"subject":"Car","compatibilityLevel":"FULL"}');
  });

  test('the global CONFIG key has no subject (NON_EMPTY leaves the null out)', () => {
    const r = decodeText('{"keytype":"CONFIG","magic":0}', '{"compatibilityLevel":"BACKWARD"}');
    expect(r.ok && r.value).toEqual({ key: { keytype: 'CONFIG', subject: null, magic: 0 }, value: { subject: null, compatibilityLevel: 'BACKWARD' } });
    if (r.ok) expect(dec(encodeRecord(r.value).value)).toBe('{"compatibilityLevel":"BACKWARD"}');
  });

  test('the global CLEAR_SUBJECT (new ClearSubjectKey(null)) leaves the null subject out of key and value', () => {
    const r = decodeText('{"keytype":"CLEAR_SUBJECT","magic":0}', '{}');
    expect(r.ok && r.value).toEqual({ key: { keytype: 'CLEAR_SUBJECT', subject: null, magic: 0 }, value: { subject: null } });
    if (r.ok) expect(encodeValueJson(r.value)).toBe('{}');
  });

  test('a SCHEMA key with magic 0 (older registries) is read, as validateMagicByte allows', () => {
    const r = decodeKey(enc('{"keytype":"SCHEMA","subject":"s","version":3,"magic":0}'));
    expect(r.ok && r.value).toEqual({ keytype: 'SCHEMA', subject: 's', version: 3, magic: 0 });
  });

  test('a SCHEMA key with magic 2 is unsupported, not read', () => {
    const r = decodeKey(enc('{"keytype":"SCHEMA","subject":"s","version":3,"magic":2}'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('unsupported');
  });

  test('key types we do not handle (ASSOC, CONTEXT) are unsupported, not malformed', () => {
    for (const k of ['{"keytype":"CONTEXT","tenant":"default","context":".ctx","magic":0}', '{"keytype":"ASSOC","magic":0}']) {
      const r = decodeRecord(enc(k), enc('{}'));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe('unsupported');
    }
  });
});

describe('round trips of every key type', () => {
  const records: SchemasRecord[] = [
    {
      key: { keytype: 'SCHEMA', subject: 'orders-value', version: 2, magic: 1 },
      value: {
        subject: 'orders-value',
        version: 2,
        id: 7,
        schemaType: 'PROTOBUF',
        references: [{ name: 'common.proto', subject: 'common', version: 1 }],
        schema: 'syntax = "proto3";\nmessage A { string ü = 1; }',
        deleted: false,
      },
    },
    { key: { keytype: 'SCHEMA', subject: 'orders-value', version: 2, magic: 1 }, value: null },
    { key: { keytype: 'CONFIG', subject: 'orders-value', magic: 0 }, value: { subject: 'orders-value', compatibilityLevel: 'FULL_TRANSITIVE' } },
    { key: { keytype: 'CONFIG', subject: 'orders-value', magic: 0 }, value: null },
    { key: { keytype: 'MODE', subject: null, magic: 0 }, value: { subject: null, mode: 'IMPORT' } },
    { key: { keytype: 'MODE', subject: 'x', magic: 0 }, value: { subject: 'x', mode: 'READONLY' } },
    { key: { keytype: 'DELETE_SUBJECT', subject: 'x', magic: 0 }, value: { subject: 'x', version: 4 } },
    { key: { keytype: 'CLEAR_SUBJECT', subject: 'x', magic: 0 }, value: { subject: 'x' } },
    { key: { keytype: 'CLEAR_SUBJECT', subject: null, magic: 0 }, value: { subject: null } },
    { key: { keytype: 'NOOP', magic: 0 }, value: null },
  ];
  for (const r of records) {
    test(`${encodeKeyJson(r.key)} -> ${encodeValueJson(r)}`, () => {
      const bytes = encodeRecord(r);
      const back = decodeRecord(bytes.key, bytes.value);
      expect(back).toEqual({ ok: true, value: r });
    });
  }

  test('the schema type and references sit between id and schema, in the creator order', () => {
    expect(encodeValueJson(records[0])).toBe(
      '{"subject":"orders-value","version":2,"id":7,"schemaType":"PROTOBUF","references":[{"name":"common.proto","subject":"common","version":1}],"schema":"syntax = \\"proto3\\";\\nmessage A { string ü = 1; }","deleted":false}',
    );
  });

  // Confluent since commit cc6bd5e (Feb 2025) writes "schemaType":"AVRO" after "id" (the
  // creator order); 5.5 to 7.x left it out. Both must read as Avro.
  test('"schemaType":"AVRO" (newer Confluent) reads as Avro and is written in the omitted form', () => {
    const r = decodeText('{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}', '{"subject":"s","version":1,"id":1,"schemaType":"AVRO","schema":"\\"int\\"","deleted":false}');
    expect(r.ok && encodeValueJson(r.value)).toBe('{"subject":"s","version":1,"id":1,"schema":"\\"int\\"","deleted":false}');
  });
});

describe('hostile records', () => {
  const bad: Array<[string, string | null]> = [
    ['not json', null],
    ['[]', null],
    ['{"keytype":7,"magic":0}', null],
    ['{"keytype":"SCHEMA","subject":"s","version":0,"magic":1}', null],
    ['{"keytype":"SCHEMA","subject":"s","version":2147483648,"magic":1}', null],
    ['{"keytype":"SCHEMA","subject":"s","version":1.5,"magic":1}', null],
    ['{"keytype":"SCHEMA","version":1,"magic":1}', null],
    ['{"keytype":"SCHEMA","subject":"s","version":1,"magic":-1}', null],
    ['{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}', '{"subject":"s","version":1,"id":"1","schema":"x","deleted":false}'],
    ['{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}', '{"subject":"t","version":1,"id":1,"schema":"x","deleted":false}'],
    ['{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}', '{"subject":"s","version":1,"id":1,"schema":"x","deleted":"no"}'],
    ['{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}', '{"subject":"s","version":1,"id":1,"schema":"x","references":[{"name":1}]}'],
    ['{"keytype":"CONFIG","magic":0}', '{"compatibilityLevel":"SIDEWAYS"}'],
    ['{"keytype":"MODE","magic":0}', '{"mode":"WRITEONLY"}'],
    ['{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}', '{"subject":"s"}'],
    ['{"keytype":"DELETE_SUBJECT","magic":0}', '{"version":1}'],
  ];
  for (const [k, v] of bad) {
    test(`${k} ${v ?? 'null'} is an error value`, () => {
      const r = decodeText(k, v);
      expect(r.ok).toBe(false);
    });
  }

  test('invalid UTF-8 is an error value', () => {
    expect(decodeKey(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])).ok).toBe(false);
  });

  test('a key over the limit is rejected before parsing', () => {
    const big = `{"keytype":"NOOP","magic":0,"pad":"${'x'.repeat(SCHEMAS_KEY_BYTES_MAX)}"}`;
    const r = decodeKey(enc(big));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toContain('over the limit');
  });

  test('deep nesting is an error value, not a stack overflow', () => {
    const deep = '{"keytype":"NOOP","magic":0,"x":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
    expect(() => decodeKey(enc(deep))).not.toThrow();
  });

  test('a fuzzer over mutated Confluent records: decode returns values, never throws; what decodes re-encodes and decodes the same', () => {
    let seed = 0x5eed;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; // a fixed LCG: every run sees the same inputs
      return seed % n;
    };
    const tokens = ['null', '0', '-1', '1e400', '"x"', '[]', '{}', 'true', '2147483648', '"\\ud800"', '"SCHEMA"'];
    let decoded = 0;
    for (let i = 0; i < 20_000; i++) {
      const [k, v] = CONFLUENT_RECORDS[next(CONFLUENT_RECORDS.length)];
      const mutate = (s: string): Uint8Array => {
        const b = Array.from(enc(s));
        for (let m = 1 + next(3); m > 0; m--) {
          const at = next(b.length + 1);
          switch (next(4)) {
            case 0: b[at] = next(256); break;
            case 1: b.splice(at, 1 + next(8)); break;
            case 2: b.splice(at, 0, ...enc(tokens[next(tokens.length)])); break;
            default: b.length = at;
          }
        }
        return new Uint8Array(b);
      };
      const kb = next(2) === 0 ? mutate(k) : enc(k);
      const vb = v === null ? null : next(2) === 0 ? mutate(v) : enc(v);
      const r = decodeRecord(kb, vb);
      expect(typeof r.ok).toBe('boolean');
      if (r.ok) {
        decoded++;
        const again = encodeRecord(r.value);
        expect(decodeRecord(again.key, again.value)).toEqual(r);
      }
    }
    expect(decoded).toBeGreaterThan(0); // the fuzzer also reaches the decoders' accepting paths
  });
});
