// ApiVersions (18) v0-4. The answer is derived from the handler registry, so an API is
// advertised exactly when a handler serves it. An unknown version is answered in v0 with
// UNSUPPORTED_VERSION by the connection itself (KIP-511), before decoding.

import { ApiVersions } from '../../protocol/messages/index.ts';
import { handler } from '../handler.ts';

export default handler(ApiVersions, (ctx) => ({
  errorCode: 0,
  apiKeys: ctx.broker.apiVersionRanges(),
  throttleTimeMs: 0,
}));
