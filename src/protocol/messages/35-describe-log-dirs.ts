// DescribeLogDirs (35), versions 1-4 (the spec goes to 5; v5 only adds a response field, which
// is defined here so the definition matches the spec in full); flexible from 2.
// A null topic list means every topic. v3 adds a top-level error code; v4 total and usable bytes
// per directory (KIP-827); v5 a flag for future (cordoned) directories.

import { api, array, bool, int16, int32, int64, string, struct } from '../schema.ts';

export const DescribeLogDirs = api({
  apiKey: 35,
  name: 'DescribeLogDirs',
  versions: '1-4',
  flexible: '2+',
  request: struct({
    topics: array(struct({
      topic: string(),
      partitions: array(int32()),
    }), '0+', { nullable: '0+' }),
  }),
  response: struct({
    throttleTimeMs: int32(),
    errorCode: int16('3+'),
    results: array(struct({
      errorCode: int16(),
      logDir: string(),
      topics: array(struct({
        name: string(),
        partitions: array(struct({
          partitionIndex: int32(),
          partitionSize: int64(),
          offsetLag: int64(),
          isFutureKey: bool(),
        })),
      })),
      totalBytes: int64('4+', { default: -1 }),
      usableBytes: int64('4+', { default: -1 }),
      isCordoned: bool('5+', { default: false }),
    })),
  }),
});
