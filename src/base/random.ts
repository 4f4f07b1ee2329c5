// Randomness behind an interface: ids (cluster id, topic ids, group member ids) and anything
// else chosen by chance come from a Random given to the node, so a simulation that seeds a
// Prng (prng.ts) replays exactly, while a real node draws from the system's CSPRNG.

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** n random bytes. */
  bytes(n: number): Uint8Array;
}

/** The system's cryptographic generator (topic and cluster ids must not collide across nodes). */
export const systemRandom: Random = {
  next: () => crypto.getRandomValues(new Uint32Array(1))[0] / 4294967296,
  bytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
};

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A version-4 UUID in its 8-4-4-4-12 text form (RFC 9562 section 5.4), from `random`. */
export function randomUuid(random: Random): string {
  const b = random.bytes(16);
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // variant 10
  const h = Array.from(b, (x) => HEX[x]);
  return `${h.slice(0, 4).join('')}-${h.slice(4, 6).join('')}-${h.slice(6, 8).join('')}-${h.slice(8, 10).join('')}-${h.slice(10).join('')}`;
}
