// The JSON Schema codec: JSON values to Confluent's JSON Schema payload and back, as the REST
// proxy's JSONSCHEMA embedded format does.
//   encode: kafka-rest SchemaRecordSerializerImpl.serializeJsonschema calls
//     JsonSchemaUtils.toObject(data, schema), which always validates (toObject(value, schema,
//     validate = true) -> JsonSchema.validate: a failure is a ValidationException, answered
//     as a 400 with its message, worded as everit words it: json-validation-message.ts); the serializer then writes the value with Jackson's
//     ObjectMapper, compact. json.fail.invalid.schema does not matter here: toObject has
//     already refused what it would refuse. The payload has no message indexes (those are
//     Protobuf's).
//   decode: the REST proxy's consumer reads the JSON (KafkaJsonSchemaDeserializer: no validation
//     by default, json.fail.invalid.schema = false) and JsonSchemaConverter.toJson writes it back
//     with Jackson: the value as it was, integers past 2^53 exact (Jackson's BigIntegerNode).
// The schema is read as the registry reads a new one (../json/parse.ts compileSchema: references
// resolved, the draft's meta-schema, ajv); ajv validates. Pure apart from ajv's generated code.
// Errors are values: ajv and JSON.parse throw, and are caught here.

import type { ValidateFunction } from 'ajv';
import { isExactInteger, parseJsonExact } from '../../base/json-exact.ts';
import { compileSchema } from '../json/parse.ts';
import type { SchemaResolver } from '../schema-types.ts';
import { codecFail, codecOk, type CodecFactory, type CodecOutcome, type CodecSchema, type SchemaCodec } from './codec.ts';
import { everitMessage } from './json-validation-message.ts';

/** Largest JSON payload decoded (bytes after the 5-byte header), as for Protobuf. */
export const JSON_PAYLOAD_BYTES_MAX = 16 * 1024 * 1024;
/** Deepest nesting of a value written or read: Jackson's StreamReadConstraints default
 *  (DEFAULT_MAX_DEPTH, 1000, since 2.15), past which it refuses to read. */
export const JSON_NESTING_DEPTH_MAX = 1000;

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const jsonSchemaCodec: CodecFactory = (schema: CodecSchema, resolve: SchemaResolver): CodecOutcome<SchemaCodec> => {
  if (schema.schemaType !== 'JSON') return codecFail(`a ${schema.schemaType} schema is not a JSON schema`);
  const compiled = compileSchema(schema.schema, schema.references, resolve);
  if (!compiled.ok) return codecFail(compiled.error.message);
  return codecOk(new JsonSchemaCodec(compiled.validate));
};

class JsonSchemaCodec implements SchemaCodec {
  readonly schemaType = 'JSON' as const;

  constructor(private readonly validate: ValidateFunction) {}

  encode(value: unknown): CodecOutcome<Uint8Array> {
    const depth = nestingProblem(value);
    if (depth !== undefined) return codecFail(depth);
    const checked = forValidation(value);
    let valid: boolean;
    try {
      valid = this.validate(checked) as boolean;
    } catch (err) {
      return codecFail(`Validation failed: ${errorText(err)}`);
    }
    if (!valid) return codecFail(everitMessage(this.validate.errors ?? [], checked));
    try {
      // Compact, as Jackson's ObjectMapper writes by default; kept integers print their digits.
      return codecOk(new TextEncoder().encode(JSON.stringify(value)));
    } catch (err) {
      return codecFail(`Failed to write JSON: ${errorText(err)}`);
    }
  }

  decode(payload: Uint8Array): CodecOutcome<unknown> {
    if (payload.length > JSON_PAYLOAD_BYTES_MAX) return codecFail(`the payload is ${payload.length} bytes, more than ${JSON_PAYLOAD_BYTES_MAX}`);
    let value: unknown;
    try {
      value = parseJsonExact(new TextDecoder('utf-8', { fatal: true }).decode(payload));
    } catch (err) {
      // KafkaJsonSchemaDeserializer wraps Jackson's failure this way.
      return codecFail(`Error deserializing JSON message: ${errorText(err)}`);
    }
    const depth = nestingProblem(value);
    return depth === undefined ? codecOk(value) : codecFail(depth);
  }
}

/** The problem when `value` nests deeper than JSON_NESTING_DEPTH_MAX; walked without recursion. */
function nestingProblem(value: unknown): string | undefined {
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (v === null || typeof v !== 'object' || isExactInteger(v)) continue;
    if (depth >= JSON_NESTING_DEPTH_MAX) return `the value is nested deeper than ${JSON_NESTING_DEPTH_MAX}`;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push({ v: child, depth: depth + 1 });
  }
  return undefined;
}

/** The value ajv sees: a kept integer as a number (ajv knows no other kind; past 2^53 its
 *  bounds are then compared approximately). Nesting was checked, so the recursion is bounded. */
function forValidation(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (isExactInteger(value)) return Number(JSON.stringify(value));
  if (Array.isArray(value)) return value.map(forValidation);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = forValidation(v);
  return out;
}
