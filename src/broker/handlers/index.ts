// The handler registry: the dispatch table and ApiVersions are both built from this list, so an
// API is served and advertised in exactly one place. One file per API key.

import type { AnyHandler } from '../handler.ts';
import produce from './00-produce.ts';
import fetch from './01-fetch.ts';
import listOffsets from './02-list-offsets.ts';
import metadata from './03-metadata.ts';
import saslHandshake from './17-sasl-handshake.ts';
import apiVersions from './18-api-versions.ts';
import initProducerId from './22-init-producer-id.ts';
import offsetForLeaderEpoch from './23-offset-for-leader-epoch.ts';

export const HANDLERS: readonly AnyHandler[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  saslHandshake,
  apiVersions,
  initProducerId,
  offsetForLeaderEpoch,
].sort((a, b) => a.api.apiKey - b.api.apiKey);
