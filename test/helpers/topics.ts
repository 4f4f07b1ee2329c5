// Topics for data-path tests, made by Metadata auto-creation (auto.create.topics.enable: on under
// --dev, which test/helpers/broker.ts passes by default) so those tests do not depend on the
// CreateTopics admin API, which has tests of its own. kafkajs's admin client never asks for
// auto-creation, so we use kcat -L -t, whose librdkafka producer handle sends Metadata with
// allow_auto_topic_creation=true.

import { expectSuccess, kcat } from './process.ts';

const AUTO_CREATE_TIMEOUT_MS = 10_000;

type Metadata = { topics: { topic: string; err?: string; error?: string; partitions: { partition: number; leader: number }[] }[] };

/** Makes `topic` exist with the broker's num.partitions and returns its partition count. */
export async function autoCreateTopic(bootstrap: string, topic: string): Promise<number> {
  const deadline = performance.now() + AUTO_CREATE_TIMEOUT_MS;
  for (;;) {
    const result = expectSuccess(await kcat(['-b', bootstrap, '-L', '-J', '-t', topic], { timeoutMs: AUTO_CREATE_TIMEOUT_MS }));
    const md = JSON.parse(result.stdout) as Metadata;
    const entry = md.topics.find((t) => t.topic === topic);
    const partitions = entry?.partitions ?? [];
    if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) return partitions.length;
    if (performance.now() > deadline) {
      throw new Error(`autoCreateTopic: ${topic} not created within ${AUTO_CREATE_TIMEOUT_MS} ms: ${result.stdout}`);
    }
    await Bun.sleep(100);
  }
}
