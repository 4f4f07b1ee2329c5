// What every controller operation shares: the records it proposes, applied to the working image
// as they are made, and the inputs it may not choose itself.
//
// The working image is the controller leader's image: every committed record plus every record
// it has proposed since. An operation applies its records to it at once, as KRaft's
// QuorumController replays a request's records when it appends them, so the next check of the
// same request, and the next request, see them (two CreateTopics of one name in flight: the
// second is TOPIC_ALREADY_EXISTS). The operation's records are then proposed as one batch, one
// Raft entry (metadata-batch.ts). If the proposal fails or leadership is lost before it
// commits, the shell rebuilds the working image from the committed one (KRaft reverts its
// in-memory state to the last committed offset): a proposed record is not yet the cluster's.
// Followers apply only committed records.

import { assert } from '../../base/assert.ts';
import type { Random } from '../../base/random.ts';
import { uuidToString, ZERO_UUID } from '../../protocol/primitives.ts';
import type { BrokerView } from '../../config/topic-config.ts';
import type { MetadataImage } from './image.ts';
import { RECORDS_PER_BATCH_MAX } from './metadata-batch.ts';
import type { MetadataRecord } from './records.ts';

/** The records an operation proposes (possibly none) and the answer for its caller. */
export interface ControllerResult<R> {
  readonly records: readonly MetadataRecord[];
  readonly response: R;
}

/** An operation's records, applied to the working image as they are added; one batch at most. */
export class Proposal {
  readonly records: MetadataRecord[] = [];

  constructor(readonly image: MetadataImage) {}

  /** Whether `n` more records still fit in the operation's one batch. */
  fits(n: number): boolean {
    return this.records.length + n <= RECORDS_PER_BATCH_MAX;
  }

  add(...records: MetadataRecord[]): void {
    assert(this.fits(records.length), `an operation of more than ${RECORDS_PER_BATCH_MAX} records`);
    for (const r of records) {
      this.image.apply(r);
      this.records.push(r);
    }
  }

  result<R>(response: R): ControllerResult<R> {
    return { records: this.records, response };
  }
}

/** What an operation on topics and configs is given besides the request and the image. */
export interface ControllerInputs {
  /**
   * The controller node's broker properties (num.partitions, default.replication.factor,
   * delete.topic.enable, max.broker.partitions, the group.consumer.* bounds) and their layers,
   * which CreateTopics describes a new topic's configs with, as Kafka's controller does.
   */
  readonly broker: BrokerView;
  /** Topic ids (KIP-516) and placement's starting points come from here, never Math.random. */
  readonly random: Random;
}

/**
 * A fresh KIP-516 topic id: never the zero uuid (reserved), one starting with '-' (it reads
 * badly on command lines), or one `taken` already.
 */
export function newTopicId(random: Random, taken: (id: string) => boolean): string {
  for (;;) {
    const id = uuidToString(random.bytes(16), 0);
    if (id !== ZERO_UUID && !id.startsWith('-') && !taken(id)) return id;
  }
}

/** An integer broker property of the controller node (properties.ts guarantees the type). */
export function intProp(broker: BrokerView, name: string): number {
  const v = broker.props.get(name);
  assert(typeof v === 'number', `broker property ${name} is not a number`);
  return v;
}

export function boolProp(broker: BrokerView, name: string): boolean {
  const v = broker.props.get(name);
  assert(typeof v === 'boolean', `broker property ${name} is not a boolean`);
  return v;
}
