// Kafka broker properties that Freshet describes and accepts but does not act on: what
// `kafka-configs --describe --all` and admin UIs (AKHQ, Kafka UI, Conduktor, Strimzi's checks)
// read from a broker. Names, types and defaults are Kafka 4's (KafkaConfig and the *Configs
// classes it gathers); `dynamic` marks the ones DynamicBrokerConfig lets AlterConfigs change
// (DynamicThreadPool, SocketServer and producer-state keys). They are stored like any property,
// so a server.properties carried over from Kafka starts Freshet unchanged.
// The properties Freshet does act on live in properties.ts.

import type { PropertyDef } from './properties.ts';


function described(defs: PropertyDef[]): PropertyDef[] {
  return defs.map((d) => ({ ...d, applied: false, doc: `${d.doc} (described for Kafka tools; not acted on)` }));
}

/** Set by `freshet start` flags; DescribeConfigs reports them as static broker configs. */
const FROM_FLAGS: readonly PropertyDef[] = [
  { name: 'node.id', type: 'int', default: -1, setByFlag: '--node-id', doc: 'this node\'s id' },
  { name: 'broker.id', type: 'int', default: -1, setByFlag: '--node-id', doc: 'this node\'s id (the same as node.id)' },
  { name: 'process.roles', type: 'list', default: '', setByFlag: '(always broker,controller)', doc: 'the roles of this node' },
  { name: 'listeners', type: 'string', default: 'PLAINTEXT://:9092', setByFlag: '--kafka-addr', doc: 'the Kafka listener' },
  { name: 'advertised.listeners', type: 'string', default: null, setByFlag: '--advertise-kafka-addr', doc: 'the address given to clients' },
  { name: 'log.dirs', type: 'string', default: null, setByFlag: '--data-dir', doc: 'where partition logs live' },
];

