// Maintenance mode and decommissioning on the controller, as Redpanda's members_table and admin
// handlers answer them (src/v/cluster/members_table.cc apply(maintenance_mode_cmd): one node at a
// time, no-ops for a repeated enable/disable; admin/server.cc: "Maintenance mode may not be used
// on a single node cluster", throw_on_error's texts), and the decommission that sets a target for
// every replica on the node and removes it once empty (membership draining -> removed).

import { describe, expect, test } from 'bun:test';
import {
  decommissionBroker,
  decommissionProgress,
  deleteTopics,
  MetadataImage,
  recommissionBroker,
  registerBroker,
  reportPartitionVoters,
  setMaintenance,
  snapshotRecords,
} from '../../../../src/cluster/controller/index.ts';
import { ErrorCode } from '../../../../src/protocol/errors.ts';
import { cluster, inputs, mustCreate, noSessions, registration } from './harness.ts';

const manual = (name: string, lists: number[][]) => ({ name, numPartitions: -1, replicationFactor: -1, assignments: lists.map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })) });

describe('maintenance mode', () => {
  test('enable writes the flag, a second enable is a no-op, disable clears it', () => {
    const { image } = cluster([1, 2, 3]);
    const on = setMaintenance(image, 2, true);
    expect(on.response).toBeNull();
    expect(on.records).toEqual([{ type: 'broker_maintenance', nodeId: 2, enabled: true }]);
    expect(image.member(2).maintenance).toBe(true);
    expect(image.inMaintenance()).toEqual([2]);
    expect(setMaintenance(image, 2, true).records).toEqual([]);
    const off = setMaintenance(image, 2, false);
    expect(off.records).toEqual([{ type: 'broker_maintenance', nodeId: 2, enabled: false }]);
    expect(image.inMaintenance()).toEqual([]);
    expect(setMaintenance(image, 2, false)).toEqual({ records: [], response: null });
  });

  test('a second node is refused while one is in maintenance (one at a time), nothing written', () => {
    const { image } = cluster([1, 2, 3]);
    setMaintenance(image, 2, true);
    const r = setMaintenance(image, 3, true);
    expect(r.records).toEqual([]);
    expect(r.response?.code).toBe(ErrorCode.INVALID_REQUEST);
    expect(r.response?.message).toStartWith('can not update broker 3 state, invalid state transition requested');
    expect(r.response?.message).toContain('node 2 is already in maintenance mode');
    expect(image.inMaintenance()).toEqual([2]);
  });

  test('an unknown node is not found; a single node cluster is refused', () => {
    const { image } = cluster([1, 2]);
    expect(setMaintenance(image, 7, true).response).toEqual({ code: ErrorCode.BROKER_ID_NOT_REGISTERED, message: 'broker with id 7 not found' });
    const alone = cluster([1]).image;
    expect(setMaintenance(alone, 1, true).response?.message).toBe('Maintenance mode may not be used on a single node cluster');
    expect(alone.member(1).maintenance).toBe(false);
  });

  test('the flag outlives a restart (a new registration) and is in the snapshot', () => {
    const { image } = cluster([1, 2, 3]);
    setMaintenance(image, 2, true);
    registerBroker(image, registration(2, 1), noSessions);
    expect(image.broker(2)?.incarnationId).toBe(registration(2, 1).incarnationId);
    expect(image.member(2).maintenance).toBe(true);
    const copy = new MetadataImage().applyAll(snapshotRecords(image));
    expect(copy.toState()).toEqual(image.toState());
  });
});

