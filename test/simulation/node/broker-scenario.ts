// One seeded run of the real broker in a simulated world: a client creates a topic, produces
// with acks=all (waves of concurrent requests), fetches, commits group offsets; then the node is
// killed with a power cut in the middle of a wave, restarted on the same disk, and a new client
// reads everything back. The run returns its transcript (every client-visible answer, with the
// simulated time) and what it checked, so a test can compare two runs of one seed.

import type { KafkaClient } from '../../../src/client/client.ts';
import type { ProduceResult } from '../../../src/client/data.ts';
import { SimBrokerNode, SimWorld } from './sim-node.ts';

export const TOPIC = 'orders';
export const PARTITIONS = 3;
export const GROUP = 'billing';
/** Produce requests per wave, and waves before the crash (the last one is cut by it). */
const WAVE_REQUESTS = 4;
const WAVES_BEFORE_CRASH = 3;

const decoder = new TextDecoder();

export interface Acknowledged {
  partition: number;
  baseOffset: number;
  values: string[];
}

export interface ScenarioResult {
  transcript: string[];
  acknowledged: Acknowledged[];
  /** What a full read after the restart found, per partition: value by offset. */
  recovered: Map<number, Array<{ offset: number; value: string }>>;
  committed: Map<number, number>;
  committedAfterRestart: Map<number, number>;
}

class Transcript {
  readonly lines: string[] = [];
  constructor(private readonly world: SimWorld) {}
  add(line: string): void {
    this.lines.push(`${String(this.world.loop.nowMs).padStart(7)} ms  ${line}`);
  }
}

export async function runBrokerScenario(seed: number): Promise<ScenarioResult> {
  const world = new SimWorld(seed);
  const t = new Transcript(world);
  const spec = { host: 'node0', nodeId: 0, sets: ['group.initial.rebalance.delay.ms=0'] };
  let node = await SimBrokerNode.start(world, spec);
  let client = await world.connectClient('client0', node.bootstrap);
  t.add(`cluster ${client.clusterId}`);

  const [created] = await world.loop.run(client.createTopics([{ name: TOPIC, numPartitions: PARTITIONS }]), 5_000, 'create');
  t.add(`create ${TOPIC}: ${created.error?.code ?? 'ok'} id ${created.topicId}`);

  const acknowledged: Acknowledged[] = [];
  let sequence = 0;
  const wave = (w: number) =>
    Array.from({ length: WAVE_REQUESTS }, () => {
      const partition = world.prng.int(0, PARTITIONS - 1);
      const values = Array.from({ length: world.prng.int(1, 4) }, () => `v${sequence++}`);
      const sent = client.produce([{ topic: TOPIC, partition, records: values.map((value) => ({ key: `k${w}`, value })) }], { acks: -1, timeoutMs: 5_000 });
      return sent.then((results) => noteProduce(t, acknowledged, values, results[0]));
    });

  for (let w = 0; w < WAVES_BEFORE_CRASH; w++) {
    await world.loop.run(Promise.all(wave(w)), 10_000, `wave ${w}`);
  }
  const fetched = await world.loop.run(client.fetch(allPartitions(0), { maxWaitMs: 0 }), 5_000, 'fetch');
  for (const f of fetched.sort((a, b) => a.partition - b.partition)) {
    t.add(`fetch p${f.partition}: hw ${f.highWatermark} offsets ${f.records.map((r) => r.offset).join(',')}`);
  }

  const committed = new Map<number, number>();
  for (const f of fetched) committed.set(f.partition, f.highWatermark);
  const commitErrors = await world.loop.run(
    client.offsetCommit(GROUP, [...committed].map(([partition, offset]) => ({ topic: TOPIC, partition, offset }))),
    10_000,
    'commit',
  );
  t.add(`commit ${GROUP}: ${commitErrors.map((e) => `p${e.partition}=${e.error?.code ?? 'ok'}`).join(' ')}`);

  // A last wave, cut by the crash after a seeded number of steps: some of it acknowledged, some not.
  const lastWave = wave(WAVES_BEFORE_CRASH).map((p) => p.catch((e: Error) => t.add(`produce failed: ${e.message}`)));
  const stepsBeforeCrash = world.prng.int(0, 40);
  for (let i = 0; i < stepsBeforeCrash; i++) await world.loop.step();
  t.add(`crash after ${stepsBeforeCrash} steps (${acknowledged.length} produce requests acknowledged)`);
  const disk = node.crash();
  await world.loop.run(Promise.all(lastWave), 30_000, 'the cut wave to fail');

  node = await SimBrokerNode.start(world, spec, disk);
  client = await world.connectClient('client1', node.bootstrap);
  t.add(`restarted: cluster ${client.clusterId}`);
  const recovered = await readAll(world, client, t);
  const offsets = await world.loop.run(client.offsetFetch(GROUP, [{ topic: TOPIC, partitions: allPartitions(0).map((p) => p.partition) }]), 10_000, 'offset fetch');
  const committedAfterRestart = new Map(offsets.offsets.map((o) => [o.partition, o.offset]));
  t.add(`committed after restart: ${[...committedAfterRestart].map(([p, o]) => `p${p}=${o}`).join(' ')}`);
  t.add(`network: ${JSON.stringify(world.net.stats)}`);
  return { transcript: t.lines, acknowledged, recovered, committed, committedAfterRestart };
}

function noteProduce(t: Transcript, acknowledged: Acknowledged[], values: string[], r: ProduceResult): void {
  t.add(`produce p${r.partition} ${values.join(',')}: ${r.error === null ? `offset ${r.baseOffset}` : `error ${r.error.code}`}`);
  if (r.error === null) acknowledged.push({ partition: r.partition, baseOffset: r.baseOffset, values });
}

function allPartitions(offset: number) {
  return Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition, offset }));
}

/** Every record of every partition, from offset 0 to the high watermark. */
async function readAll(world: SimWorld, client: KafkaClient, t: Transcript): Promise<ScenarioResult['recovered']> {
  const out: ScenarioResult['recovered'] = new Map();
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const records: Array<{ offset: number; value: string }> = [];
    let next = 0;
    for (let round = 0; ; round++) {
      const [f] = await world.loop.run(client.fetch([{ topic: TOPIC, partition, offset: next }], { maxWaitMs: 0 }), 5_000, 'read');
      if (f.error !== null) throw new Error(`read p${partition}: ${f.error.code}`);
      for (const r of f.records) records.push({ offset: r.offset, value: decoder.decode(r.value ?? new Uint8Array()) });
      next = records.length > 0 ? records[records.length - 1].offset + 1 : next;
      if (next >= f.highWatermark || f.records.length === 0 || round > 1000) break;
    }
    t.add(`read p${partition}: ${records.map((r) => `${r.offset}:${r.value}`).join(' ')}`);
    out.set(partition, records);
  }
  return out;
}
