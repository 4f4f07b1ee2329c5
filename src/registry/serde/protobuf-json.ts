// Protobuf messages to and from JSON as Confluent's REST proxy does it (ProtobufSchemaUtils in
// schema-registry protobuf-provider):
//   in:  toObject(JsonNode, schema) = JsonFormat.parser().merge(json, builder): proto3 JSON
//        mapping, fields by json_name or by their .proto name, enums by name or number, 64-bit
//        ints as strings or numbers, bytes base64, an unknown field an error (the parser's
//        default, ignoringUnknownFields() is not called);
//   out: toJson(message) = JsonFormat.printer().includingDefaultValueFields()
//        .omittingInsignificantWhitespace(): json_name keys (no preservingProtoFieldNames),
//        fields in field-number order, 64-bit ints as strings, enums by name (a number unknown to
//        the enum as the number), bytes base64, NaN/Infinity as strings, and defaults printed
//        for every field except a message field or a oneof member (proto3 `optional` fields
//        are in a synthetic oneof) that is not set (JsonFormat.PrinterImpl.print,
//        ShouldPrintDefaults.ALWAYS_PRINT_EXCEPT_MESSAGES_AND_ONEOFS).
// Parsing and the well-known types' JSON forms (Timestamp, Duration, wrappers, Struct/Value,
// FieldMask, Any) are protobufjs's ext/protojson, a port of proto3-json-serializer; printing is
// ours, over protobufjs's reflection, for the defaults rule above.

import protobuf from 'protobufjs';
import protojson from 'protobufjs/ext/protojson.js';
import { isExactInteger } from '../../base/json-exact.ts';

/** Deepest JSON value read: JsonFormat.Parser's default recursion limit is 100 (messages);
 *  protobufjs's own limit (util.recursionLimit, 100) bounds its parse and decode too. */
export const JSON_DEPTH_MAX = 100;

/** Types protojson prints in their special JSON forms (as JsonFormat's WellKnownTypePrinters). */
const SPECIAL_JSON_TYPES: ReadonlySet<string> = new Set([
  ...['Duration', 'Timestamp', 'FieldMask', 'Value', 'Struct', 'ListValue', 'Any'],
  ...['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'],
].map((n) => `.google.protobuf.${n}`));

const LONG_TYPES: ReadonlySet<string> = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** A failure while converting; caught by the codec and returned as a value. */
export class ProtobufJsonError extends Error {}


/**
 * The proxy's JSON value as protojson reads it: an integer kept exact past 2^53 (a JSON.rawJSON
 * object holding its digits) becomes the digit string, which JsonFormat accepts for every
 * numeric field. Throws ProtobufJsonError past JSON_DEPTH_MAX.
 */
export function protoJsonInput(value: unknown, depth = 0): unknown {
  if (depth > JSON_DEPTH_MAX) throw new ProtobufJsonError(`the value is nested deeper than ${JSON_DEPTH_MAX}`);
  if (value === null || typeof value !== 'object') return value;
  if (isExactInteger(value)) return JSON.stringify(value);
  if (Array.isArray(value)) return value.map((v) => protoJsonInput(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = protoJsonInput(v, depth + 1);
  return out;
}

/**
 * What JsonFormat reads that protojson refuses, made what protojson reads: parseBool and
 * parseString take `json.getAsString()`, so "true"/"false" are booleans and a number or boolean
 * is a string (its JSON text). Walks the value along the message type (well-known types aside);
 * anything it does not recognise is left for protojson to judge.
 */
function lenientScalars(type: protobuf.Type, json: unknown, depth: number): unknown {
  if (depth > JSON_DEPTH_MAX || json === null || typeof json !== 'object' || Array.isArray(json) || SPECIAL_JSON_TYPES.has(type.fullName)) return json;
  const byName = new Map<string, protobuf.Field>();
  for (const f of type.fieldsArray) {
    byName.set(f.name, f);
    if (f.jsonName !== undefined) byName.set(f.jsonName, f);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const field = byName.get(key)?.resolve();
    if (field === undefined || value === null) {
      out[key] = value;
    } else if (field.map && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lenientScalar(field, v, depth)]));
    } else if (field.repeated && Array.isArray(value)) {
      out[key] = value.map((v) => lenientScalar(field, v, depth));
    } else {
      out[key] = lenientScalar(field, value, depth);
    }
  }
  return out;
}

