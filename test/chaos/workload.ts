// The client workload of a chaos run, with clients we did not write (kafkajs): an idempotent
// producer with acks=all, a consumer group that commits after every batch, and an observer that
// reads the group's committed offsets; all of it recorded into the run's History. After the run,
// readAll() reads every partition from the start to its high watermark with a fresh consumer.
//
// A send that fails is recorded as failed (outcome unknown) and its producer is replaced by a
// new one (a new producer id): kafkajs keeps the failed batch's sequence numbers for the next
// batch, so a batch that did reach the log would make the broker deduplicate the NEXT one as its
// retry (KIP-98 sequence rules); the Java producer bumps its epoch instead (KIP-360).

import { type Admin, type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import { expectSuccess, kcat, parseJsonLines } from '../helpers/process.ts';
import { type History, type ReadRecord, recordValue } from './history.ts';

export interface WorkloadParams {
  readonly bootstrap: readonly string[];
  readonly topic: string;
  readonly partitions: number;
  readonly group: string;
  /** Records per send (spread over the partitions). */
  readonly recordsPerSend: number;
  /** Pause between sends: bounds the history's size in long runs. */
  readonly sendPauseMs: number;
  /** Pause between two reads of the committed offsets. */
  readonly observePauseMs: number;
}

export interface WorkloadCounts {
  producers: number;
  consumerCrashes: number;
  /** Consumers kafkajs gave up on (crash without restart), replaced by a new one. */
  consumersReplaced: number;
  observeErrors: number;
}

/** The longest pause between attempts to start a replacement consumer. */
const CONSUMER_RESTART_MS_MAX = 2_000;
const CAUGHT_UP_POLL_MS = 50;

/** The bounded waits of a full read (liveness only; a healthy node answers in well under this). */
export const FULL_READ_MS_MAX = 60_000;

export function kafkaClient(bootstrap: readonly string[], clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: [...bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 10_000,
    // Enough retries to ride out a restart or a pause of a few seconds (100 ms doubling to 1 s).
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
}

export class Workload {
  readonly counts: WorkloadCounts = { producers: 0, consumerCrashes: 0, consumersReplaced: 0, observeErrors: 0 };
  private running = true;
  private producing = true;
  private producer: Promise<void> = Promise.resolve();
  private replacing: Promise<void> = Promise.resolve();
  private readonly loops: Promise<void>[] = [];
  private consumer: Consumer | null = null;
  private readonly kafka: Kafka;

  constructor(
    private readonly p: WorkloadParams,
    private readonly history: History,
  ) {
    this.kafka = kafkaClient(p.bootstrap, 'chaos-workload');
  }

  async start(): Promise<void> {
    await this.startConsumer();
    this.producer = this.produceLoop();
    this.loops.push(this.producer, this.observeLoop());
  }

  /** Stops sending and consuming; resolves once every client is disconnected. */
  async stop(): Promise<void> {
    this.producing = false;
    this.running = false;
    await Promise.all([...this.loops, this.replacing]);
    await this.consumer?.disconnect().catch(() => {});
  }

  private async produceLoop(): Promise<void> {
    let seq = 0;
    while (this.producing) {
      const name = `p${++this.counts.producers}`;
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      try {
        await producer.connect();
        while (this.producing) {
          seq = await this.sendOnce(producer, name, seq);
          await Bun.sleep(this.p.sendPauseMs);
        }
      } catch {
        await Bun.sleep(this.p.sendPauseMs); // this producer is done: the next one gets a new producer id
      } finally {
        await producer.disconnect().catch(() => {});
      }
    }
  }

  /** One acks=all send of `recordsPerSend` records; throws (after recording them failed) when it fails. */
  private async sendOnce(producer: Producer, name: string, firstSeq: number): Promise<number> {
    const { topic, partitions, recordsPerSend } = this.p;
    const batch = Array.from({ length: recordsPerSend }, (_, i) => ({ seq: firstSeq + i, partition: (firstSeq + i) % partitions }));
    for (const r of batch) this.history.record({ kind: 'send', producer: name, seq: r.seq, topic, partition: r.partition, value: recordValue(name, r.seq) });
    try {
      const meta = await producer.send({ topic, acks: -1, messages: batch.map((r) => ({ partition: r.partition, value: recordValue(name, r.seq) })) });
      // kafkajs sends one batch per partition, in the order given: the records of a partition
      // take the offsets from its batch's baseOffset on.
      const next = new Map(meta.map((m) => [m.partition, Number(m.baseOffset)]));
      for (const r of batch) {
        const offset = next.get(r.partition);
        if (offset === undefined) throw new Error(`kafkajs answered no offset for partition ${r.partition}`);
        next.set(r.partition, offset + 1);
        this.history.record({ kind: 'ack', producer: name, seq: r.seq, topic, partition: r.partition, offset });
      }
    } catch (e) {
      for (const r of batch) this.history.record({ kind: 'send_failed', producer: name, seq: r.seq, error: String(e) });
      throw e;
    }
    return firstSeq + recordsPerSend;
  }

  private async replaceConsumer(dead: Consumer): Promise<void> {
    this.counts.consumersReplaced++;
    await dead.disconnect().catch(() => {});
    for (let attempt = 0; this.running; attempt++) {
      try {
        await this.startConsumer();
        return;
      } catch {
        await Bun.sleep(Math.min(CONSUMER_RESTART_MS_MAX, 100 * 2 ** attempt));
      }
    }
  }

  /**
   * Waits until the group's acknowledged commits reach `ends`, each partition's offset after its
   * last record (the consumer kept up through the faults); null when they did, else what is
   * missing. Not the high watermark: a log may end in control records (a new leader's first
   * batch), which kafkajs hands no batch for, so a group committing after each batch stops
   * before them.
   */
  async awaitCaughtUp(ends: ReadonlyMap<number, number>, timeoutMs: number): Promise<string | null> {
    const { topic } = this.p;
    const committed = () => {
      const at = new Map<number, number>();
      for (const e of this.history.events) if (e.kind === 'commit_acked') at.set(e.partition, Math.max(at.get(e.partition) ?? 0, e.offset));
      return at;
    };
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const at = committed();
      const behind = [...ends].filter(([p, end]) => end > 0 && (at.get(p) ?? 0) < end);
      if (behind.length === 0) return null;
      if (performance.now() > deadline) return behind.map(([p, end]) => `${topic}/${p} committed ${at.get(p) ?? 'nothing'} of ${end}`).join(', ');
      await Bun.sleep(CAUGHT_UP_POLL_MS);
    }
  }

  /** Stops the producer only (the consumer keeps consuming). */
  async stopProducing(): Promise<void> {
    this.producing = false;
    await this.producer;
  }

  private async startConsumer(): Promise<void> {
    const { topic, group } = this.p;
    const consumer = this.kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 500 });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (e) => {
      this.counts.consumerCrashes++;
      // kafkajs gives up on errors it deems fatal (restart: false), e.g. UNKNOWN_MEMBER_ID on a
      // commit after the coordinator restarted: then a new consumer takes over, as an
      // application's supervisor would, from the group's committed offsets.
      if (!e.payload.restart && this.running) this.replacing = this.replaceConsumer(consumer);
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (batch.messages.length === 0) return;
        for (const m of batch.messages) {
          this.history.record({ kind: 'consume', group, topic, partition: batch.partition, offset: Number(m.offset), value: m.value?.toString() ?? '' });
        }
        const offset = Number(batch.messages[batch.messages.length - 1].offset) + 1;
        await consumer.commitOffsets([{ topic, partition: batch.partition, offset: String(offset) }]);
        this.history.record({ kind: 'commit_acked', group, topic, partition: batch.partition, offset });
      },
    });
  }

  private async observeLoop(): Promise<void> {
    const { topic, group } = this.p;
    const admin = this.kafka.admin();
    let connected = false;
    while (this.running) {
      try {
        if (!connected) await admin.connect();
        connected = true;
        const askedAt = this.history.now();
        const [found] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        for (const p of found?.partitions ?? []) {
          const offset = Number(p.offset);
          if (offset >= 0) this.history.record({ kind: 'commit_observed', group, topic, partition: p.partition, offset, askedAt });
        }
      } catch {
        this.counts.observeErrors++;
      }
      await Bun.sleep(this.p.observePauseMs);
    }
    await admin.disconnect().catch(() => {});
  }
}

