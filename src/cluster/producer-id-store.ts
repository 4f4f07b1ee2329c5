// The single-node home of the producer-id block end (transactions/producer-ids.ts): one small
// file replaced atomically. In a cluster the controller's Raft log will own it instead.

import * as path from 'node:path';
import type { StorageFs } from '../base/fs.ts';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { ProducerIdAllocator } from '../transactions/producer-ids.ts';
import { isObject, type MetadataFileSpec, Problem, readMetadataFile } from './metadata-file.ts';

/** producer-ids.json: `{ "blockEnd": N }`, the end of the last producer-id block handed out. */
const PRODUCER_IDS_FILE: MetadataFileSpec<number> = {
  holds: 'the end of the producer ids handed out so far',
  remedy:
    'Restore it from a backup. Do not delete it: producer ids would be handed out again and idempotent producers could be fenced or deduplicated wrongly',
  check(doc) {
    if (!isObject(doc) || !Number.isSafeInteger(doc.blockEnd) || (doc.blockEnd as number) < 0) {
      return new Problem('expected {"blockEnd": N} with N a non-negative integer');
    }
    return doc.blockEnd as number;
  },
};

export function openProducerIdAllocator(fs: StorageFs, dir: string): ProducerIdAllocator {
  fs.mkdirp(dir);
  const file = path.join(dir, 'producer-ids.json');
  const persistedEnd = readMetadataFile(fs, file, PRODUCER_IDS_FILE) ?? 0;
  return new ProducerIdAllocator(persistedEnd, async (blockEnd) => {
    writeFileAtomic(fs, file, JSON.stringify({ blockEnd }));
  });
}