function lenientScalar(field: protobuf.Field, value: unknown, depth: number): unknown {
  if (field.resolvedType instanceof protobuf.Type) return lenientScalars(field.resolvedType, value, depth + 1);
  if (field.resolvedType !== null) return value;
  if (field.type === 'bool' && (value === 'true' || value === 'false')) return value === 'true';
  if (field.type === 'string' && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
  return value;
}

/** JsonFormat.parser().merge: the message, or a ProtobufJsonError with JsonFormat's words where
 *  we know them. */
export function messageFromJson(type: protobuf.Type, json: unknown): protobuf.Message {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ProtobufJsonError(`Expect message object but got: ${JSON.stringify(json)}`);
  }
  let message: protobuf.Message;
  try {
    message = protojson.fromJson(type, lenientScalars(type, protoJsonInput(json), 0));
  } catch (err) {
    if (err instanceof ProtobufJsonError) throw err;
    const text = err instanceof Error ? err.message : String(err);
    // protojson: `.pkg.Msg: unknown field: "name"`; JsonFormat: "Cannot find field: name in
    // message pkg.Msg".
    const unknown = /^\.?([\w.]+): unknown field: (".*")$/.exec(text);
    if (unknown !== null) throw new ProtobufJsonError(`Cannot find field: ${JSON.parse(unknown[2] as string) as string} in message ${unknown[1]}`);
    throw new ProtobufJsonError(jsonFormatWording(type.root, text) ?? text.replace(/^\./, ''));
  }
  // DynamicMessage.Builder.build() refuses a proto2 message without its required fields
  // (UninitializedMessageException); protobufjs would write their defaults.
  const missing = missingRequired(type, message as unknown as Record<string, unknown>, '', 0);
  if (missing.length > 0) throw new ProtobufJsonError(`Message missing required fields: ${missing.join(', ')}`);
  return message;
}

/** The paths of required fields not set, as UninitializedMessageException lists them ("a, b.c";
 *  MessageReflection.findMissingFields). */
function missingRequired(type: protobuf.Type, message: Record<string, unknown>, prefix: string, depth: number): string[] {
  if (depth > JSON_DEPTH_MAX) return [];
  const out: string[] = [];
  for (const declared of type.fieldsArray) {
    const field = declared.resolve();
    const value = message[field.name];
    const present = Object.prototype.hasOwnProperty.call(message, field.name) && value !== null && value !== undefined;
    if (field.required && !present) out.push(`${prefix}${field.name}`);
    if (!present || !(field.resolvedType instanceof protobuf.Type)) continue;
    const nested = field.resolvedType;
    if (field.map || field.repeated) {
      // MessageReflection.findMissingFields: "name[i]." for each element (a map's entries too).
      const elements = field.map ? Object.values(value as Record<string, unknown>) : (value as unknown[]);
      elements.forEach((v, i) => out.push(...missingRequired(nested, v as Record<string, unknown>, `${prefix}${field.name}[${i}].`, depth + 1)));
    } else {
      out.push(...missingRequired(nested, value as Record<string, unknown>, `${prefix}${field.name}.`, depth + 1));
    }
  }
  return out;
}

/**
 * JsonFormat.ParserImpl's message for a field value protojson refused
 * (`.pkg.Msg.field: <what>: <json>`): "Not an int32 value: x", "Out of range uint32 value: x",
 * "Invalid bool value: x", "Invalid enum value: X for enum type: pkg.E" (parseInt32 ... parseEnum);
 * undefined when the text is not of that shape.
 */
