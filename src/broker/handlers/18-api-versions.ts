// ApiVersions (18) v0-4. The answer is derived from the handler registry, so an API is
// advertised exactly when a handler serves it. An unknown version is answered in v0 with
// UNSUPPORTED_VERSION by the connection itself (KIP-511), before decoding.
// v3+ also carries the feature flags (KIP-584) in tagged fields: see features.ts.

import { ApiVersions } from '../../protocol/messages/index.ts';
import { FINALIZED_FEATURES_EPOCH, finalizedFeatures, supportedFeatures } from '../features.ts';
import { handler } from '../handler.ts';

export default handler(ApiVersions, (ctx) => ({
  errorCode: 0,
  apiKeys: ctx.broker.apiVersionRanges(),
  throttleTimeMs: 0,
  supportedFeatures: supportedFeatures(ctx.apiVersion),
  finalizedFeaturesEpoch: FINALIZED_FEATURES_EPOCH,
  finalizedFeatures: finalizedFeatures(),
}));
