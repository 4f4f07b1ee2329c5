// The bytes the broker otherwise only relays: ConsumerProtocolSubscription, the metadata that
// members of protocol type "consumer" send in JoinGroup (clients/src/main/resources/common/
// message/ConsumerProtocolSubscription.json). Never flexible:
//   int16 version, topics: [string], userData: nullable bytes, (v1+) ownedPartitions, ...
// The coordinator reads the topic list only, for OffsetDelete's GROUP_SUBSCRIBED_TO_TOPIC.

import { Reader } from '../protocol/primitives.ts';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** The subscribed topics, or null if the bytes are not a consumer subscription. */
export function subscriptionTopics(metadata: Uint8Array): string[] | null {
  try {
    const r = new Reader(metadata);
    const version = r.int16();
    if (version < 0) return null;
    const n = r.arrayLength();
    if (n < 0) return [];
    const topics: string[] = [];
    for (let i = 0; i < n; i++) topics.push(r.string());
    return topics;
  } catch {
    return null;
  }
}