export const KAFKA_BROKER_CATALOG: readonly PropertyDef[] = [
  ...FROM_FLAGS,
  ...described([
    { name: 'log.dir', type: 'string', default: '/tmp/kafka-logs', doc: 'the log directory when log.dirs is not set' },
    { name: 'inter.broker.listener.name', type: 'string', default: null, doc: 'the listener brokers use between themselves' },
    { name: 'security.inter.broker.protocol', type: 'string', default: 'PLAINTEXT', doc: 'the protocol brokers use between themselves' },
    { name: 'listener.security.protocol.map', type: 'string',
      default: 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT', doc: 'listener names to security protocols' },
    { name: 'controller.listener.names', type: 'string', default: null, doc: 'listeners used by the controller' },
    { name: 'broker.session.timeout.ms', type: 'int', default: 9000, min: 1, doc: 'how long the controller waits for a broker\'s heartbeat before it fences the broker' },
    { name: 'broker.heartbeat.interval.ms', type: 'int', default: 2000, min: 1, doc: 'how often a broker heartbeats to the controller' },
    { name: 'metadata.log.max.record.bytes.between.snapshots', type: 'long', default: 20 * 1024 * 1024, min: 1, doc: 'metadata bytes applied before a node writes a new snapshot of the cluster metadata' },
    { name: 'metadata.log.max.snapshot.interval.ms', type: 'long', default: 3_600_000, min: 0, doc: 'longest time before a node snapshots the cluster metadata when something was applied since (0: only by bytes)' },
    { name: 'sasl.enabled.mechanisms', type: 'list', default: 'GSSAPI', doc: 'SASL mechanisms enabled' },
    { name: 'num.network.threads', type: 'int', default: 3, min: 1, dynamic: 'cluster-wide', doc: 'threads receiving requests' },
    { name: 'num.io.threads', type: 'int', default: 8, min: 1, dynamic: 'cluster-wide', doc: 'threads processing requests' },
    { name: 'background.threads', type: 'int', default: 10, min: 1, dynamic: 'cluster-wide', doc: 'threads for background work' },
    { name: 'num.recovery.threads.per.data.dir', type: 'int', default: 2, min: 1, dynamic: 'cluster-wide', doc: 'threads recovering logs at start' },
    { name: 'num.replica.fetchers', type: 'int', default: 1, min: 1, dynamic: 'cluster-wide', doc: 'threads replicating from leaders' },
    { name: 'queued.max.requests', type: 'int', default: 500, min: 1, doc: 'requests queued before the network threads stop reading' },
    { name: 'socket.send.buffer.bytes', type: 'int', default: 102400, doc: 'SO_SNDBUF of client sockets' },
    { name: 'socket.receive.buffer.bytes', type: 'int', default: 102400, doc: 'SO_RCVBUF of client sockets' },
    { name: 'max.connections.per.ip.overrides', type: 'string', default: '', dynamic: 'cluster-wide', doc: 'per-address exceptions to max.connections.per.ip' },
    { name: 'replica.lag.time.max.ms', type: 'long', default: 30_000, min: 0, doc: 'how long a follower may lag before it leaves the ISR' },
    { name: 'replica.fetch.max.bytes', type: 'int', default: 1024 * 1024, min: 0, doc: 'bytes a follower fetches per partition' },
    { name: 'auto.leader.rebalance.enable', type: 'boolean', default: true, doc: 'move leadership back to preferred replicas' },
    { name: 'leader.imbalance.check.interval.seconds', type: 'long', default: 300, min: 1, doc: 'how often a leader checks whether to hand leadership back to the preferred replica' },
    { name: 'leader.imbalance.per.broker.percentage', type: 'int', default: 10, min: 0, max: 100, doc: 'the share of its preferred partitions a broker may not lead before leadership is moved back to it' },
    { name: 'log.cleaner.enable', type: 'boolean', default: true, doc: 'run the log cleaner (Freshet always compacts compacted topics)' },
    { name: 'log.cleaner.threads', type: 'int', default: 1, min: 0, dynamic: 'cluster-wide', doc: 'log cleaner threads' },
    { name: 'log.cleaner.dedupe.buffer.size', type: 'long', default: 128 * 1024 * 1024, dynamic: 'cluster-wide', doc: 'memory of the log cleaner\'s key map' },
    { name: 'offsets.topic.segment.bytes', type: 'int', default: 100 * 1024 * 1024, min: 1, doc: 'segment size of __consumer_offsets' },
    { name: 'offsets.commit.timeout.ms', type: 'int', default: 5000, min: 1, doc: 'how long an offset commit waits for replication' },
    { name: 'transaction.state.log.replication.factor', type: 'int', default: 1, min: 1, doc: 'replication factor of __transaction_state (1 on a single node; Kafka: 3)' },
    { name: 'transaction.state.log.min.isr', type: 'int', default: 1, min: 1, doc: 'min.insync.replicas of __transaction_state (Kafka: 2)' },
    { name: 'transaction.state.log.num.partitions', type: 'int', default: 50, min: 1, doc: 'partitions of __transaction_state' },
    { name: 'transactional.id.expiration.ms', type: 'int', default: 7 * 24 * 3600 * 1000, min: 1, doc: 'how long an idle transactional id is kept' },
    { name: 'producer.id.expiration.ms', type: 'int', default: 24 * 3600 * 1000, min: 1, dynamic: 'cluster-wide', doc: 'how long an idle producer id\'s state is kept' },
    { name: 'group.coordinator.rebalance.protocols', type: 'list', default: 'classic,consumer', doc: 'group protocols the coordinator speaks' },
    { name: 'group.consumer.assignors', type: 'list', default: 'uniform,range', doc: 'KIP-848 server-side assignors, the first the default' },
    { name: 'compression.gzip.level', type: 'int', default: -1, min: -1, max: 9, dynamic: 'cluster-wide', doc: 'gzip level of broker-side compression (Freshet: 6)' },
    { name: 'compression.lz4.level', type: 'int', default: 9, min: 1, max: 17, dynamic: 'cluster-wide', doc: 'lz4 level of broker-side compression' },
    { name: 'compression.zstd.level', type: 'int', default: 3, min: -131072, max: 22, dynamic: 'cluster-wide', doc: 'zstd level of broker-side compression (Freshet: 3)' },
  ]),
];
