// Kafka clients of the cluster simulation, speaking the Kafka protocol to the real brokers over
// the simulated network, on a topic of replication factor 3 created through the controller as
// the admin clients create theirs (1 to 3 partitions, from the seed):
//
// - producers (2, each its own client process): InitProducerId through a node (the ids come
//   in blocks from the controller, KIP-730: two producers given one id is a failure), then
//   idempotent acks=all batches (../idempotent-producers.ts, the partition simulation's rules)
//   in Produce requests to the leader Metadata names; on NOT_LEADER_OR_FOLLOWER to the leader
//   the answer names (KIP-951), on a lost connection or a timeout again after a Metadata refresh;
// - a consumer: Fetch from the leader with the leader epoch it learned (KIP-320), up to the high
//   watermark; FENCED/UNKNOWN_LEADER_EPOCH and NOT_LEADER_OR_FOLLOWER make it ask Metadata again;
//   now and then it commits its position and reads its group's offsets back (kafka-group.ts).
//
// The checker is the partition simulation's (../partitions/checker.ts), fed after every step
// (replica-view.ts) with what each live replica holds below its high watermark (divergence, a record committed
// twice or out of its producer's sequence, an acknowledged record or one a consumer read then
// gone), with every acknowledgement and every read, and with the high watermark the consumer
// sees at each leader epoch (it never goes back). At the end the consumer reads every
// partition in full through the brokers, and every acknowledged record must be there once,
// at its offset.

import { ErrorCode } from '../../../src/protocol/errors.ts';
import { Fetch, InitProducerId, Produce } from '../../../src/protocol/messages/index.ts';
import { BatchHeader, BATCH_HEADER_BYTES } from '../../../src/protocol/records/batch.ts';
import { CREATE_TOPICS } from '../../../src/cluster/quorum/controller-ops.ts';
import { InvariantViolation } from '../raft-core/checker.ts';
import { PartitionChecker } from '../partitions/checker.ts';
import { recordsOf } from '../partitions/clients.ts';
import { type Attempt, IdempotentProducers, type ProduceAnswer } from '../idempotent-producers.ts';
import type { ClusterSim } from './cluster-sim.ts';
import { KAFKA_PORT } from './sim-cluster-node.ts';
import { ReplicaView } from './replica-view.ts';
import { ClientProcess, CLIENT_REQUEST_TIMEOUT_MS } from './kafka-routes.ts';
import { GroupOffsets } from './kafka-group.ts';

export const CLIENT_TOPIC = 'orders';
const REPLICATION_FACTOR = 3;
const PRODUCERS = 2;
/** The broker waits this long for an acks=all commit before REQUEST_TIMED_OUT. */
const PRODUCE_TIMEOUT_MS = 1_000;
/** The producer gives an attempt up after this long (request.timeout.ms), and sends it again. */
const PRODUCER_REQUEST_TIMEOUT_MS = CLIENT_REQUEST_TIMEOUT_MS + 500;
/** Between two tries of a topic creation or an InitProducerId that found no controller or no ids. */
const SETUP_RETRY_MS = 100;
const FETCH_MAX_WAIT_MS = 50;
/** Bytes a checker read of one replica's committed log, or a final Fetch, asks for at once. */
const READ_BYTES = 64 * 1024;
/** After the cluster converged: a partition group still electing (timeouts up to 2 s) and its followers catching up. */
const PARTITIONS_CONVERGE_MS_MAX = 5_000;
/** A commit or fetch of group offsets still on its way at the end: the coordinator's retries (10 x 100 ms) and a request timeout, with a margin. */
const GROUP_SETTLE_MS_MAX = 5_000;

export interface KafkaClientStats {
  producedRecords: number;
  produceRequests: number;
  produceRetries: number;
  consumedRecords: number;
  fetches: number;
  fencedFetches: number;
}

