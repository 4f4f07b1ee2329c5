// The single-node home of the producer-id block end (transactions/producer-ids.ts): one small
// file replaced atomically. In a cluster the controller's Raft log will own it instead.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProducerIdAllocator } from '../transactions/producer-ids.ts';
import { writeFileAtomic } from './topic-table.ts';

export function openProducerIdAllocator(dir: string): ProducerIdAllocator {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'producer-ids.json');
  let persistedEnd = 0;
  if (fs.existsSync(file)) {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { blockEnd: number };
    if (!Number.isSafeInteger(doc.blockEnd) || doc.blockEnd < 0) throw new Error(`${file}: bad blockEnd`);
    persistedEnd = doc.blockEnd;
  }
  return new ProducerIdAllocator(persistedEnd, async (blockEnd) => {
    writeFileAtomic(file, JSON.stringify({ blockEnd }));
  });
}
