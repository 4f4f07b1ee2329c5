// This node's registration in the cluster's metadata: one `register_broker` record per process
// life (KIP-631's BrokerRegistration, with an incarnation id from the node's Random), proposed
// through the controller once the log has a cluster id, and again only if the image loses it or
// holds other addresses. The brokers Metadata and DescribeCluster list, placement, and peers'
// addresses after first contact come from these records. (The in-memory registration of
// registration.ts stays: a node needs it before it can read the log at all.)
//
// One request at a time; tried after every apply while missing (the bootstrap records, a new
// leader's LeaderChange entry) and every registerIntervalMs in case nothing is applied.
//
// Once registered, the node heartbeats every broker.heartbeat.interval.ms (KIP-631's
// BrokerHeartbeat): the controller's leader fences a broker it has not heard from for
// broker.session.timeout.ms (broker-sessions.ts), and a heartbeat unfences it.

import type { HostPort } from '../../base/network.ts';
import { logger } from '../../base/log.ts';
import { type Cancel, every, type Scheduler } from '../../base/scheduler.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import type { NodeId, SupportedFeature } from '../controller/index.ts';
import { BROKER_HEARTBEAT, REGISTER_BROKER } from './controller-ops.ts';
import type { ControllerChannel } from './controller-rpc.ts';
import type { MetadataStateMachine } from './metadata-state-machine.ts';

const log = logger('cluster');

export interface MetadataRegistrationOptions {
  readonly self: { readonly nodeId: NodeId; readonly rpc: HostPort; readonly kafka: HostPort };
  readonly incarnationId: string;
  readonly clusterId: string;
  readonly features: readonly SupportedFeature[];
  readonly stateMachine: MetadataStateMachine;
  readonly channel: ControllerChannel;
  /** Whether a controller leader is known now (no request without one). */
  readonly leaderKnown: () => boolean;
  readonly scheduler: Scheduler;
  readonly intervalMs: number;
  /** broker.heartbeat.interval.ms. */
  readonly heartbeatIntervalMs: number;
}

export class MetadataRegistration {
  /** The broker epoch of this life's committed registration, -1 until it commits. */
  brokerEpoch = -1;
  private registering = false;
  private stopped = false;
  /** The last refusal logged: a refusal repeats, logged once. */
  private lastRefusal: string | null = null;
  private cancel: Cancel | null = null;
  private cancelHeartbeat: Cancel | null = null;
  private heartbeating = false;

  constructor(private readonly o: MetadataRegistrationOptions) {}

  start(): void {
    this.cancel = every(this.o.scheduler, this.o.intervalMs, () => void this.register());
    this.cancelHeartbeat = every(this.o.scheduler, this.o.heartbeatIntervalMs, () => void this.heartbeat());
    this.o.stateMachine.onApplied(() => {
      // After the apply, not inside it: the group's Ready is still being completed.
      if (!this.registering && !this.stopped && !this.current) void Promise.resolve().then(() => this.register());
    });
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancelHeartbeat?.();
  }

  /** Whether the metadata applied here holds this life's registration with its current addresses. */
  get current(): boolean {
    const { self, incarnationId, stateMachine } = this.o;
    const mine = stateMachine.image.broker(self.nodeId);
    return (
      mine !== undefined &&
      mine.registered &&
      mine.incarnationId === incarnationId &&
      sameAddress(mine.kafkaEndpoint, self.kafka) &&
      sameAddress(mine.rpcEndpoint, self.rpc)
    );
  }

  private async register(): Promise<void> {
    const { self, stateMachine } = this.o;
    if (this.current) {
      this.brokerEpoch = stateMachine.image.broker(self.nodeId)!.brokerEpoch;
      return;
    }
    if (this.registering || this.stopped || !this.o.leaderKnown() || stateMachine.image.clusterId === null) return;
    this.registering = true;
    try {
      const request = {
        clusterId: this.o.clusterId,
        incarnationId: this.o.incarnationId,
        kafkaHost: self.kafka.host,
        kafkaPort: self.kafka.port,
        rpcHost: self.rpc.host,
        rpcPort: self.rpc.port,
        features: this.o.features,
      };
      const a = await this.o.channel.call(REGISTER_BROKER, request, 0);
      if (a.errorCode === ErrorCode.NONE) log.info(`cluster: node ${self.nodeId} registered in the metadata (broker epoch ${a.brokerEpoch})`);
      else if (a.errorCode !== ErrorCode.NOT_CONTROLLER && a.errorCode !== ErrorCode.REQUEST_TIMED_OUT && a.errorMessage !== this.lastRefusal) {
        log.warn(`cluster: the controller refused this node's registration: ${a.errorMessage}`);
      }
      this.lastRefusal = a.errorMessage ?? null;
    } finally {
      this.registering = false;
    }
  }

  /** Says this life's registration is alive; only once it is in the metadata applied here. */
  private async heartbeat(): Promise<void> {
    const { self, stateMachine } = this.o;
    if (this.heartbeating || this.stopped || !this.current || !this.o.leaderKnown()) return;
    this.heartbeating = true;
    try {
      const a = await this.o.channel.call(BROKER_HEARTBEAT, { brokerEpoch: stateMachine.image.broker(self.nodeId)!.brokerEpoch }, 0);
      // STALE_BROKER_EPOCH: the metadata holds another registration now; register() replaces it.
      if (a.errorCode !== ErrorCode.NONE && a.errorCode !== ErrorCode.NOT_CONTROLLER && a.errorCode !== ErrorCode.REQUEST_TIMED_OUT && a.errorCode !== ErrorCode.STALE_BROKER_EPOCH) {
        log.warn(`cluster: the controller refused this node's heartbeat: ${a.errorMessage}`);
      }
    } finally {
      this.heartbeating = false;
    }
  }
}

function sameAddress(a: HostPort, b: HostPort): boolean {
  return a.host === b.host && a.port === b.port;
}
