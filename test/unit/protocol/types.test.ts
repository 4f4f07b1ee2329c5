// The definitions carry their TypeScript types: handlers read decoded requests without casts.
// tsc checks the assignments below; the test body only makes sure the file is compiled and run.

import { expect, test } from 'bun:test';
import { Fetch, Metadata, Produce } from '../../../src/protocol/messages/index.ts';
import { Reader, Writer } from '../../../src/protocol/primitives.ts';
import { decoderFor, encoderFor, type RequestOf, type ResponseOf } from '../../../src/protocol/schema.ts';

test('decoded messages are typed by their definition', () => {
  const w = new Writer();
  encoderFor(Fetch.request, 13, true)(w, { topics: [{ partitions: [{ fetchOffset: 42 }] }] });
  const req: RequestOf<typeof Fetch> = decoderFor(Fetch.request, 13, true)(new Reader(w.bytes()));
  const offset: number = req.topics[0].partitions[0].fetchOffset;
  const cluster: string | null = req.clusterId;
  const replicaEpoch: number = req.replicaState.replicaEpoch;
  const topics: RequestOf<typeof Metadata>['topics'] = null;
  const records: ResponseOf<typeof Fetch>['responses'][number]['partitions'][number]['records'] = null;
  const txn: RequestOf<typeof Produce>['transactionalId'] = null;
  expect([offset, cluster, replicaEpoch, topics, records, txn]).toEqual([42, null, -1, null, null, null]);
});
