// kafka-python 2.0.2 (pure Python; speaks older protocol versions) against the real executable,
// through py/kafka_python_client.py: KafkaProducer + KafkaConsumer by assign (group_id=None)
// with the api_version auto-detected and pinned to the 0.11 and 1.0 eras, and
// KafkaAdminClient create/delete topics.
//
// Pinned to (0, 11) kafka-python produces with Produce v3 but fetches with Fetch v3, which
// Kafka 4 removed (KIP-896: Fetch v0-v3 gone) and Freshet does not serve either (Fetch v4+): the
// broker closes the connection. So the 0.11 case produces at 0.11 and consumes at 1.0.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout } from 'bun:test';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { autoCreateTopic } from '../helpers/topics.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { KCAT_AND_PYTHON, PYTHON_CLIENTS, pythonJson } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

// Real processes and real clients: far slower than unit tests (bun's default is 5 s).
setDefaultTimeout(60_000);

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.dispose();
});

const SCRIPT = 'kafka_python_client.py';

type Roundtrip = {
  api_version: string;
  produced_offsets: number[];
  records: { offset: number; key: string; value: string; headers: [string, string][] }[];
  end_offset: number;
};

describe('kafka-python', () => {
  // [producer api_version, consumer api_version, compression]
  const cases = [
    ['auto', 'auto', null],
    ['0.11', '1.0', null],
    ['1.0', '1.0', null],
    ['1.0', '1.0', 'gzip'],
  ] as const;
  for (const [apiVersion, consumeApiVersion, compression] of cases) {
    const name = `produce at api_version=${apiVersion}, consume by assign at ${consumeApiVersion}${compression ? `, ${compression}` : ''}`;
    testRequiring(KCAT_AND_PYTHON, name, async () => {
      const topic = uniqueTopic('kpy');
      await autoCreateTopic(broker.bootstrap, topic);
      const count = 25;
      const args = ['roundtrip', broker.bootstrap, topic, '--api-version', apiVersion, '--consume-api-version', consumeApiVersion, '--count', String(count)];
      if (compression !== null) args.push('--compression', compression);
      const result = await pythonJson<Roundtrip>(SCRIPT, args, { timeoutMs: 60_000 });
      if (apiVersion !== 'auto') expect(result.api_version).toBe(apiVersion);
      expect(result.produced_offsets).toEqual(Array.from({ length: count }, (_, i) => i));
      expect(result.end_offset).toBe(count);
      expect(result.records).toHaveLength(count);
      result.records.forEach((record, i) => {
        expect(record.offset).toBe(i);
        expect(record.key).toBe(`k${i}`);
        expect(record.value).toBe(`kafka-python-${i}`);
        expect(record.headers).toEqual([['h', `hv${i}`]]);
      });
    }, 120_000);
  }

  testRequiring(PYTHON_CLIENTS, 'KafkaAdminClient create_topics, list_topics, delete_topics', async () => {
    const topic = uniqueTopic('kpy-admin');
    const result = await pythonJson(SCRIPT, ['admin', broker.bootstrap, topic], { timeoutMs: 60_000 });
    expect(result.create_errors).toEqual([[topic, 0]]);
    expect(result.listed).toBe(true);
    expect(result.delete_errors).toEqual([[topic, 0]]);
    expect(result.listed_after_delete).toBe(false);
  }, 120_000);
});
