// What goes over the wire: Confluent REST Proxy v2's media types, its error bodies and codes,
// JSON answers, and the request body read under a named limit. Sources (confluentinc/kafka-rest):
// Versions.java (media types), Errors.java and rest-utils' KafkaExceptionMapper (the 5-digit
// codes: 40401 topic, 40402 partition, 40002 bad request, 40101/40301 auth, 50002 Kafka error,
// 50003 retriable Kafka error), rest-utils' JsonParseExceptionMapper and JsonMappingExceptionMapper
// (malformed or mistyped JSON: 400 with error_code 400), ConstraintViolationExceptionMapper (a
// missing body or empty `records`: 422 with error_code 422; RestConstraintViolationException
// keeps its own 422xx code), WebApplicationExceptionMapper (Jersey's own 404/405/415: the status
// as error_code, "HTTP 415 Unsupported Media Type"), and exceptions/v2/V2ExceptionMapper (a
// BadRequestException is 400 with message "Bad Request: <detail>").

/** Every non-record answer's media type (Versions.KAFKA_V2_JSON). */
export const KAFKA_V2_JSON = 'application/vnd.kafka.v2+json';

/** The embedded formats of a produce body's Content-Type or a read's Accept (EmbeddedFormat). */
export type EmbeddedFormat = 'binary' | 'json' | 'avro' | 'jsonschema' | 'protobuf';

/** application/vnd.kafka.{format}.v2+json -> format; null for anything else. */
export function embeddedFormatOf(mediaType: string | null): EmbeddedFormat | null {
  const m = mediaType === null ? null : /^application\/vnd\.kafka\.(binary|json|avro|jsonschema|protobuf)\.v2\+json$/.exec(mediaType);
  return m === null ? null : (m[1] as EmbeddedFormat);
}

export function mediaTypeOfFormat(format: EmbeddedFormat): string {
  return `application/vnd.kafka.${format}.v2+json`;
}

/** The media type of a Content-Type header, parameters dropped, lower case. */
export function mediaTypeOf(header: string | null): string | null {
  if (header === null) return null;
  const t = header.split(';')[0].trim().toLowerCase();
  return t === '' ? null : t;
}

/**
 * Default limit on one request body. Confluent's v2 produce sets none of its own (Jetty's form
 * limit does not apply to JSON); ours bounds what one request can make the node hold. 16 MiB
 * is 16 times Kafka's default max.request.size, room for base64's 4/3 on a full 1 MiB batch per
 * partition of a few partitions.
 */
export const REQUEST_BYTES_MAX_DEFAULT = 16 * 1024 * 1024;

/** An answer that is not a success: the HTTP status, and Confluent's {error_code, message}. */
export interface Problem {
  readonly status: number;
  readonly code: number;
  readonly message: string;
}

/** The codes of Confluent's Errors.java and rest-utils' KafkaExceptionMapper, by name. */
export const ErrorCodes = {
  KAFKA_BAD_REQUEST: 40002,
  KAFKA_AUTHENTICATION: 40101,
  KAFKA_AUTHORIZATION: 40301,
  TOPIC_NOT_FOUND: 40401,
  PARTITION_NOT_FOUND: 40402,
  LEADER_NOT_AVAILABLE: 40404,
  INVALID_PAYLOAD: 42206,
  SERIALIZATION: 42207,
  KAFKA_ERROR: 50002,
  KAFKA_RETRIABLE_ERROR: 50003,
} as const;

export const problems = {
  // Errors.topicNotFoundException / partitionNotFoundException.
  topicNotFound: (): Problem => ({ status: 404, code: ErrorCodes.TOPIC_NOT_FOUND, message: 'Topic not found.' }),
  partitionNotFound: (): Problem => ({ status: 404, code: ErrorCodes.PARTITION_NOT_FOUND, message: 'Partition not found.' }),
  // Jersey's own (WebApplicationExceptionMapper): the status is the error_code.
  notFound: (): Problem => ({ status: 404, code: 404, message: 'HTTP 404 Not Found' }),
  methodNotAllowed: (): Problem => ({ status: 405, code: 405, message: 'HTTP 405 Method Not Allowed' }),
  notAcceptable: (): Problem => ({ status: 406, code: 406, message: 'HTTP 406 Not Acceptable' }),
  unsupportedMediaType: (): Problem => ({ status: 415, code: 415, message: 'HTTP 415 Unsupported Media Type' }),
  tooLarge: (max: number): Problem => ({ status: 413, code: 413, message: `Request body larger than ${max} bytes` }),
  // rest-utils' Jackson mappers; Jackson's own wording differs.
  malformedJson: (detail: string): Problem => ({ status: 400, code: 400, message: `Unexpected character or end of input in the JSON body: ${detail}` }),
  wrongType: (field: string, expected: string): Problem => ({ status: 400, code: 400, message: `Cannot deserialize value of field "${field}": expected ${expected}` }),
  // V2ExceptionMapper of a BadRequestException: "<title>: <detail>".
  badRequest: (detail: string): Problem => ({ status: 400, code: 400, message: `Bad Request: ${detail}` }),
  // A Kafka refusal of the request itself (KafkaExceptionMapper's KAFKA_BAD_REQUEST).
  kafkaBadRequest: (detail: string): Problem => ({ status: 400, code: ErrorCodes.KAFKA_BAD_REQUEST, message: detail }),
  // ConstraintViolationExceptionMapper of @NotNull / @NotEmpty.
  missingBody: (): Problem => ({ status: 422, code: 422, message: 'The request body may not be null' }),
  noRecords: (): Problem => ({ status: 422, code: 422, message: 'records may not be empty' }),
  // SchemaManagerThrowing / SchemaRecordSerializerThrowing: what Confluent answers a schema
  // format when no Schema Registry is configured (ours: the node's registry is off).
  schemaRegistryNotConfigured: (): Problem => ({
    status: 422,
    code: ErrorCodes.INVALID_PAYLOAD,
    message: 'Payload error. Schema Registry must be configured when using schemas.',
  }),
  schemaSerializerNotConfigured: (): Problem => ({
    status: 422,
    code: ErrorCodes.SERIALIZATION,
    message: 'Error serializing message. Schema Registry not defined, no Schema Registry client available to serialize message.',
  }),
  // Not a Confluent answer: an app built without a ConsumerManager (a unit test's) has no instances.
  consumersNotBuilt: (): Problem => ({
    status: 501,
    code: 501,
    message:
      'Consumer instances (/consumers/...) are not built yet in this proxy; read a partition with GET /topics/{topic}/partitions/{partition}/records?offset=N, or use a Kafka client',
  }),
  kafkaRetriable: (detail: string): Problem => ({ status: 500, code: ErrorCodes.KAFKA_RETRIABLE_ERROR, message: detail }),
  internal: (): Problem => ({ status: 500, code: 500, message: 'Internal Server Error' }),
};

export function json(body: unknown, status = 200, contentType = KAFKA_V2_JSON): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': contentType } });
}

export function problem(p: Problem): Response {
  return json({ error_code: p.code, message: p.message }, p.status);
}

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: Problem };
export const good = <T>(value: T): Checked<T> => ({ ok: true, value });
export const bad = (p: Problem): { ok: false; problem: Problem } => ({ ok: false, problem: p });

/** An int32 path segment ({partition}); JAX-RS answers 404 to one it cannot convert. */
export function intPath(text: string): number | undefined {
  return /^[-+]?[0-9]{1,10}$/.test(text) && Math.abs(Number(text)) <= 2_147_483_647 ? Number(text) : undefined;
}