function jsonFormatWording(root: protobuf.Root, text: string): string | undefined {
  const m = /^\.([\w.]+)\.(\w+): ([^:]+): (.*)$/.exec(text);
  if (m === null) return undefined;
  const [, typeName, fieldName, what, json] = m as unknown as [string, string, string, string, string];
  let field: protobuf.Field | undefined;
  try {
    field = root.lookupType(typeName).fields[fieldName]?.resolve();
  } catch {
    return undefined;
  }
  if (field === undefined) return undefined;
  const outOfRange = what.startsWith('out of range');
  if (field.resolvedType instanceof protobuf.Enum) {
    const value = json.startsWith('"') ? (JSON.parse(json) as string) : json;
    return `Invalid enum value: ${value} for enum type: ${field.resolvedType.fullName.replace(/^\./, '')}`;
  }
  switch (field.type) {
    case 'int32': case 'sint32': case 'sfixed32': return `Not an int32 value: ${json}`;
    case 'int64': case 'sint64': case 'sfixed64': return `Not an int64 value: ${json}`;
    case 'uint32': case 'fixed32': return outOfRange ? `Out of range uint32 value: ${json}` : `Not an uint32 value: ${json}`;
    case 'uint64': case 'fixed64': return outOfRange ? `Out of range uint64 value: ${json}` : `Not an uint64 value: ${json}`;
    case 'float': return outOfRange ? `Out of range float value: ${json}` : `Not a float value: ${json}`;
    case 'double': return outOfRange ? `Out of range double value: ${json}` : `Not an double value: ${json}`;
    case 'bool': return `Invalid bool value: ${json}`;
    default: return undefined;
  }
}

/** JsonFormat.printer().includingDefaultValueFields() of a decoded message, as a JSON value. */
export function messageToJson(type: protobuf.Type, message: Record<string, unknown>, depth = 0): unknown {
  if (depth > JSON_DEPTH_MAX) throw new ProtobufJsonError(`the message is nested deeper than ${JSON_DEPTH_MAX}`);
  if (SPECIAL_JSON_TYPES.has(type.fullName)) return protojson.toJson(type, message);
  const out: Record<string, unknown> = {};
  const fields = [...type.fieldsArray].sort((a, b) => a.id - b.id);
  for (const declared of fields) {
    const field = declared.resolve();
    const present = Object.prototype.hasOwnProperty.call(message, field.name);
    // Extensions are printed by JsonFormat only when set, as "[full.name]"; protobufjs keeps
    // them apart and we leave them out.
    if (field.declaringField !== null || field.name.startsWith('.')) continue;
    const value = message[field.name];
    if (field.map) {
      out[field.jsonName] = mapToJson(field, (value ?? {}) as Record<string, unknown>, depth);
    } else if (field.repeated) {
      out[field.jsonName] = ((value ?? []) as unknown[]).map((v) => singleToJson(field, v, depth));
    } else if (field.resolvedType instanceof protobuf.Type && (value === null || value === undefined)) {
      continue; // an unset message field
    } else if (field.partOf !== null && !present) {
      continue; // an unset oneof member, proto3 `optional` included
    } else {
      out[field.jsonName] = singleToJson(field, value ?? field.defaultValue, depth);
    }
  }
  return out;
}

function mapToJson(field: protobuf.Field, value: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keyType = (field as unknown as protobuf.MapField).keyType;
  for (const [key, v] of Object.entries(value)) {
    // protobufjs keys a 64-bit map key by its 8-byte hash (util.longToHash).
    const text = LONG_TYPES.has(keyType) ? util.longFromKey(key, keyType === 'uint64' || keyType === 'fixed64').toString() : key;
    out[text] = singleToJson(field, v, depth);
  }
  return out;
}

const util = protobuf.util as typeof protobuf.util & { longFromKey(key: string, unsigned: boolean): { toString(): string } };

function singleToJson(field: protobuf.Field, value: unknown, depth: number): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return messageToJson(resolved, (value ?? {}) as Record<string, unknown>, depth + 1);
  if (resolved instanceof protobuf.Enum) {
    if (resolved.fullName === '.google.protobuf.NullValue') return null;
    const name = resolved.valuesById[value as number];
    return name ?? value;
  }
  switch (field.type) {
    case 'int64': case 'uint64': case 'sint64': case 'fixed64': case 'sfixed64':
      return value === null || value === undefined ? '0' : String(value);
    case 'float':
      return Number.isFinite(value) ? shortestFloat(value as number) : String(value);
    case 'double':
      return Number.isFinite(value) ? value : String(value);
    case 'bytes':
      return Buffer.from((value ?? new Uint8Array(0)) as Uint8Array).toString('base64');
    default:
      return value;
  }
}

/**
 * A float as Java's Float.toString writes it (JsonFormat prints floats with it): the fewest
 * digits that read back as the same float, so 0.1f prints 0.1 and not the double
 * 0.10000000149011612 it widens to.
 */
export function shortestFloat(value: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}