export class KafkaClients {
  readonly checker = new PartitionChecker();
  readonly stats: KafkaClientStats = { producedRecords: 0, produceRequests: 0, produceRetries: 0, consumedRecords: 0, fetches: 0, fencedFetches: 0 };
  /** Partitions of the topic, once created. */
  partitions = 0;
  private producing = false;
  private window = 1;
  private running = false;
  private readonly processes: ClientProcess[] = [];
  private readonly producers: IdempotentProducers;
  private readonly consumer: ClientProcess;
  /** What the replicas of the topic hold, for the checker. */
  private readonly replicas: ReplicaView;
  /** The consumer's committed offsets (kafka-group.ts). */
  readonly group: GroupOffsets;
  private readonly position = new Map<number, number>();
  /** The leader epoch the consumer fetches each partition with. */
  private readonly epochs = new Map<number, number>();
  private fetching = false;
  private readonly producerProcess: ClientProcess[] = [];

  constructor(private readonly sim: ClusterSim) {
    const bootstrap = Array.from({ length: sim.options.voters }, (_, i) => `${sim.node(i + 1).host}:${KAFKA_PORT}`);
    for (let i = 1; i <= PRODUCERS; i++) this.producerProcess.push(new ClientProcess(sim.world, `producer${i}`, bootstrap, CLIENT_TOPIC));
    this.consumer = new ClientProcess(sim.world, 'consumer', bootstrap, CLIENT_TOPIC);
    this.group = new GroupOffsets(sim, this.consumer, CLIENT_TOPIC);
    this.replicas = new ReplicaView(sim, this.checker, CLIENT_TOPIC);
    this.processes.push(...this.producerProcess, this.consumer);
    // Each producer process sends its own batches, through its own connections.
    this.producers = new IdempotentProducers({
      prng: sim.prng,
      checker: this.checker,
      // max.in.flight.requests.per.connection: 1 or 5 (Kafka's most with idempotence), drawn
      // when the clients start, so that formation's draws stay as they were without clients.
      window: () => this.window,
      requestTimeoutMs: PRODUCER_REQUEST_TIMEOUT_MS,
      report: (e) => sim.fail(e),
      observe: () => this.observe(),
      nowMs: () => sim.nowMs,
      trace: sim.options.trace === undefined ? null : (line) => sim.trace(line),
      transport: {
        send: (producerId, partition, bytes, hint) => this.send(this.processOf.get(producerId)!, partition, bytes, hint),
        stale: (producerId, partition) => this.processOf.get(producerId)!.stale(partition),
      },
    });
  }

  /** Creates the topic, gets the producers their ids, then produces and consumes until `stopProducing`. */
  start(): void {
    this.running = true;
    this.producing = true;
    this.window = this.sim.prng.pick([1, 5]);
    this.createTopic();
  }

  /** No new batches from now on; the producers still finish what they have. */
  stopProducing(): void {
    this.producing = false;
  }

  /** The topic made (a run must get that far) and every batch acknowledged. */
  get settled(): boolean {
    return this.partitions > 0 && this.producers.pending === 0;
  }

  // ---- the topic and the producers' ids ----

  private createTopic(): void {
    if (!this.running) return;
    const nodes = this.sim.live().filter((n) => n.cluster !== null);
    const count = this.sim.prng.int(1, 3);
    const retry = () => this.sim.world.scheduler.after(SETUP_RETRY_MS, () => this.createTopic());
    if (nodes.length === 0) return void retry();
    const n = this.sim.prng.pick(nodes);
    const life = n.incarnation;
    const req = { topics: [{ name: CLIENT_TOPIC, numPartitions: count, replicationFactor: REPLICATION_FACTOR, assignments: [], configs: [] }], timeoutMs: 0, validateOnly: false };
    void n.cluster!.channel.call(CREATE_TOPICS, req, 7).then((a) => {
      const code = a.topics![0].errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
      // Made by an earlier try whose answer was lost: the node that says so has applied it.
      if (n.incarnation !== life || (code !== ErrorCode.NONE && code !== ErrorCode.TOPIC_ALREADY_EXISTS)) return void retry();
      const t = n.stateMachine!.image.topic(CLIENT_TOPIC);
      if (t === undefined) return void this.sim.fail(new InvariantViolation(`n${n.id} answered topic ${CLIENT_TOPIC} created before applying it`));
      if (t.partitions.some((p) => p.replicas.length !== REPLICATION_FACTOR)) return void this.sim.fail(new InvariantViolation(`topic ${CLIENT_TOPIC} placed with ${JSON.stringify(t.partitions.map((p) => p.replicas))}, not ${REPLICATION_FACTOR} replicas each`));
      this.partitions = t.partitions.length;
      this.sim.trace(`clients: topic ${CLIENT_TOPIC} made, ${this.partitions} partitions on ${t.partitions.map((p) => p.replicas.join(',')).join(' ')}; producers with ${this.window} in flight`);
      this.producerProcess.forEach((p) => this.initProducer(p));
      this.every([10, 40], () => this.fetch());
    });
  }

