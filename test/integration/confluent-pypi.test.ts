// confluent-kafka from PyPI (librdkafka 2.16, test/clients/requirements.txt) against the real
// executable, through py/kip848_client.py: the KIP-848 consumer (group.protocol=consumer)
// losing a deleted topic and changing its subscription, and a transactional producer refused at
// once while transactions are missing. Debian's confluent-kafka 1.7 (confluent-python.test.ts)
// predates KIP-848. Skipped (visibly) without the client; under CI=true that fails instead.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type Broker, startBroker } from '../helpers/broker.ts';
import { available } from '../helpers/requirements.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { PYPI_CLIENT, pypiJson } from '../helpers/pypi.ts';

const SCRIPT = 'kip848_client.py';
/** Each wait of the script; a retried transactional error would end in _TIMED_OUT then. */
const WAIT_S = 30;
const RUN_TIMEOUT_MS = 120_000;

type Step = { step: string; assignment: string[]; consumed?: number };
type Steps = { steps: Step[]; error: string | null };


describe.skipIf(!available(PYPI_CLIENT))('confluent-kafka (PyPI), group.protocol=consumer (KIP-848)', () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker({ settings: { 'group.consumer.heartbeat.interval.ms': '500' } });
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  test('subscribed to two topics, one is deleted: the consumer keeps the other and goes on consuming', async () => {
    const prefix = uniqueTopic('cfk848-deleted');
    const r = await pypiJson<Steps>(SCRIPT, ['deleted-topic', broker.bootstrap, prefix, '--timeout', String(WAIT_S)], { timeoutMs: RUN_TIMEOUT_MS });
    expect(r.error).toBeNull();
    expect(r.steps.map((s) => [s.step, s.assignment, s.consumed])).toEqual([
      ['subscribed to a and b', partitions(prefix, 'a', 'b'), 60],
      ['b deleted', partitions(prefix, 'a'), 30],
    ]);
  }, RUN_TIMEOUT_MS);

  test('subscribe([a]), then ([b]), then ([a, b]), then a broker-side regex: the assignment follows', async () => {
    const prefix = uniqueTopic('cfk848-resub');
    const r = await pypiJson<Steps>(SCRIPT, ['resubscribe', broker.bootstrap, prefix, '--timeout', String(WAIT_S)], { timeoutMs: RUN_TIMEOUT_MS });
    expect(r.error).toBeNull();
    expect(r.steps.map((s) => [s.step, s.assignment, s.consumed])).toEqual([
      ['subscribe(a)', partitions(prefix, 'a'), 30],
      ['subscribe(b)', partitions(prefix, 'b'), 30],
      ['subscribe(a, b)', partitions(prefix, 'a', 'b'), 60],
      ['subscribe(^regex b)', partitions(prefix, 'b'), 30],
    ]);
  }, RUN_TIMEOUT_MS);

  test('init_transactions() fails at once with a fatal, clear error instead of timing out', async () => {
    const r = await pypiJson<{ failed: boolean; code: string; message: string; fatal: boolean; retriable: boolean }>(
      SCRIPT,
      ['init-transactions', broker.bootstrap, uniqueTopic('cfk848-txn'), '--timeout', String(WAIT_S)],
      { timeoutMs: RUN_TIMEOUT_MS },
    );
    // A retried error ends in a retriable _TIMED_OUT after the timeout; a fatal one names the cause.
    expect([r.failed, r.code, r.fatal, r.retriable]).toEqual([true, 'CLUSTER_AUTHORIZATION_FAILED', true, false]);
    expect(r.message).toContain('Failed to find transaction coordinator');
    expect(r.message).toContain('Transactions are not supported by this broker yet');
  }, RUN_TIMEOUT_MS);
});

/** "topic-partition" names of the 3 partitions of each topic PREFIX-suffix, sorted. */
function partitions(prefix: string, ...suffixes: string[]): string[] {
  return suffixes.flatMap((s) => [0, 1, 2].map((p) => `${prefix}-${s}-${p}`)).sort();
}