/** Creates the run's topic, replicated on `replicationFactor` nodes (every node of the target). */
export async function createChaosTopic(bootstrap: readonly string[], topic: string, partitions: number, replicationFactor = 1): Promise<void> {
  const admin = kafkaClient(bootstrap, 'chaos-setup').admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor }], waitForLeaders: true, timeout: 10_000 });
  } catch (e) {
    // kafkajs names the failure per topic only inside the error's list.
    const each = (e as { errors?: { type?: string; message?: string }[] }).errors ?? [];
    throw new Error(`creating ${topic} (${partitions} partitions, replication factor ${replicationFactor}): ${e}${each.map((x) => `; ${x.type}: ${x.message}`).join('')}`);
  } finally {
    await admin.disconnect();
  }
}

/** Each partition's offset after its last record in `read` (the end a consumer group commits up to). */
export function endsAfterLastRecord(read: readonly ReadRecord[], partitions: number): Map<number, number> {
  const ends = new Map<number, number>();
  for (let p = 0; p < partitions; p++) ends.set(p, 0);
  for (const r of read) ends.set(r.partition, Math.max(ends.get(r.partition) ?? 0, r.offset + 1));
  return ends;
}

/**
 * Every record of `topic`, from the log start to each partition's high watermark, read by a
 * fresh consumer group. A record delivered twice at one offset is kept once (a consumer may
 * re-fetch); two values at one offset throw (after the read).
 */
