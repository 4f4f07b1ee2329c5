// Unique names so tests that share a broker never see each other's topics.

let counter = 0;
const RUN_TAG = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;

/** A topic name unique within this run: `<prefix>-<run tag>-<counter>` (legal Kafka chars only). */
export function uniqueTopic(prefix: string): string {
  counter += 1;
  return `${prefix}-${RUN_TAG}-${counter}`;
}