  private initProducer(p: ClientProcess): void {
    if (!this.running) return;
    const retry = () => this.sim.world.scheduler.after(SETUP_RETRY_MS, () => this.initProducer(p));
    p.client
      .any()
      .then((conn) => conn.request(InitProducerId, { transactionalId: null, transactionTimeoutMs: 60_000 }))
      .then(
        (r) => {
          if (r.errorCode !== ErrorCode.NONE) return void retry();
          const id = Number(r.producerId);
          const other = this.processOf.get(id);
          if (other !== undefined) return void this.sim.fail(new InvariantViolation(`producer id ${id} given to ${other.host} and to ${p.host}`));
          this.processOf.set(id, p);
          this.sim.trace(`clients: ${p.host} is producer ${id}`);
          this.every([20, 60], () => {
            if (this.producing || this.producers.pending > 0) this.producers.act(id, this.sim.prng.int(0, this.partitions - 1), this.producing);
          });
        },
        () => retry(),
      );
  }

  /** Each producer's process, by producer id. */
  private readonly processOf = new Map<number, ClientProcess>();

  // ---- Produce ----

  private send(p: ClientProcess, partition: number, bytes: Uint8Array, hint: number | undefined): Attempt | null {
    const leader = hint ?? p.route(partition)?.leaderId;
    if (leader === undefined) return null;
    this.stats.produceRequests++;
    const answer = p
      .node(leader)
      .then((conn) =>
        conn.request(
          Produce,
          { transactionalId: null, acks: -1, timeoutMs: PRODUCE_TIMEOUT_MS, topicData: [{ name: CLIENT_TOPIC, partitionData: [{ index: partition, records: bytes }] }] },
          { timeoutMs: PRODUCE_TIMEOUT_MS + CLIENT_REQUEST_TIMEOUT_MS },
        ),
      )
      .then(
        (res): ProduceAnswer => {
          const r = res.responses[0].partitionResponses[0];
          if (r.errorCode === ErrorCode.NONE) return { ok: true, baseOffset: Number(r.baseOffset) };
          if (r.currentLeader !== undefined && r.currentLeader.leaderId >= 0) p.learned(partition, r.currentLeader.leaderId, r.currentLeader.leaderEpoch);
          return { ok: false, code: r.errorCode, message: r.errorMessage ?? '', leaderId: r.currentLeader?.leaderId ?? -1 };
        },
        // No answer (the connection closed, the node is down or cut off, a timeout): send again.
        (e): ProduceAnswer => ({ ok: false, code: ErrorCode.NETWORK_EXCEPTION, message: e instanceof Error ? e.message : String(e), leaderId: -1 }),
      );
    return { node: leader, lost: () => false, answer };
  }

  // ---- Fetch ----