export async function readAll(bootstrap: readonly string[], topic: string, group: string): Promise<ReadRecord[]> {
  const kafka = kafkaClient(bootstrap, 'chaos-verify');
  const admin: Admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  await admin.disconnect();
  const byPartition = new Map<number, Map<number, string>>([...ends.keys()].map((p) => [p, new Map()]));
  const nextOffset = new Map<number, number>();
  const done = () => [...ends].every(([p, high]) => (nextOffset.get(p) ?? 0) >= high);
  const conflicts: string[] = [];
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const offset = Number(message.offset);
        const value = message.value?.toString() ?? '';
        const seen = byPartition.get(partition)!.get(offset);
        if (seen !== undefined && seen !== value) conflicts.push(`${topic}/${partition}@${offset} read as '${seen}' and as '${value}'`);
        byPartition.get(partition)!.set(offset, value);
        nextOffset.set(partition, Math.max(nextOffset.get(partition) ?? 0, offset + 1));
      },
    });
    // Control records (the batch a partition's new leader writes first in its epoch, KIP-98
    // control batches) are never handed to eachMessage, so a log ending in one is never read "to
    // its high watermark" by the records' offsets. kafkajs's position after each batch, control
    // records included, comes with END_BATCH_PROCESS (also for a batch of control records only).
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.topic !== topic) return;
      nextOffset.set(payload.partition, Math.max(nextOffset.get(payload.partition) ?? 0, Number(payload.lastOffset) + 1));
    });
    const deadline = performance.now() + FULL_READ_MS_MAX;
    while (!done()) {
      if (performance.now() > deadline) throw new Error(`full read: not at the high watermarks ${JSON.stringify([...ends])} within ${FULL_READ_MS_MAX} ms (at ${JSON.stringify([...nextOffset])})`);
      await Bun.sleep(50);
    }
    if (conflicts.length > 0) throw new Error(`full read: two values at one offset: ${conflicts.slice(0, 10).join('; ')}`);
  } finally {
    await consumer.disconnect();
  }
  const out: ReadRecord[] = [];
  for (const [partition, records] of byPartition) {
    for (const [offset, value] of [...records].sort((a, b) => a[0] - b[0])) out.push({ topic, partition, offset, value });
  }
  return out;
}

/** How long kcat may take to read a topic back whole. */
const KCAT_READ_MS_MAX = 60_000;

/**
 * The same full read by kcat (librdkafka), a second client we did not write: `-o beginning -e`
 * reads each partition to its end and exits. For the runner to compare with readAll().
 */
export async function readAllKcat(bootstrap: readonly string[], topic: string): Promise<ReadRecord[]> {
  const r = expectSuccess(await kcat(['-b', bootstrap.join(','), '-C', '-t', topic, '-o', 'beginning', '-e', '-J', '-q'], { timeoutMs: KCAT_READ_MS_MAX }));
  return parseJsonLines<{ partition: number; offset: number; payload: string | null }>(r.stdout)
    .map((m) => ({ topic, partition: m.partition, offset: m.offset, value: m.payload ?? '' }))
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** Where two full reads of one topic differ (first differences only), or [] when they agree. */
export function compareReads(a: readonly ReadRecord[], b: readonly ReadRecord[], shownMax = 10): string[] {
  const key = (r: ReadRecord) => `${r.topic}/${r.partition}@${r.offset}`;
  const inB = new Map(b.map((r) => [key(r), r.value]));
  const inA = new Map(a.map((r) => [key(r), r.value]));
  const out: string[] = [];
  for (const [k, v] of inA) if (inB.get(k) !== v) out.push(`${k}: '${v}' vs ${inB.has(k) ? `'${inB.get(k)}'` : 'missing'}`);
  for (const k of inB.keys()) if (!inA.has(k)) out.push(`${k}: missing vs '${inB.get(k)}'`);
  return out.slice(0, shownMax);
}
