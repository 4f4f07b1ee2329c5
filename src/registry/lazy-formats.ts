// The schema types' supports and codecs, loaded on first use. Each pulls in a large parser
// library (Avro: avsc; JSON Schema: ajv; Protobuf: protobufjs and descriptor.proto, built into
// a protobufjs Root when its module is evaluated) that a node with an empty `_schemas` never
// needs before it serves: loading them at process start cost start-up time and resident memory
// (bench/README.md, "Startup"). `require()` is synchronous, so the SchemaSupport and
// CodecFactory contracts stay synchronous; Bun's bundler wraps a module reached only through
// require() so that it is evaluated at the first call, not when the executable starts.

import type { CodecFactory } from './serde/codec.ts';
import type { SchemaSupport, SchemaType } from './schema-types.ts';

/** A support whose module is required the first time it parses or checks a schema. */
function lazySupport(schemaType: SchemaType, load: () => SchemaSupport): SchemaSupport {
  let loaded: SchemaSupport | null = null;
  const support = () => (loaded ??= load());
  return {
    schemaType,
    parse: (text, references, resolve, options) => support().parse(text, references, resolve, options),
    checkCompatibility: (level, next, previous) => support().checkCompatibility(level, next, previous),
  };
}

/** A codec factory whose module is required the first time it makes a codec. */
function lazyCodec(load: () => CodecFactory): CodecFactory {
  let loaded: CodecFactory | null = null;
  return (schema, resolve) => (loaded ??= load())(schema, resolve);
}

// Literal paths: the bundler resolves and embeds only literal require() arguments.
export const LAZY_AVRO_SUPPORT = lazySupport('AVRO', () => (require('./avro/support.ts') as typeof import('./avro/support.ts')).avroSupport);
export const LAZY_JSON_SUPPORT = lazySupport('JSON', () => (require('./json/support.ts') as typeof import('./json/support.ts')).jsonSchemaSupport);
export const LAZY_PROTOBUF_SUPPORT = lazySupport('PROTOBUF', () => (require('./protobuf/support.ts') as typeof import('./protobuf/support.ts')).protobufSupport);

export const LAZY_AVRO_CODEC = lazyCodec(() => (require('./serde/avro-codec.ts') as typeof import('./serde/avro-codec.ts')).avroCodec);
export const LAZY_JSON_CODEC = lazyCodec(() => (require('./serde/json-codec.ts') as typeof import('./serde/json-codec.ts')).jsonSchemaCodec);
export const LAZY_PROTOBUF_CODEC = lazyCodec(() => (require('./serde/protobuf-codec.ts') as typeof import('./serde/protobuf-codec.ts')).protobufCodec);
