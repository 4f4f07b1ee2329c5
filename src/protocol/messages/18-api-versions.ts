// ApiVersions (18), versions 0-4; flexible from 3 (KIP-511 added client software name/version).
// The response always goes out with response header v0, and a request with a version the
// broker does not know is answered in v0 with UNSUPPORTED_VERSION and the supported ranges.

import { api, array, bool, int16, int32, int64, string, struct } from '../schema.ts';

export const ApiVersions = api({
  apiKey: 18,
  name: 'ApiVersions',
  versions: '0-4',
  flexible: '3+',
  request: struct({
    clientSoftwareName: string('3+'),
    clientSoftwareVersion: string('3+'),
  }),
  response: struct({
    errorCode: int16(),
    apiKeys: array(
      struct({
        apiKey: int16(),
        minVersion: int16(),
        maxVersion: int16(),
      }),
    ),
    throttleTimeMs: int32('1+'),
    supportedFeatures: array(
      struct({
        name: string('3+'),
        minVersion: int16('3+'),
        maxVersion: int16('3+'),
      }),
      '3+',
      { tag: 0 },
    ),
    finalizedFeaturesEpoch: int64('3+', { tag: 1, default: -1 }),
    finalizedFeatures: array(
      struct({
        name: string('3+'),
        maxVersionLevel: int16('3+'),
        minVersionLevel: int16('3+'),
      }),
      '3+',
      { tag: 2 },
    ),
    zkMigrationReady: bool('3+', { tag: 3, default: false }),
  }),
});
