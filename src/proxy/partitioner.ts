// Which partition a produced record goes to when the request names none: the key's murmur2 hash
// as Kafka's producer computes it (clients/.../producer/internals/BuiltInPartitioner
// .partitionForKey: Utils.toPositive(Utils.murmur2(key)) % numPartitions), so a keyed record
// sent through the proxy lands where a Java, librdkafka (murmur2_random) or kafkajs
// (DefaultPartitioner) producer puts the same key. Pure.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Kafka's Utils.murmur2: MurmurHash2, 32-bit, seed 0x9747b28c, little-endian words. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const words = length >> 2;
  for (let i = 0; i < words; i++) {
    const at = i * 4;
    let k = data[at] | (data[at + 1] << 8) | (data[at + 2] << 16) | (data[at + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // The tail's 1 to 3 bytes, as Java's switch falls through from case 3 to case 1.
  const tail = length & ~3;
  const rest = length % 4;
  if (rest >= 3) h ^= data[tail + 2] << 16;
  if (rest >= 2) h ^= data[tail + 1] << 8;
  if (rest >= 1) {
    h ^= data[tail];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition of a keyed record among `partitionCount`. */
export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return (murmur2(key) & 0x7fffffff) % partitionCount;
}
