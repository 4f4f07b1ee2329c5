// Readiness probe shared by both sides of the peer phase: a raw Metadata v4 request, counted as
// ready once the answer lists a broker. bench/metadata-probe.ts's v1 probe only waits for any
// whole frame; a client can do nothing with an answer that lists no broker to send to, so this
// stricter condition is the one both sides must meet. Both brokers serve Metadata v0-13 (Kafka
// 4.4 answered v1 and v4 when tried).
//
// Wire format (Kafka protocol guide, Metadata Request/Response v4, non-flexible):
//   request  = size int32, header v1 (api_key int16 = 3, api_version int16 = 4,
//              correlation_id int32, client_id string), topics array (-1 = all topics),
//              allow_auto_topic_creation int8
//   response = size int32, correlation_id int32, throttle_time_ms int32, brokers array (int32
//              count, then the brokers), ...

const API_KEY_METADATA = 3;
const METADATA_VERSION = 4;
const CORRELATION_ID = 0x5eed4;
const CLIENT_ID = 'bench-peer';
/** Any Metadata response of a single-node cluster is far below this; more means a bad frame. */
const RESPONSE_BYTES_MAX = 1 << 20;
const PROBE_TIMEOUT_MS = 2_000;

export function metadataV4Request(): Uint8Array {
  const clientId = new TextEncoder().encode(CLIENT_ID);
  const body = 2 + 2 + 4 + 2 + clientId.length + 4 + 1;
  const buf = new Uint8Array(4 + body);
  const v = new DataView(buf.buffer);
  v.setInt32(0, body);
  v.setInt16(4, API_KEY_METADATA);
  v.setInt16(6, METADATA_VERSION);
  v.setInt32(8, CORRELATION_ID);
  v.setInt16(12, clientId.length);
  buf.set(clientId, 14);
  v.setInt32(14 + clientId.length, -1); // all topics
  v.setInt8(18 + clientId.length, 0); // no auto-creation
  return buf;
}

/** The broker count of a whole v4 response frame (size prefix included); 'short' while more
 *  bytes are needed; an Error for a frame that is not our answer. */
export function brokerCountOf(frame: Uint8Array): number | 'short' | Error {
  if (frame.length < 4) return 'short';
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const size = v.getInt32(0);
  if (size < 12 || size > RESPONSE_BYTES_MAX) return new Error(`response size ${size} out of range`);
  if (frame.length < 4 + size) return 'short';
  if (v.getInt32(4) !== CORRELATION_ID) return new Error(`correlation id ${v.getInt32(4)} is not ours`);
  const count = v.getInt32(12);
  return count < 0 ? new Error(`broker count ${count}`) : count;
}

/** One attempt: the brokers a Metadata v4 answer lists, or null (refused, closed, timed out). */
export function metadataBrokerCount(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    let got = new Uint8Array(0);
    let settled = false;
    const settle = (n: number | null, s?: { end(): void }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s?.end();
      resolve(n);
    };
    const timer = setTimeout(() => settle(null), PROBE_TIMEOUT_MS);
    Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        open(s) {
          s.write(metadataV4Request());
        },
        data(s, chunk) {
          const next = new Uint8Array(got.length + chunk.length);
          next.set(got);
          next.set(chunk, got.length);
          got = next;
          const n = brokerCountOf(got);
          if (n !== 'short') settle(n instanceof Error ? null : n, s);
        },
        close() {
          settle(null);
        },
        error() {
          settle(null);
        },
        connectError() {
          settle(null);
        },
      },
    }).catch(() => settle(null));
  });
}
