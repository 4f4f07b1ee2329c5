// The Avro codec: JSON in Avro's JSON encoding to Avro binary and back, as Confluent's REST proxy
// converts (kafka-rest SchemaRecordSerializerImpl.serializeAvro -> AvroSchemaUtils.toObject,
// which reads the JSON with Avro's JsonDecoder; AvroConverter.toJson, which writes with Avro's
// JsonEncoder). Avro's JSON encoding (the Avro specification, "JSON Encoding"): a union value is
// null or {"<branch type name>": value}, bytes and fixed are strings of code points 0-255, an
// enum is its symbol. The payload is the datum's binary encoding, nothing else (no schema, no
// container): the 5-byte frame before it is the serializer's (codec.ts).
//
// avsc does the work: its fromString / toString read and write Avro's JSON encoding (a union
// wrapped in its branch name there, whatever avsc's own union representation in memory). The
// value is read with the writer's schema only, as Confluent's deserializer does without a
// reader schema configured.

import type avro from 'avsc';
import { parseAvroSchema } from '../avro/parse.ts';
import { type CodecFactory, codecFail, codecOk, type CodecOutcome, type SchemaCodec } from './codec.ts';

/** Longest payload decoded: Kafka's largest default record is 1 MiB; ours allows 16. */
export const AVRO_PAYLOAD_BYTES_MAX = 16 * 1024 * 1024;

class AvroCodec implements SchemaCodec {
  readonly schemaType = 'AVRO' as const;
  constructor(private readonly type: avro.Type) {}

  encode(value: unknown): CodecOutcome<Uint8Array> {
    try {
      // Through JSON text: fromString reads Avro's JSON encoding (bytes from code points, unions
      // wrapped) and checks the value against the schema as it copies it.
      const datum = this.type.fromString(JSON.stringify(value));
      return codecOk(new Uint8Array(this.type.toBuffer(datum)));
    } catch (e) {
      return codecFail(`Conversion of JSON to Avro failed: ${(e as Error).message}`);
    }
  }

  decode(payload: Uint8Array): CodecOutcome<unknown> {
    if (payload.length > AVRO_PAYLOAD_BYTES_MAX) return codecFail(`Avro payload of ${payload.length} bytes is larger than ${AVRO_PAYLOAD_BYTES_MAX}`);
    try {
      // decode, not fromBuffer: bytes after the datum are ignored, as Avro's BinaryDecoder does.
      const { value, offset } = this.type.decode(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), 0);
      if (offset < 0) return codecFail('Error deserializing Avro message: the payload ends inside the datum');
      return codecOk(JSON.parse(this.type.toString(value)));
    } catch (e) {
      return codecFail(`Error deserializing Avro message: ${(e as Error).message}`);
    }
  }
}

export const avroCodec: CodecFactory = (schema, resolve) => {
  if (schema.schemaType !== 'AVRO') return codecFail(`not an AVRO schema: ${schema.schemaType}`);
  const resolveAvro = (subject: string, version: number) => {
    const found = resolve(subject, version);
    return found === undefined || found.schemaType !== 'AVRO' ? undefined : found;
  };
  const parsed = parseAvroSchema(schema.schema, schema.references, resolveAvro);
  if (!parsed.ok) return codecFail(parsed.error.message);
  return codecOk(new AvroCodec(parsed.schema.type));
};
