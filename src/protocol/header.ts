// Request and response headers.
// https://kafka.apache.org/protocol#protocol_messages
//
// Request header v1 (non-flexible APIs) is apiKey, apiVersion, correlationId, clientId; v2
// (flexible versions, KIP-482) appends a tagged-field section. The client id stays an int16
// nullable string even in v2. Response header v0 is the correlation id; v1 adds tagged fields.
// ApiVersions responses always use header v0 so a client can parse them before it knows
// which versions the broker speaks (KIP-511).

import { DecodeError, Reader, Writer } from './primitives.ts';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** Reads the fixed part of a request header (common to v1 and v2). */
export function decodeRequestHeader(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = r.nullableString();
  return { apiKey, apiVersion, correlationId, clientId };
}

/** Skips the tagged fields that end a v2 request header or v1 response header. */
export function skipTaggedFields(r: Reader): void {
  const n = r.uvarint();
  if (n > r.remaining) throw new DecodeError('tagged field count exceeds remaining bytes');
  for (let i = 0; i < n; i++) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}

export function encodeRequestHeader(w: Writer, h: RequestHeader, flexible: boolean): void {
  w.int16(h.apiKey);
  w.int16(h.apiVersion);
  w.int32(h.correlationId);
  w.nullableString(h.clientId);
  if (flexible) w.uvarint(0);
}

export function encodeResponseHeader(w: Writer, correlationId: number, flexible: boolean): void {
  w.int32(correlationId);
  if (flexible) w.uvarint(0);
}