  /** One Fetch of one partition (one at a time), from the leader the consumer knows, with its epoch. */
  private fetch(): void {
    if (this.fetching || this.partitions === 0) return;
    const partition = this.sim.prng.int(0, this.partitions - 1);
    const route = this.consumer.route(partition);
    if (route === undefined) return;
    const from = this.position.get(partition) ?? 0;
    // The epoch the consumer last fetched at (KIP-320), taken from Metadata now and then, so
    // that after a failover it is sometimes stale (FENCED_LEADER_EPOCH); sometimes none (-1:
    // not checked), as an old client sends.
    if (!this.epochs.has(partition) || this.sim.prng.chance(0.2)) this.epochs.set(partition, route.leaderEpoch);
    const epoch = this.sim.prng.chance(0.1) ? -1 : this.epochs.get(partition)!;
    this.fetching = true;
    this.stats.fetches++;
    this.readFrom(route.leaderId, partition, from, epoch, this.sim.prng.pick([200, 4096])).then(
      (r) => {
        this.fetching = false;
        if (r === null) return this.consumer.stale(partition);
        if (r.errorCode === ErrorCode.FENCED_LEADER_EPOCH || r.errorCode === ErrorCode.UNKNOWN_LEADER_EPOCH || r.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) {
          if (r.errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER) {
            this.stats.fencedFetches++;
            this.epochs.delete(partition);
          }
          if (r.currentLeader !== undefined && r.currentLeader.leaderId >= 0) this.consumer.learned(partition, r.currentLeader.leaderId, r.currentLeader.leaderEpoch);
          else this.consumer.stale(partition);
          return;
        }
        // The leader of the epoch the consumer named (or of a later one) holds every committed
        // record (Leader Completeness), so the position, a high watermark some leader of this
        // or an earlier epoch answered, is in its log. Without an epoch the node may be a
        // deposed leader with a shorter log (Kafka's client would validate the position with
        // OffsetForLeaderEpoch).
        if (r.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE && epoch >= 0) return void this.sim.fail(new InvariantViolation(`n${route.leaderId}, leader at epoch ${epoch}, answered OFFSET_OUT_OF_RANGE to the consumer's position ${from} in partition ${partition}`));
        if (r.errorCode !== ErrorCode.NONE) return this.consumer.stale(partition);
        try {
          this.consumed(route.leaderId, partition, from, epoch, r.highWatermark, r.records);
        } catch (e) {
          this.sim.fail(e as Error);
        }
      },
      (e) => {
        this.fetching = false;
        this.sim.fail(e as Error);
      },
    );
  }

  private consumed(leaderId: number, partition: number, from: number, epoch: number, highWatermark: number, bytes: Uint8Array | null): void {
    // An answer at a leader epoch the consumer named comes from that epoch's one leader.
    if (epoch >= 0) this.checker.leaderHighWatermark(partition, leaderId, 0, epoch, highWatermark);
    const whole = wholeBatches(bytes);
    const records = recordsOf(whole.bytes).filter((s) => s.offset >= from);
    for (const r of records) {
      if (r.offset >= highWatermark) throw new InvariantViolation(`n${leaderId} served offset ${r.offset} of partition ${partition} past the high watermark ${highWatermark} it answered`);
    }
    this.observe();
    this.checker.consumed(partition, `n${leaderId}`, records);
    this.stats.consumedRecords += records.length;
    if (whole.nextOffset > from) this.position.set(partition, whole.nextOffset);
    // Now and then the consumer commits its position and reads the group's offsets back.
    if (this.sim.prng.chance(0.2)) this.group.commit(partition, this.position.get(partition) ?? 0);
    if (this.sim.prng.chance(0.05)) void this.group.fetch(this.partitions);
  }

  /** A Fetch of one partition from `leaderId`; null when no answer came (connection, timeout). */
  private async readFrom(leaderId: number, partition: number, from: number, epoch: number, maxBytes: number) {
    try {
      const conn = await this.consumer.node(leaderId);
      const res = await conn.request(
        Fetch,
        {
          replicaId: -1,
          maxWaitMs: FETCH_MAX_WAIT_MS,
          minBytes: 1,
          maxBytes: READ_BYTES,
          isolationLevel: 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [{ topic: CLIENT_TOPIC, partitions: [{ partition, currentLeaderEpoch: epoch, fetchOffset: from, partitionMaxBytes: maxBytes }] }],
        },
        { timeoutMs: FETCH_MAX_WAIT_MS + CLIENT_REQUEST_TIMEOUT_MS },
      );
      if (res.errorCode !== ErrorCode.NONE) return null;
      const p = res.responses[0]?.partitions[0];
      if (p === undefined) return null;
      return { errorCode: p.errorCode, highWatermark: Number(p.highWatermark), records: p.records ?? null, currentLeader: p.currentLeader };
    } catch {
      return null;
    }
  }

