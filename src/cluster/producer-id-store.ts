// The single-node home of the producer-id block end (transactions/producer-ids.ts): one small
// file replaced atomically. In a cluster the controller's Raft log will own it instead.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProducerIdAllocator } from '../transactions/producer-ids.ts';
import { isObject, type MetadataFileSpec, Problem, readMetadataFile } from './metadata-file.ts';
import { writeFileAtomic } from './topic-table.ts';

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

export function openProducerIdAllocator(dir: string): ProducerIdAllocator {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'producer-ids.json');
  let persistedEnd = 0;
  if (fs.existsSync(file)) persistedEnd = readMetadataFile(file, PRODUCER_IDS_FILE);
  return new ProducerIdAllocator(persistedEnd, async (blockEnd) => {
    writeFileAtomic(file, JSON.stringify({ blockEnd }));
  });
}
