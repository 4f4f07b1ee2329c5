// The client's two kinds of failure, kept apart on purpose:
// - Kafka errors are values: a broker answered, and a partition, topic or group carries an error
//   code. Every typed call returns them in its result as `KafkaErr | null`, never thrown.
// - ClientError is thrown when no usable answer exists: the connection could not be made, was
//   closed, timed out, sent a frame over the size limit or bytes we could not decode, or the
//   broker speaks no version of an API that we do.

import { errorName } from '../protocol/errors.ts';

/** A Kafka error code with its name (UNKNOWN_TOPIC_OR_PARTITION) and the broker's message. */
export interface KafkaErr {
  readonly code: number;
  readonly name: string;
  readonly message: string | null;
}

/** The error carried by a response field, or null for NONE (0). */
export function kafkaErr(code: number, message: string | null = null): KafkaErr | null {
  if (code === 0) return null;
  return { code, name: errorName(code), message: message ?? null };
}

/** "NAME: message" (or just the name) for logs and the CLI. */
export function describeKafkaErr(e: KafkaErr): string {
  return e.message ? `${e.name}: ${e.message}` : e.name;
}

export type ClientErrorKind =
  /** TCP connect failed or timed out, or no bootstrap address answered. */
  | 'connect'
  /** The connection closed (by either side) before the answer came. */
  | 'closed'
  /** No answer within the request timeout. */
  | 'timeout'
  /** A response frame larger than the client's response size limit. */
  | 'too_large'
  /** The broker broke the protocol: wrong correlation id, undecodable bytes. */
  | 'protocol'
  /** No version of the API is supported by both the broker and this client. */
  | 'unsupported_version'
  /** Too many requests queued behind the in-flight window. */
  | 'overloaded';

export class ClientError extends Error {
  constructor(
    readonly kind: ClientErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ClientError';
  }
}
