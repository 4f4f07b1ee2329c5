// A simulated world for RPC tests: one clock, one scheduler, one seeded network, endpoints on
// named hosts (node N lives on host "nN", port 33145), and the log lines each endpoint wrote.

import { ManualClock } from '../../../src/base/clock.ts';
import { LogSummary } from '../../../src/base/log-summary.ts';
import { Prng } from '../../../src/base/prng.ts';
import { SimScheduler } from '../../../src/base/scheduler.ts';
import { SimNetwork, type SimNetworkOptions } from '../../../src/net/sim-network.ts';
import { type MessageKind, RpcEndpoint, type RpcEndpointOptions, rpcLimits, type RpcLimits } from '../../../src/rpc/index.ts';
import { Reader } from '../../../src/protocol/primitives.ts';
import { SimLoop } from '../../simulation/sim-loop.ts';

export const RPC_PORT = 33145;
export const CLUSTER = 'test-cluster';

/** A one-way message type: a uvarint sequence number and some filler. */
export const NOTE: MessageKind = { type: 100, name: 'test.note', versions: { min: 1, max: 2 } };
/** A request type: answered with its body reversed. */
export const ECHO: MessageKind = { type: 101, name: 'test.echo', versions: { min: 1, max: 1 } };

export interface Received {
  from: number;
  version: number;
  seq: number;
  bytes: number;
}

export class World {
  readonly clock = new ManualClock();
  readonly scheduler = new SimScheduler(this.clock);
  readonly loop = new SimLoop(this.scheduler);
  readonly random: Prng;
  readonly net: SimNetwork;

  constructor(seed: number, options: SimNetworkOptions = {}) {
    this.random = new Prng(seed);
    this.net = new SimNetwork(this.clock, this.scheduler, this.random, options);
  }

  host(nodeId: number): string {
    return `n${nodeId}`;
  }

  /** A node's endpoint, listening, speaking NOTE and ECHO unless told otherwise. */
  node(
    nodeId: number,
    options: Omit<Partial<RpcEndpointOptions>, 'limits'> & { limits?: Partial<RpcLimits>; kinds?: { note?: MessageKind; echo?: MessageKind }; hostName?: string } = {},
  ): TestNode {
    const hostName = options.hostName ?? this.host(nodeId);
    const logs: string[] = [];
    const summary = new LogSummary(this.scheduler, 5_000, (m) => logs.push(`INFO ${m}`), (m) => logs.push(`DEBUG ${m}`));
    const rpc = new RpcEndpoint({
      nodeId,
      clusterId: CLUSTER,
      network: this.net.host(hostName),
      scheduler: this.scheduler,
      random: this.random,
      logSummary: summary,
      ...options,
      limits: rpcLimits(options.limits ?? {}),
    });
    const note = options.kinds?.note ?? NOTE;
    const echo = options.kinds?.echo ?? ECHO;
    const node = new TestNode(nodeId, rpc, logs, summary, note, echo);
    rpc.onMessage(note, (from, version, body) => {
      const r = new Reader(body);
      node.received.push({ from, version, seq: r.uvarint(), bytes: body.length });
    });
    rpc.onRequest(echo, (from, _version, body) => node.serveEcho(from, body));
    rpc.listen({ host: hostName, port: RPC_PORT });
    return node;
  }

  /** Tells each node of every other. */
  meshed(nodes: TestNode[]): void {
    for (const a of nodes) for (const b of nodes) if (a !== b) a.rpc.setPeer(b.nodeId, { host: this.host(b.nodeId), port: RPC_PORT });
  }
}

export class TestNode {
  readonly received: Received[] = [];
  /** Set to hold echo answers until released (a slow handler). */
  holdEchoes = false;
  private held: Array<() => void> = [];

  constructor(
    readonly nodeId: number,
    readonly rpc: RpcEndpoint,
    readonly logs: string[],
    readonly summary: LogSummary,
    readonly noteKind: MessageKind,
    readonly echoKind: MessageKind,
  ) {}

  serveEcho(_from: number, body: Uint8Array): Uint8Array | Promise<Uint8Array> {
    const answer = body.slice().reverse();
    if (!this.holdEchoes) return answer;
    return new Promise((resolve) => this.held.push(() => resolve(answer)));
  }

  releaseEchoes(): void {
    for (const r of this.held.splice(0)) r();
  }

  note(to: number, seq: number, fillerBytes = 0): ReturnType<RpcEndpoint['send']> {
    return this.rpc.send(to, this.noteKind, (w) => {
      w.uvarint(seq);
      w.raw(new Uint8Array(fillerBytes));
    }, fillerBytes + 5);
  }

  echo(to: number, body: Uint8Array, timeoutMs?: number) {
    return this.rpc.request(to, this.echoKind, (w) => w.raw(body), timeoutMs);
  }

  connectedTo(to: number): boolean {
    return this.rpc.peerState(to)?.state === 'ready';
  }
}