describe('decommission', () => {
  test('every replica on the node gets a target replacing it by the least loaded live broker; placement stops choosing it', () => {
    const { image } = cluster([1, 2, 3, 4]);
    mustCreate(image, [manual('t', [[1, 2], [2, 3], [3, 1]])]);
    const t = image.topic('t')!;
    const r = decommissionBroker(image, 2, inputs(), []);
    expect(r.response).toBeNull();
    expect(r.records[0]).toEqual({ type: 'broker_membership', nodeId: 2, state: 'draining' });
    // Node 4 holds nothing: it takes the first; then 4 and 1 and 3 hold 1, 2, 2: 4 again.
    expect(image.partition(t.topicId, 0)).toMatchObject({ replicas: [1, 2], targetReplicas: [1, 4] });
    expect(image.partition(t.topicId, 1)).toMatchObject({ replicas: [2, 3], targetReplicas: [4, 3] });
    expect(image.partition(t.topicId, 2)).toMatchObject({ replicas: [3, 1], targetReplicas: null });
    expect(image.placeableBrokers().map((b) => b.nodeId)).toEqual([1, 3, 4]);
    mustCreate(image, [{ name: 'u', numPartitions: 12, replicationFactor: 3 }]);
    for (const p of image.topic('u')!.partitions) expect(p.replicas).not.toContain(2);
    const progress = decommissionProgress(image, 2);
    expect(progress).toEqual({
      kind: 'progress',
      finished: false,
      replicasLeft: 2,
      moves: [
        { topic: 't', partition: 0, movingTo: 4 },
        { topic: 't', partition: 1, movingTo: 4 },
      ],
    });
  });

  test('the node is removed (unregistered, no longer listed) in the batch of the last voters report', () => {
    const { image } = cluster([1, 2, 3]);
    mustCreate(image, [manual('t', [[1, 2]])]);
    const t = image.topic('t')!;
    decommissionBroker(image, 2, inputs(), []);
    const target = image.partition(t.topicId, 0)!.targetReplicas!;
    expect(target).toEqual([1, 3]);
    const report = reportPartitionVoters(image, { topicId: t.topicId, partition: 0, partitionEpoch: image.partition(t.topicId, 0)!.partitionEpoch, voters: [1, 3] });
    expect(report.records.map((x) => x.type)).toEqual(['partition_change', 'unregister_broker', 'broker_membership']);
    expect(image.broker(2)).toBeUndefined();
    expect(image.brokers().map((b) => b.nodeId)).toEqual([1, 3]);
    expect(image.member(2).membership).toBe('removed');
    expect(decommissionProgress(image, 2)).toEqual({ kind: 'progress', finished: true, replicasLeft: 0, moves: [] });
    // It may not come back under that id.
    const again = registerBroker(image, registration(2, 5), noSessions);
    expect(again.response.errorCode).toBe(ErrorCode.INVALID_REGISTRATION);
    expect(again.records).toEqual([]);
    const copy = new MetadataImage().applyAll(snapshotRecords(image));
    expect(copy.toState()).toEqual(image.toState());
  });

  test('a deletion that takes the last replicas of a draining node removes it in its batch', () => {
    const { image } = cluster([1, 2, 3]);
    mustCreate(image, [manual('t', [[1, 2]])]);
    decommissionBroker(image, 2, inputs(), []);
    const r = deleteTopics(image, { topicNames: ['t'], topics: [], timeoutMs: 1000 }, { ...inputs(), apiVersion: 6 });
    expect(r.records.map((x) => x.type)).toEqual(['remove_topic', 'unregister_broker', 'broker_membership']);
    expect(image.member(2).membership).toBe('removed');
  });

  test('a voter of the controller quorum is refused, nothing written', () => {
    const { image } = cluster([1, 2, 3]);
    const r = decommissionBroker(image, 2, inputs(), [1, 2, 3]);
    expect(r.records).toEqual([]);
    expect(r.response?.message).toStartWith('Node 2 is a voter of the controller quorum (voters 1,2,3): remove it with RemoveRaftVoter');
    expect(image.member(2).membership).toBe('active');
  });

  test('a node holding nothing is removed at once', () => {
    const { image } = cluster([1, 2, 3]);
    const r = decommissionBroker(image, 3, inputs(), []);
    expect(r.records.map((x) => x.type)).toEqual(['broker_membership', 'unregister_broker', 'broker_membership']);
    expect(image.member(3).membership).toBe('removed');
  });

  test('refused with nothing changed when no other broker can take a replica (RF 3 on 3 nodes)', () => {
    const { image } = cluster([1, 2, 3]);
    mustCreate(image, [{ name: 'a', numPartitions: 2, replicationFactor: 1 }, manual('b', [[1, 2, 3]])]);
    const before = image.toState();
    const r = decommissionBroker(image, 2, inputs(), []);
    expect(r.records).toEqual([]);
    expect(r.response?.code).toBe(ErrorCode.INVALID_REQUEST);
    expect(r.response?.message).toContain('Cannot decommission node 2: no other live, active broker can take its replica of b-0');
    expect(image.toState()).toEqual(before);
  });

  test('a fenced broker is no replacement', () => {
    const { image } = cluster([1, 2, 3]);
    mustCreate(image, [manual('t', [[1, 2]])]);
    image.apply({ type: 'broker_registration_change', nodeId: 3, brokerEpoch: image.broker(3)!.brokerEpoch, fenced: true });
    expect(decommissionBroker(image, 2, inputs(), []).response?.message).toContain('no other live, active broker');
  });

  test('recommission while draining: active again, the moves off it cancelled; refused when not draining', () => {
    const { image } = cluster([1, 2, 3]);
    mustCreate(image, [manual('t', [[1, 2]])]);
    const t = image.topic('t')!;
    expect(recommissionBroker(image, 2, inputs()).response?.message).toStartWith('can not update broker 2 state, invalid state transition requested');
    decommissionBroker(image, 2, inputs(), []);
    expect(decommissionBroker(image, 2, inputs(), []).response?.code).toBe(ErrorCode.INVALID_REQUEST);
    const r = recommissionBroker(image, 2, inputs());
    expect(r.response).toBeNull();
    expect(image.member(2).membership).toBe('active');
    // The move was adding 3, which may vote already: it stays listed until the group reports.
    expect(image.partition(t.topicId, 0)).toMatchObject({ replicas: [1, 2, 3], targetReplicas: null });
    expect(decommissionProgress(image, 2)).toEqual({ kind: 'not_decommissioning' });
    expect(decommissionProgress(image, 9)).toEqual({ kind: 'unknown' });
  });
});
