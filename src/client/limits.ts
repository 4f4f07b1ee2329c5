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

// Consumer-group membership (group-membership.ts, group-member.ts). Defaults are the Java
// consumer's (ConsumerConfig); each can be set per member.

/** session.timeout.ms (Kafka 3.0+ default, KIP-735): the coordinator drops a silent member. */
export const GROUP_SESSION_TIMEOUT_MS = 45_000;
/** The rebalance timeout announced in JoinGroup; Java uses max.poll.interval.ms. */
export const GROUP_REBALANCE_TIMEOUT_MS = 300_000;
/** heartbeat.interval.ms. */
export const GROUP_HEARTBEAT_INTERVAL_MS = 3_000;
/** A JoinGroup waits for the rebalance; Java gives it the rebalance timeout plus 5 s
 *  (ConsumerCoordinator's joinGroupTimeoutMs). */
export const JOIN_GROUP_TIMEOUT_MARGIN_MS = 5_000;
/** Rounds of FindCoordinator/JoinGroup/SyncGroup one join makes before giving up with the last
 *  error (each retriable answer, MEMBER_ID_REQUIRED included, costs one). */
export const JOIN_ATTEMPTS_MAX = 20;
/** retry.backoff.ms between join rounds answered with a retriable error. */
export const JOIN_RETRY_BACKOFF_MS = 100;
/** metadata.max.age.ms: how often a pattern subscription looks for new matching topics. */
export const PATTERN_REFRESH_MS = 300_000;
/** Topics one subscription may name or match; past it subscribe() refuses. */
export const SUBSCRIPTION_TOPICS_MAX = 10_000;
/** max.poll.records: records one poll returns at most. */
export const POLL_RECORDS_MAX = 500;
