// Drives kafkajs through the capture proxy (see ../README.md): admin createTopics,
// describeConfigs, createPartitions, deleteTopics, and a gzip producer. No consumer: consumer
// groups are not built yet.
//
//   bun test/golden/drivers/kafkajs.ts 127.0.0.1:PROXY_PORT

import { CompressionTypes, ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';

const TIMEOUT_MS = 10_000;
const bootstrap = process.argv[2];
if (!bootstrap) throw new Error('usage: kafkajs.ts HOST:PORT');

const kafka = new Kafka({ clientId: 'golden-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING, requestTimeout: TIMEOUT_MS });
const topic = 'golden-kafkajs';

const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '86400000' }] }], waitForLeaders: true });
const configs = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }], includeSynonyms: false });
console.log('describeConfigs', JSON.stringify(configs.resources[0]?.configEntries));
await admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] });

const producer = kafka.producer();
await producer.connect();
const sent = await producer.send({
  topic,
  compression: CompressionTypes.GZIP,
  messages: [
    { key: 'k1', value: 'kafkajs-gzip-1', partition: 0, headers: { h: 'hv1' } },
    { key: 'k2', value: 'kafkajs-gzip-2', partition: 0 },
  ],
});
console.log('send', JSON.stringify(sent));
await producer.disconnect();

await admin.deleteTopics({ topics: [topic], timeout: TIMEOUT_MS });
await admin.disconnect();
console.log('done');