  // ---- the end ----

  /**
   * After convergence: the consumer reads every partition in full through its leader's broker
   * (Fetch from offset 0 to the high watermark), the checker takes that as the committed log,
   * and every acknowledged record, and every record read, must be in it at its offset.
   */
  async finalCheck(): Promise<void> {
    this.running = false;
    await this.sim.until(() => this.replicas.converged(this.partitions) === null, PARTITIONS_CONVERGE_MS_MAX, `every partition of ${CLIENT_TOPIC} converging`);
    for (let p = 0; p < this.partitions; p++) {
      const leader = this.replicas.leaderOf(p)!;
      let from = 0;
      let end = -1;
      while (end < 0 || from < end) {
        const r = await this.sim.world.loop.run(this.readFrom(leader.id, p, from, -1, READ_BYTES), 5_000, 'the final Fetch');
        if (r === null || r.errorCode !== ErrorCode.NONE) throw new InvariantViolation(`the final Fetch of partition ${p} at ${from} from n${leader.id}: ${r === null ? 'no answer' : `error ${r.errorCode}`}`);
        end = r.highWatermark;
        const whole = wholeBatches(r.records);
        this.checker.committed(p, `the final read from n${leader.id}`, recordsOf(whole.bytes).filter((s) => s.offset >= from));
        if (whole.nextOffset <= from && from < end) throw new InvariantViolation(`the final Fetch of partition ${p} at ${from} from n${leader.id} made no progress (high watermark ${end})`);
        from = Math.max(from, whole.nextOffset);
      }
      this.checker.finalCheck(p, end);
      this.sim.trace(`clients: partition ${p} read in full through n${leader.id}: ${end} offsets`);
    }
    await this.sim.until(() => this.group.settled, GROUP_SETTLE_MS_MAX, 'the group offsets\' last commit answered');
    await this.group.finalCheck(this.partitions);
    this.stats.producedRecords = this.checker.acknowledgedRecords;
    this.stats.produceRetries = this.producers.retries;
    const errors = [...this.producers.errors].map(([code, n]) => `${code}x${n}`).join(' ');
    this.sim.trace(`clients: ${this.stats.producedRecords} records acknowledged, ${this.stats.produceRequests} Produce requests (${this.producers.retries} retries; errors by code ${errors || 'none'}), ${this.stats.fetches} fetches (${this.stats.fencedFetches} fenced), ${this.stats.consumedRecords} records read`);
    for (const c of this.processes) await this.sim.world.loop.run(c.close(), 5_000, 'client close');
  }

  /** After every step and before an acknowledgement or a read is judged: what every live replica holds. */
  observe(): void {
    this.replicas.observe(this.partitions);
  }

  private every(ms: readonly [number, number], fn: () => void): void {
    const next = (): void => {
      if (!this.running) return;
      fn();
      this.sim.world.scheduler.after(this.sim.prng.int(ms[0], ms[1]), next);
    };
    next();
  }
}

/** The whole batches at the start of a Fetch answer's records (the last may be cut by the size limit), and the offset after them. */
function wholeBatches(bytes: Uint8Array | null): { bytes: Uint8Array; nextOffset: number } {
  let pos = 0;
  let nextOffset = -1;
  while (bytes !== null && bytes.length - pos >= BATCH_HEADER_BYTES) {
    const h = new BatchHeader(bytes, pos);
    if (pos + h.sizeBytes > bytes.length) break;
    nextOffset = h.baseOffset + h.lastOffsetDelta + 1;
    pos += h.sizeBytes;
  }
  return { bytes: bytes === null ? new Uint8Array(0) : bytes.subarray(0, pos), nextOffset };
}
