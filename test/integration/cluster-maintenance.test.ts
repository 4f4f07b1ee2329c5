// Maintenance mode and decommissioning on real dist/freshet processes, through the admin API
// with curl (Redpanda's routes: PUT/DELETE /v1/brokers/{id}/maintenance, GET /v1/brokers/{id}'s
// maintenance_status, PUT/GET /v1/brokers/{id}/decommission; src/v/redpanda/admin/api-doc/
// broker.json) and checked with kafkajs' Metadata. One cluster: three seeds (the controller
// quorum's voters) and a fourth node that joins as a learner, all with the admin API.
// - Maintenance on node 2, asked of node 1 (forwarded to the controller): node 2 hands every
//   leadership away, GET shows finished, Metadata shows no partition led by 2, records still go
//   in and come out; a second node is refused (one at a time, Redpanda's rule); DELETE clears it.
// - Decommission: node 1 is refused (a voter of the controller quorum); node 4 under a topic of
//   four replicas is refused with nothing changed (no broker can take its replica); then, with
//   that topic gone, node 4 is decommissioned while an idempotent acks=all producer writes: its
//   replicas move away, the progress reaches finished, Metadata and /v1/brokers no longer list it,
//   and every acknowledged record is read back exactly once (test/chaos's checker).
// - The CLI (`freshet cluster maintenance enable|disable|status`, `decommission`,
//   `decommission-status`) drives the same routes on the live cluster: exit codes and messages.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Kafka, logLevel } from 'kafkajs';
import { checkHistory } from '../chaos/checker.ts';
import { History, recordValue } from '../chaos/history.ts';
import { type ClusterNodeProc, partitionsVia, readUntilAcked, seedsFor, startClusterNode, startClusterNodes, stopAll, waitFor } from '../helpers/cluster.ts';
import { FRESHET_BIN } from '../helpers/broker.ts';
import { kafkaFor, withAdmin } from '../helpers/kafkajs.ts';
import { describeRun, run, type RunResult } from '../helpers/process.ts';
import { curlProxy as curl } from '../helpers/proxy.ts';

const SEED_IDS = [1, 2, 3];
/** Liveness bounds (generous for a loaded machine); never a performance claim. */
const FORM_MS_MAX = 30_000;
const DRAIN_MS_MAX = 30_000;
const MOVE_MS_MAX = 90_000;

const CLI_TIMEOUT_MS = 20_000;

const nodes = new Map<number, ClusterNodeProc>();
const bootstrapOf = (id: number): string => nodes.get(id)!.broker.bootstrap;
const adminOf = (id: number): string => nodes.get(id)!.broker.adminUrl!;

/** `freshet cluster ...` (src/cli/cluster-admin.ts) against node `via`'s admin API; asserts the exit code. */
async function cli(via: number, args: string[], exitCode: number): Promise<RunResult> {
  const r = await run([FRESHET_BIN, 'cluster', ...args, '--admin-url', adminOf(via)], { timeoutMs: CLI_TIMEOUT_MS });
  expect(r.timedOut, describeRun(r)).toBe(false);
  expect(r.exitCode, describeRun(r)).toBe(exitCode);
  return r;
}

interface BrokerJson {
  node_id: number;
  membership_status: string;
  maintenance_status: { draining: boolean; finished: boolean; errors: boolean; partitions: number; eligible: number; transferring: number; failed: number };
}

beforeAll(async () => {
  const s = await seedsFor(SEED_IDS);
  for (const n of await startClusterNodes(SEED_IDS, s.ports, s.seeds, [], { admin: true })) nodes.set(n.id, n);
  const joiner = await seedsFor([4]);
  nodes.set(4, await startClusterNode(4, joiner.ports.get(4)!, s.seeds, [], { admin: true }));
  await waitFor(async () => {
    const r = await curl(adminOf(1), 'GET', '/v1/brokers');
    return r.status === 200 && (r.body as BrokerJson[]).length === 4 ? true : null;
  }, FORM_MS_MAX, 'four registered brokers');
}, 90_000);

afterAll(async () => {
  await stopAll([...nodes.values()]);
});

