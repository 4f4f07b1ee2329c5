// ApiVersions negotiation (KIP-35, KIP-511), pure. For each API the client uses the highest
// version that both the broker (its ApiVersions answer) and this client (our definition, capped
// where a typed call does not handle newer shapes) support; with no overlap the call is refused
// with a typed error naming both ranges, before anything is sent.

import { ApiVersions } from '../protocol/messages/18-api-versions.ts';
import type { ApiDef, Range } from '../protocol/schema.ts';
import { ClientError } from './errors.ts';

export interface VersionRange {
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** A broker's supported versions, by api key, from its ApiVersions answer. */
export type BrokerVersions = ReadonlyMap<number, VersionRange>;

export function brokerVersionsFrom(apiKeys: ReadonlyArray<{ apiKey: number } & VersionRange>): BrokerVersions {
  return new Map(apiKeys.map((k) => [k.apiKey, { minVersion: k.minVersion, maxVersion: k.maxVersion }]));
}

/**
 * Caps on what this client speaks, below our definitions' ranges: newer versions identify
 * topics by id only (Produce 13, Fetch 13, OffsetCommit 10, OffsetFetch 10; KIP-516), and the
 * typed calls here name topics. Lifting a cap means teaching the call topic ids first.
 */
export const CLIENT_VERSION_CAPS: ReadonlyMap<number, number> = new Map([
  [0, 12], // Produce
  [1, 12], // Fetch
  [8, 9], // OffsetCommit
  [9, 9], // OffsetFetch
]);

export function clientRange(api: ApiDef): Range {
  const cap = CLIENT_VERSION_CAPS.get(api.apiKey);
  return cap === undefined ? api.versions : { min: api.versions.min, max: Math.min(api.versions.max, cap) };
}

/** The version to use for `api`, or a ClientError 'unsupported_version' (thrown). */
export function negotiateVersion(api: ApiDef, broker: BrokerVersions): number {
  const ours = clientRange(api);
  const theirs = broker.get(api.apiKey);
  if (theirs === undefined) {
    throw new ClientError('unsupported_version', `the broker does not support ${api.name} (api key ${api.apiKey}) at all`);
  }
  const max = Math.min(ours.max, theirs.maxVersion);
  const min = Math.max(ours.min, theirs.minVersion);
  if (max < min) {
    throw new ClientError(
      'unsupported_version',
      `no common version of ${api.name} (api key ${api.apiKey}): the broker supports ${theirs.minVersion}-${theirs.maxVersion}, this client ${ours.min}-${ours.max}`,
    );
  }
  return max;
}

/** The ApiVersions version to retry with after a broker answered UNSUPPORTED_VERSION (KIP-511:
 *  the answer, in v0, lists the broker's own range for ApiVersions). Null when there is none. */
export function apiVersionsRetryVersion(broker: BrokerVersions, tried: number): number | null {
  const theirs = broker.get(ApiVersions.apiKey);
  if (theirs === undefined) return tried > 0 ? 0 : null;
  const v = Math.min(theirs.maxVersion, ApiVersions.versions.max);
  return v < tried && v >= theirs.minVersion ? v : null;
}
