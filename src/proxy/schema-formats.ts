// The embedded formats with a schema (avro, jsonschema, protobuf) through the node's schema
// registry. Sources (confluentinc/kafka-rest): ProduceToTopicAction / ProduceToPartitionAction
// (v2: a key or value schema by `*_schema_id`, else by `*_schema` text under the topic's
// subject, TopicNameStrategy: "<topic>-key" / "<topic>-value"), SchemaManagerImpl
// (getSchemaFromSchemaId, getSchemaFromRawSchema: look the text up, register it when new),
// SchemaRecordSerializerImpl (a null key or value stays null; data without a schema is 42201 /
// 42202; a value the schema refuses is 400), Errors.java (42205 invalid schema, 42207
// serialization), and for reads SchemaConsumerState with the KafkaAvro/JsonSchema/Protobuf
// deserializers (magic byte and schema id, the schema fetched by id).

import { frame, unframe } from '../registry/serde/codec.ts';
import type { SchemaCodec } from '../registry/serde/codec.ts';
import type { SchemaLookup } from '../registry/serde/schema-codecs.ts';
import type { SchemaType } from '../registry/schema-types.ts';
import { type ConsumerRecordJson, deserialize, isSchemaless, type ProduceRequestJson } from './embedded.ts';
import { bad, type Checked, type EmbeddedFormat, ErrorCodes, good, type Problem, problems } from './wire.ts';

/** The registry as the proxy uses it (src/registry/serde/schema-codecs.ts's SchemaCodecs). */
export interface ProxySchemas {
  byId(id: number): Promise<SchemaLookup>;
  forSchemaText(subject: string, schemaType: SchemaType, text: string): Promise<SchemaLookup>;
}

export type SchemaFormat = Exclude<EmbeddedFormat, 'binary' | 'json'>;

/** The registry's schemaType of each embedded format (EmbeddedFormat.forSchemaType). */
export const SCHEMA_TYPE_OF: Readonly<Record<SchemaFormat, SchemaType>> = { avro: 'AVRO', jsonschema: 'JSON', protobuf: 'PROTOBUF' };

/** Longest schema text quoted back in an error message. */
const QUOTED_SCHEMA_CHARS_MAX = 1_000;

const serialization = (detail: string): Problem => ({ status: 422, code: ErrorCodes.SERIALIZATION, message: `Error serializing message. ${detail}` });

export const schemaProblems = {
  serialization,
  keySchemaMissing: (): Problem => ({ status: 422, code: 42201, message: 'Request includes keys but does not include key schema' }),
  valueSchemaMissing: (): Problem => ({ status: 422, code: 42202, message: 'Request includes values but does not include value schema' }),
  invalidSchema: (detail: string): Problem => ({ status: 422, code: 42205, message: `Invalid schema: ${detail}` }),
};

/** A schema the request's records are serialized with. */
export interface UsedSchema {
  readonly id: number;
  readonly codec: SchemaCodec;
}

function quoted(text: string): string {
  return text.length > QUOTED_SCHEMA_CHARS_MAX ? `${text.slice(0, QUOTED_SCHEMA_CHARS_MAX)}...` : text;
}

/** The key's or value's schema of a produce request: by id, else by text, else none. */
async function schemaOf(schemas: ProxySchemas, topic: string, format: SchemaFormat, id: number | null, text: string | null, isKey: boolean): Promise<Checked<UsedSchema | null>> {
  const type = SCHEMA_TYPE_OF[format];
  const subject = `${topic}-${isKey ? 'key' : 'value'}`;
  let found: SchemaLookup;
  if (id !== null) {
    found = await schemas.byId(id);
    if (!found.ok) return bad(serialization(`Error when fetching schema by id. schemaId = ${id}: ${found.message}`));
  } else if (text !== null) {
    found = await schemas.forSchemaText(subject, type, text);
    if (!found.ok && found.kind === 'invalid') return bad(schemaProblems.invalidSchema(`Error when parsing raw schema. format = ${format.toUpperCase()}, schema = ${quoted(text)}: ${found.message}`));
    if (!found.ok) return bad(serialization(`Error when registering schema. format = ${format.toUpperCase()}, subject = ${subject}: ${found.message}`));
  } else {
    return good(null);
  }
  // A schema id of another type cannot serialize this format (Confluent fails casting it).
  if (found.codec.schemaType !== type) return bad(serialization(`schema ${found.id} is a ${found.codec.schemaType} schema; the ${format} format needs ${type}`));
  return good({ id: found.id, codec: found.codec });
}

