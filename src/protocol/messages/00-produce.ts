// Produce (0), versions 3-13; flexible from 9.
// v3 is the floor: it brought the transactional id and record batch format v2, and Kafka 4
// dropped v0-2 (KIP-896). v7 allows zstd batches (KIP-110); v8 adds per-record errors and an
// error message to the response (KIP-467); v10 adds the current-leader and node-endpoint tagged
// fields for fast leader discovery (KIP-951); v11-12 only change which error codes a client
// understands (KIP-890); v13 names topics by id instead of by name (KIP-516).
// acks = 0 means the broker sends no response at all.
// ApiVersions must still advertise Produce from v0: librdkafka refuses a broker whose minimum is
// above 0 (KAFKA-18659), so Kafka 4 advertises 0-13 and rejects v0-2 when they arrive.

import { api, array, int16, int32, int64, records, string, struct, structField, uuid } from '../schema.ts';

export const Produce = api({
  apiKey: 0,
  name: 'Produce',
  versions: '3-13',
  flexible: '9+',
  request: struct({
    transactionalId: string('3+', { nullable: '3+', default: null }),
    acks: int16(),
    timeoutMs: int32(),
    topicData: array(struct({
      name: string('0-12'),
      topicId: uuid('13+'),
      partitionData: array(struct({
        index: int32(),
        records: records('0+', { nullable: '0+' }),
      })),
    })),
  }),
  response: struct({
    responses: array(struct({
      name: string('0-12'),
      topicId: uuid('13+'),
      partitionResponses: array(struct({
        index: int32(),
        errorCode: int16(),
        baseOffset: int64(),
        logAppendTimeMs: int64('2+', { default: -1 }),
        logStartOffset: int64('5+', { default: -1 }),
        recordErrors: array(struct({
          batchIndex: int32('8+'),
          batchIndexErrorMessage: string('8+', { nullable: '8+', default: null }),
        }), '8+'),
        errorMessage: string('8+', { nullable: '8+', default: null }),
        currentLeader: structField(struct({
          leaderId: int32('10+', { default: -1 }),
          leaderEpoch: int32('10+', { default: -1 }),
        }), '10+', { tag: 0 }),
      })),
    })),
    throttleTimeMs: int32('1+'),
    nodeEndpoints: array(struct({
      nodeId: int32('10+'),
      host: string('10+'),
      port: int32('10+'),
      rack: string('10+', { nullable: '10+', default: null }),
    }), '10+', { tag: 0 }),
  }),
});
