// Every bound the internal client keeps, named in one place (STYLE: a limit on everything).
// Callers may lower or raise them per client through ClientOptions; none means "unlimited".

/** Largest response frame accepted, checked against the size prefix before any body is buffered.
 *  Fetch answers are bounded by the maxBytes we ask for; 64 MiB leaves room above Kafka's
 *  default fetch.max.bytes (50 MiB). */
export const RESPONSE_MAX_BYTES = 64 * 1024 * 1024;

/** Requests written and not yet answered on one connection; more wait in the client's queue. */
export const IN_FLIGHT_REQUESTS_MAX = 32;

/** Requests waiting behind the in-flight window; past this a call fails at once (the caller
 *  is producing faster than the broker answers, and memory would grow without bound). */
export const QUEUED_REQUESTS_MAX = 1024;

/** Time allowed for one request to be answered (Kafka's request.timeout.ms default is 30 s). */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Time allowed for TCP connect plus the ApiVersions exchange. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** Retries of a group call answered NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS /
 *  COORDINATOR_NOT_AVAILABLE, and the pause between them. */
export const COORDINATOR_RETRIES_MAX = 10;
export const COORDINATOR_RETRY_BACKOFF_MS = 100;

/** Largest decompressed records section a fetch will decode per batch. */
export const DECOMPRESSED_BATCH_MAX_BYTES = 64 * 1024 * 1024;