describe('maintenance mode', () => {
  const topic = 'drained';
  const count = 4;

  test('node 2 in maintenance hands every leadership away; produce and consume go on; a second node is refused; DELETE clears it', async () => {
    await withAdmin(bootstrapOf(1), async (admin) => {
      const replicaAssignment = [[2, 1, 3], [2, 3, 1], [1, 2, 3], [3, 2, 1]].map((replicas, partition) => ({ partition, replicas }));
      expect(await admin.createTopics({ topics: [{ topic, replicaAssignment }], waitForLeaders: true })).toBe(true);
    });
    // Node 2 leads every partition first (the admin API's transfer_leadership on each leader).
    await waitFor(async () => {
      const ps = await partitionsVia(bootstrapOf(1), topic, count);
      if (ps === null || ps.some((p) => p.isr.length < 3)) return null;
      for (const p of ps.filter((x) => x.leader !== 2)) await curl(adminOf(p.leader), 'POST', `/v1/partitions/kafka/${topic}/${p.partitionId}/transfer_leadership?target=2`);
      return ps.every((p) => p.leader === 2) ? true : null;
    }, DRAIN_MS_MAX, `node 2 leading every partition of ${topic}`);

    expect(await curl(adminOf(1), 'PUT', '/v1/brokers/2/maintenance')).toMatchObject({ status: 200, body: {} });
    // Redpanda's members_table: one node in maintenance at a time.
    const second = await curl(adminOf(3), 'PUT', '/v1/brokers/3/maintenance');
    expect(second.status).toBe(400);
    expect((second.body as { message: string }).message).toStartWith('can not update broker 3 state, invalid state transition requested');
    const unknown = await curl(adminOf(3), 'PUT', '/v1/brokers/9/maintenance');
    expect(unknown).toMatchObject({ status: 404, body: { message: 'broker with id 9 not found', code: 404 } });

    const status = await waitFor(async () => {
      const r = await curl(adminOf(3), 'GET', '/v1/brokers/2');
      const m = (r.body as BrokerJson).maintenance_status;
      return m.draining && m.finished ? m : null;
    }, DRAIN_MS_MAX, 'node 2 drained (maintenance_status.finished)');
    expect(status).toMatchObject({ draining: true, finished: true, errors: false, eligible: 0, failed: 0 });
    expect(status.partitions).toBeGreaterThanOrEqual(count);
    expect((await curl(adminOf(2), 'GET', '/v1/maintenance')).body).toMatchObject({ draining: true, finished: true });
    const ps = await waitFor(async () => {
      const x = await partitionsVia(bootstrapOf(3), topic, count);
      return x !== null && x.every((p) => p.leader !== 2) ? x : null;
    }, DRAIN_MS_MAX, 'Metadata showing no partition led by node 2');
    expect(ps.map((p) => p.leader)).not.toContain(2);
    // It stays drained: a check a little later still finds no partition led by node 2.
    await Bun.sleep(1_500);
    expect((await partitionsVia(bootstrapOf(1), topic, count))!.map((p) => p.leader)).not.toContain(2);

    const producer = kafkaFor(bootstrapOf(2)).producer();
    await producer.connect();
    const sent = Array.from({ length: 8 }, (_, i) => `during-maintenance-${i}`);
    await producer.send({ topic, acks: -1, messages: sent.map((value, i) => ({ partition: i % count, value })) });
    await producer.disconnect();
    const got: string[] = [];
    const consumer = kafkaFor(bootstrapOf(2)).consumer({ groupId: 'maintenance-reader' });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    await waitFor(async () => (got.length >= sent.length ? true : null), DRAIN_MS_MAX, 'the records produced during maintenance consumed');
    await consumer.disconnect();
    expect(got.sort()).toEqual(sent.toSorted());

    // Cluster metadata: every node sees the flag, and it outlives node 2's restart (the node
    // comes back in maintenance and leads nothing, though it is the preferred replica of two).
    for (const id of [1, 2, 3, 4]) expect(((await curl(adminOf(id), 'GET', '/v1/brokers/2')).body as BrokerJson).maintenance_status.draining).toBe(true);
    await nodes.get(2)!.broker.restart();
    await waitFor(async () => {
      const r = await curl(adminOf(2), 'GET', '/v1/brokers/2');
      const m = r.status === 200 ? (r.body as BrokerJson).maintenance_status : null;
      return m?.draining && m.finished ? true : null;
    }, DRAIN_MS_MAX, 'node 2 back from its restart, still in maintenance and drained');
    await waitFor(async () => {
      const x = await partitionsVia(bootstrapOf(2), topic, count);
      return x !== null && x.every((p) => p.leader !== 2 && p.isr.length === 3) ? true : null;
    }, DRAIN_MS_MAX, 'no partition led by node 2 after its restart, every replica in sync');

    expect(await curl(adminOf(3), 'DELETE', '/v1/brokers/2/maintenance')).toMatchObject({ status: 200, body: {} });
    await waitFor(async () => {
      const r = await curl(adminOf(2), 'GET', '/v1/brokers/2');
      return (r.body as BrokerJson).maintenance_status.draining === false ? true : null;
    }, FORM_MS_MAX, 'maintenance off on node 2');
    // Now another node may enter maintenance, this time through the CLI; curl sees the flag.
    await cli(1, ['maintenance', 'enable', '3'], 0);
    await waitFor(async () => ((await curl(adminOf(2), 'GET', '/v1/brokers/3')).body as BrokerJson).maintenance_status.draining ? true : null, FORM_MS_MAX, 'node 3 in maintenance');
    const listed = JSON.parse((await cli(2, ['maintenance', 'status', '--format', 'json'], 0)).stdout) as Array<{ nodeId: number; maintenanceStatus: { draining: boolean } | null }>;
    expect(listed.filter((b) => b.maintenanceStatus?.draining).map((b) => b.nodeId)).toEqual([3]);
    // A second node is refused by the controller; the CLI prints its reason and exits 1.
    expect((await cli(1, ['maintenance', 'enable', '2'], 1)).stderr).toContain('invalid state transition');
    await cli(1, ['maintenance', 'disable', '3'], 0);
    await waitFor(async () => (((await curl(adminOf(2), 'GET', '/v1/brokers/3')).body as BrokerJson).maintenance_status.draining ? null : true), FORM_MS_MAX, 'node 3 out of maintenance');
  }, 120_000);
});

