// Feature flags (KIP-584) this build reports in ApiVersions v3+: the levels it supports and
// the levels in force ("finalized"). Kafka 4 brokers report metadata.version, kraft.version,
// group.version and transaction.version (org.apache.kafka.server.common.Features); we report
// the same four with what is true of Freshet (decisions in src/broker/README.md):
// - metadata.version 25 = 4.0-IV3 (MetadataVersion.IBP_4_0_IV3), Kafka 4.0's production level,
//   the first release with KIP-848 generally available. There is no KRaft metadata log to run
//   at any other level, so it is the only one supported.
// - kraft.version 0: no KRaft quorum exists, so not the dynamic quorum of level 1 (KIP-853).
// - group.version 1: the KIP-848 consumer group protocol is served (GroupVersion.GV_1).
// - transaction.version 0: transactions are not built, so not KIP-890's TV_1/TV_2. The Java
//   producer reads this one (TransactionManager), and absent means 0.
// Encoding follows ApiVersionsResponse.createApiVersionsResponse: finalized levels of 0 are
// left out and the others carry min = max = level; in v3 supported features whose minimum is 0
// are left out (KAFKA-17492: older clients cannot parse a minimum of 0).

export interface SupportedFeature {
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
}

export interface FinalizedFeature {
  readonly name: string;
  readonly maxVersionLevel: number;
  readonly minVersionLevel: number;
}

interface FeatureLevels {
  readonly name: string;
  readonly minSupported: number;
  readonly maxSupported: number;
  readonly finalized: number;
}

/** MetadataVersion.IBP_4_0_IV3's feature level. */
const METADATA_VERSION_4_0_IV3 = 25;

const FEATURES: readonly FeatureLevels[] = [
  { name: 'group.version', minSupported: 0, maxSupported: 1, finalized: 1 },
  { name: 'kraft.version', minSupported: 0, maxSupported: 0, finalized: 0 },
  { name: 'metadata.version', minSupported: METADATA_VERSION_4_0_IV3, maxSupported: METADATA_VERSION_4_0_IV3, finalized: METADATA_VERSION_4_0_IV3 },
  { name: 'transaction.version', minSupported: 0, maxSupported: 0, finalized: 0 },
];

/**
 * The epoch of the finalized levels above. Clients keep the finalized features of the highest
 * epoch they have seen and ignore -1 ("unknown"; Java ApiVersions.update), so it is at least 0
 * and must be raised whenever a finalized level changes, or clients connected before an upgrade
 * keep the old levels.
 */
export const FINALIZED_FEATURES_EPOCH = 1;

/** ApiVersions v3 is the last version that cannot carry a supported minimum of 0. */
const LAST_VERSION_WITHOUT_MIN_ZERO = 3;

export function supportedFeatures(apiVersion: number): SupportedFeature[] {
  return FEATURES.filter((f) => apiVersion > LAST_VERSION_WITHOUT_MIN_ZERO || f.minSupported > 0).map((f) => ({
    name: f.name,
    minVersion: f.minSupported,
    maxVersion: f.maxSupported,
  }));
}

export function finalizedFeatures(): FinalizedFeature[] {
  return FEATURES.filter((f) => f.finalized !== 0).map((f) => ({
    name: f.name,
    maxVersionLevel: f.finalized,
    minVersionLevel: f.finalized,
  }));
}

/** The levels a new cluster's first controller writes (bootstrap) and each node registers with. */
export function clusterFeatures(): { finalized: ReadonlyMap<string, number>; supported: Array<{ name: string; minSupported: number; maxSupported: number }> } {
  return {
    finalized: new Map(FEATURES.filter((f) => f.finalized !== 0).map((f) => [f.name, f.finalized])),
    supported: FEATURES.map((f) => ({ name: f.name, minSupported: f.minSupported, maxSupported: f.maxSupported })),
  };
}