/** Both schemas of a produce request, in Confluent's order: the key's, then the value's. */
export async function requestSchemas(schemas: ProxySchemas, topic: string, format: SchemaFormat, r: ProduceRequestJson): Promise<Checked<{ key: UsedSchema | null; value: UsedSchema | null }>> {
  const key = await schemaOf(schemas, topic, format, r.keySchemaId, r.keySchema, true);
  if (!key.ok) return key;
  const value = await schemaOf(schemas, topic, format, r.valueSchemaId, r.valueSchema, false);
  if (!value.ok) return value;
  return good({ key: key.value, value: value.value });
}

/** One key or value: null stays null; data needs a schema; the codec's refusal is a 400. */
export function serializeWithSchema(schema: UsedSchema | null, data: unknown, isKey: boolean): Checked<Uint8Array | null> {
  if (data === null || data === undefined) return good(null);
  if (schema === null) return bad(isKey ? schemaProblems.keySchemaMissing() : schemaProblems.valueSchemaMissing());
  const payload = schema.codec.encode(data);
  if (!payload.ok) return bad(problems.badRequest(payload.message));
  return good(frame(schema.id, payload.value));
}

/** A record's key or value read in a schema format: the id's schema decodes the payload. A
 *  failure is the consumer's deserialization error, which Confluent answers as a Kafka error. */
export async function deserializeWithSchema(schemas: ProxySchemas, format: SchemaFormat, bytes: Uint8Array | null, where: string): Promise<Checked<unknown>> {
  if (bytes === null) return good(null);
  const failed = (detail: string) => bad({ status: 500, code: ErrorCodes.KAFKA_ERROR, message: `Kafka error: Error deserializing ${where}: ${detail}` });
  const framed = unframe(bytes);
  if (!framed.ok) return failed(framed.message);
  const found = await schemas.byId(framed.value.id);
  if (!found.ok) return failed(`Error retrieving schema ID ${framed.value.id}: ${found.message}`);
  const type = SCHEMA_TYPE_OF[format];
  if (found.codec.schemaType !== type) return failed(`schema ${found.id} is a ${found.codec.schemaType} schema, not ${type}`);
  const value = found.codec.decode(framed.value.payload);
  return value.ok ? good(value.value) : failed(value.message);
}

/** A fetched record as a read answers it: its key and value in the read's format. */
export interface FetchedForRead {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
}

/** Records in v2's consumer-record shape (Binary/Json/SchemaConsumerRecord: topic, key, value,
 *  partition, offset), for the stateless read and a consumer instance's records alike. */
export async function consumerRecordsJson(schemas: ProxySchemas | undefined, format: EmbeddedFormat, records: readonly FetchedForRead[]): Promise<Checked<ConsumerRecordJson[]>> {
  const out: ConsumerRecordJson[] = [];
  for (const r of records) {
    const where = (part: string) => `${part} for partition ${r.topic}-${r.partition} at offset ${r.offset}`;
    let key: Checked<unknown>;
    let value: Checked<unknown>;
    if (isSchemaless(format)) {
      key = deserialize(format, r.key);
      value = key.ok ? deserialize(format, r.value) : key;
    } else {
      if (schemas === undefined) return bad(problems.schemaRegistryNotConfigured());
      key = await deserializeWithSchema(schemas, format, r.key, where('key'));
      value = key.ok ? await deserializeWithSchema(schemas, format, r.value, where('value')) : key;
    }
    if (!key.ok) return key;
    if (!value.ok) return value;
    out.push({ topic: r.topic, key: key.value, value: value.value, partition: r.partition, offset: r.offset });
  }
  return good(out);
}
