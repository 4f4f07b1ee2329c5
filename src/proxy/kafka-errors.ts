// Kafka errors as the REST Proxy answers them: rest-utils' KafkaExceptionMapper for a whole
// request (401 40101 authentication, 403 40301 authorization, 500 50003 retriable, 500 50002
// any other), and AbstractProduceAction.errorCodeFromProducerException for one produced record
// (the same codes, carried in the record's `error_code` of a 200 answer). Retriable is Kafka's
// own flag (org.apache.kafka.common.protocol.Errors: the exception extends RetriableException).

import { ErrorCode } from '../protocol/errors.ts';
import type { KafkaErr } from '../client/client.ts';
import { ErrorCodes, type Problem } from './wire.ts';

/** Codes whose Kafka exception extends RetriableException (Kafka's protocol error table). */
const RETRIABLE: ReadonlySet<number> = new Set([
  ErrorCode.CORRUPT_MESSAGE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.NOT_CONTROLLER,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
  ErrorCode.INVALID_FETCH_SESSION_EPOCH,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.OFFSET_NOT_AVAILABLE,
  ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
  ErrorCode.THROTTLING_QUOTA_EXCEEDED,
]);

/** AuthenticationException's codes. */
const AUTHENTICATION: ReadonlySet<number> = new Set([ErrorCode.SASL_AUTHENTICATION_FAILED, ErrorCode.UNSUPPORTED_SASL_MECHANISM, ErrorCode.ILLEGAL_SASL_STATE]);

/** AuthorizationException's codes. */
const AUTHORIZATION: ReadonlySet<number> = new Set([
  ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  ErrorCode.GROUP_AUTHORIZATION_FAILED,
  ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
]);

export function isRetriable(code: number): boolean {
  return RETRIABLE.has(code);
}

/** The message Kafka's exception would carry: the broker's, else the error's name. */
export function messageOf(e: KafkaErr): string {
  return e.message ?? e.name;
}

/** A produced record's {error_code, error}, and the status it gives the whole answer
 *  (ProduceResponse.getRequestStatus: 401 or 403 when a record failed so, else 200). */
export function recordError(e: KafkaErr): { code: number; error: string; status: number } {
  if (AUTHENTICATION.has(e.code)) return { code: ErrorCodes.KAFKA_AUTHENTICATION, error: messageOf(e), status: 401 };
  if (AUTHORIZATION.has(e.code)) return { code: ErrorCodes.KAFKA_AUTHORIZATION, error: messageOf(e), status: 403 };
  return { code: isRetriable(e.code) ? ErrorCodes.KAFKA_RETRIABLE_ERROR : ErrorCodes.KAFKA_ERROR, error: messageOf(e), status: 200 };
}

/** A Kafka error that fails a whole request (KafkaExceptionMapper). */
export function requestProblem(e: KafkaErr): Problem {
  const r = recordError(e);
  return { status: r.status === 200 ? 500 : r.status, code: r.code, message: r.error };
}
