// A simulated KIP-848 consumer over raw TCP: no installed client speaks ConsumerGroupHeartbeat
// (kafkajs 2.2.4, librdkafka 2.0.2 and kafka-python 2.0.2 predate it), so the tests drive the
// protocol with the project's codecs. It behaves as a consumer does: it takes an assignment at
// once, reports what it owns, and rejoins at epoch 0 after being fenced.

import { expect } from 'bun:test';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { ConsumerGroupHeartbeat, OffsetCommit } from '../../src/protocol/messages/index.ts';
import { RawClient } from './raw-client.ts';

export class Kip848Member {
  epoch = 0;
  /** topic id -> partitions */
  owned = new Map<string, number[]>();
  lastError: number = ErrorCode.NONE;
  readonly memberId = crypto.randomUUID();

  private constructor(
    readonly client: RawClient,
    readonly groupId: string,
    readonly topics: string[],
  ) {}

  static async connect(port: number, groupId: string, topics: string[]): Promise<Kip848Member> {
    return new Kip848Member(await RawClient.connect(port), groupId, topics);
  }

  async heartbeat(): Promise<void> {
    const joining = this.epoch === 0;
    const r = await this.client.send(ConsumerGroupHeartbeat, 1, {
      groupId: this.groupId,
      memberId: this.memberId,
      memberEpoch: this.epoch,
      rebalanceTimeoutMs: joining ? 30_000 : -1,
      subscribedTopicNames: joining ? this.topics : null,
      serverAssignor: joining ? 'uniform' : null,
      topicPartitions: joining ? [] : [...this.owned].map(([topicId, partitions]) => ({ topicId, partitions })),
    });
    this.lastError = r.errorCode;
    if (r.errorCode === ErrorCode.FENCED_MEMBER_EPOCH || r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
      this.epoch = 0;
      this.owned.clear();
      return;
    }
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.memberId).toBe(this.memberId);
    this.epoch = r.memberEpoch;
    // A consumer revokes what is no longer assigned and takes the rest at once.
    if (r.assignment !== null) this.owned = new Map(r.assignment.topicPartitions.map((tp) => [tp.topicId, [...tp.partitions]]));
  }

  async leave(): Promise<void> {
    const r = await this.client.send(ConsumerGroupHeartbeat, 1, { groupId: this.groupId, memberId: this.memberId, memberEpoch: -1, topicPartitions: null });
    expect(r.errorCode).toBe(ErrorCode.NONE);
    this.epoch = 0;
    this.owned.clear();
  }

  /** Owned partitions across topics, sorted. */
  partitions(): number[] {
    return [...this.owned.values()].flat().sort((a, b) => a - b);
  }

  /** OffsetCommit v9 with the member epoch. */
  async commit(topic: string, offsets: ReadonlyArray<[partition: number, offset: number]>): Promise<void> {
    const r = await this.client.send(OffsetCommit, 9, {
      groupId: this.groupId,
      generationIdOrMemberEpoch: this.epoch,
      memberId: this.memberId,
      groupInstanceId: null,
      topics: [{ name: topic, partitions: offsets.map(([partitionIndex, committedOffset]) => ({ partitionIndex, committedOffset, committedMetadata: null })) }],
    });
    for (const p of r.topics[0].partitions) expect(p.errorCode).toBe(ErrorCode.NONE);
  }
}