describe('decommission', () => {
  test('a voter of the controller quorum and a decommission no broker can take are refused, nothing changed', async () => {
    const voter = await curl(adminOf(2), 'PUT', '/v1/brokers/1/decommission');
    expect(voter.status).toBe(400);
    expect((voter.body as { message: string }).message).toContain('voter of the controller quorum');
    expect((await cli(3, ['decommission', '1'], 1)).stderr).toContain('voter of the controller quorum');

    // Leaders are awaited here rather than by kafkajs' waitForLeaders, whose few metadata retries
    // (~350 ms) an election on four nodes outlasted once in CI.
    await withAdmin(bootstrapOf(1), async (admin) => {
      expect(await admin.createTopics({ topics: [{ topic: 'everywhere', replicaAssignment: [{ partition: 0, replicas: [1, 2, 3, 4] }] }], waitForLeaders: false })).toBe(true);
    });
    await waitFor(async () => ((await partitionsVia(bootstrapOf(1), 'everywhere', 1)) !== null ? true : null), FORM_MS_MAX, 'everywhere-0 led');
    const impossible = await curl(adminOf(2), 'PUT', '/v1/brokers/4/decommission');
    expect(impossible.status).toBe(400);
    expect((impossible.body as { message: string }).message).toContain('Cannot decommission node 4: no other live, active broker can take its replica of everywhere-0');
    expect((await curl(adminOf(1), 'GET', '/v1/brokers/4')).body).toMatchObject({ node_id: 4, membership_status: 'active' });
    expect(await curl(adminOf(1), 'GET', '/v1/brokers/4/decommission')).toMatchObject({ status: 400, body: { message: 'Node 4 is not decommissioning' } });
    await withAdmin(bootstrapOf(1), (admin) => admin.deleteTopics({ topics: ['everywhere'] }));
  }, 60_000);

  test('node 4 decommissioned under idempotent acks=all writes: its replicas move, it is removed, every acknowledged record is read once', async () => {
    const topic = 'leaving';
    const count = 3;
    await withAdmin(bootstrapOf(1), async (admin) => {
      const replicaAssignment = [[4, 1], [2, 4], [4, 3]].map((replicas, partition) => ({ partition, replicas }));
      expect(await admin.createTopics({ topics: [{ topic, replicaAssignment }], waitForLeaders: true })).toBe(true);
    });
    await waitFor(async () => {
      const ps = await partitionsVia(bootstrapOf(1), topic, count);
      return ps !== null && ps.every((p) => p.isr.length === 2) ? true : null;
    }, FORM_MS_MAX, `${topic}'s replicas in sync`);

    const kafka = new Kafka({ clientId: 'leaver', brokers: [bootstrapOf(1)], logLevel: logLevel.NOTHING, connectionTimeout: 1_000, requestTimeout: 5_000, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 500 } });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const history = new History();
    const acked: string[] = [];
    let seq = 0;
    let producing = true;
    const writing = (async () => {
      while (producing) {
        const s = seq++;
        const partition = s % count;
        const value = recordValue('leaver', s);
        history.record({ kind: 'send', producer: 'leaver', seq: s, topic, partition, value });
        try {
          const [meta] = await producer.send({ topic, acks: -1, messages: [{ partition, value }] });
          history.record({ kind: 'ack', producer: 'leaver', seq: s, topic, partition, offset: Number(meta.baseOffset) });
          acked.push(value);
        } catch (e) {
          history.record({ kind: 'send_failed', producer: 'leaver', seq: s, error: String(e) });
        }
      }
    })();
    await waitFor(async () => (acked.length >= 20 ? true : null), FORM_MS_MAX, '20 records acknowledged before the decommission');

    expect(await curl(adminOf(3), 'PUT', '/v1/brokers/4/decommission')).toMatchObject({ status: 200, body: {} });
    const draining = await curl(adminOf(1), 'GET', '/v1/brokers/4/decommission');
    expect(draining.status).toBe(200);
    expect(draining.body).toMatchObject({ allocation_failures: [] });
    const progress = await waitFor(async () => {
      const r = await curl(adminOf(1), 'GET', '/v1/brokers/4/decommission');
      return r.status === 200 && (r.body as { finished: boolean }).finished ? r.body : null;
    }, MOVE_MS_MAX, 'decommission of node 4 finished');
    expect(progress).toMatchObject({ finished: true, replicas_left: 0 });
    expect((await cli(2, ['decommission-status', '4'], 0)).stdout).toBe('node 4: decommissioned, 0 replicas left\n');
    const ackedAtRemoval = acked.length;
    await waitFor(async () => (acked.length >= ackedAtRemoval + 20 ? true : null), FORM_MS_MAX, '20 more records acknowledged after the removal');
    producing = false;
    await writing;
    await producer.disconnect();

    // No longer listed: Metadata (kafkajs) and /v1/brokers; no replica of the topic on node 4.
    const brokers = await withAdmin(bootstrapOf(2), async (admin) => (await admin.describeCluster()).brokers.map((b) => b.nodeId).sort());
    expect(brokers).toEqual(SEED_IDS);
    expect(((await curl(adminOf(2), 'GET', '/v1/brokers')).body as BrokerJson[]).map((b) => b.node_id).sort()).toEqual(SEED_IDS);
    expect((await curl(adminOf(2), 'GET', '/v1/brokers/4')).status).toBe(404);
    const ps = await waitFor(async () => {
      const x = await partitionsVia(bootstrapOf(2), topic, count);
      return x !== null && x.every((p) => !p.replicas.includes(4) && p.isr.length === 2) ? x : null;
    }, MOVE_MS_MAX, `${topic} without node 4, in sync`);
    for (const p of ps) expect(p.replicas).toHaveLength(2);
    console.log(`decommission: ${acked.length} records acknowledged (${acked.length - ackedAtRemoval} after the removal); replicas now ${ps.map((p) => p.replicas.join(',')).join(' ')}`);

    const fullRead = await readUntilAcked(bootstrapOf(2), topic, 'decommission-audit', acked, MOVE_MS_MAX);
    const report = checkHistory(history, fullRead);
    expect(report.violations).toEqual([]);
    expect(report.acked).toBe(acked.length);
    const values = fullRead.map((r) => r.value);
    expect(new Set(values).size).toBe(values.length);
  }, 240_000);
});
