"""Drives confluent-kafka for Python through the capture proxy (see ../README.md): an
idempotent producer (InitProducerId, Produce with a producer id and sequence), a consumer that
assign()s a partition (no group join), and AdminClient create/describe/alter/partitions/delete.

  /usr/bin/python3 test/golden/drivers/confluent.py 127.0.0.1:PROXY_PORT
"""

import sys

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

TIMEOUT_S = 10
bootstrap = sys.argv[1]
topic = "golden-confluent"
base = {"bootstrap.servers": bootstrap, "log.connection.close": False}

admin = AdminClient(base)
for f in admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)], request_timeout=TIMEOUT_S).values():
    f.result(TIMEOUT_S)

producer = Producer(dict(base, **{"enable.idempotence": True, "compression.type": "snappy", "linger.ms": 5}))
for i in range(3):
    producer.produce(topic, key=b"k%d" % i, value=b"confluent-idempotent-%d" % i, partition=0, headers=[("h", b"hv")])
assert producer.flush(TIMEOUT_S) == 0

consumer = Consumer(dict(base, **{"group.id": "golden-assign-only", "enable.auto.commit": False}))
consumer.assign([TopicPartition(topic, 0, 0)])
got = []
while len(got) < 3:
    m = consumer.poll(TIMEOUT_S)
    assert m is not None and m.error() is None, m and m.error()
    got.append(m.value())
lo, hi = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=TIMEOUT_S)
consumer.close()
print("consumed", got, "watermarks", lo, hi)

resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
print("retention.ms", list(admin.describe_configs([resource]).values())[0].result(TIMEOUT_S)["retention.ms"].value)
altered = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"retention.ms": "3600000"})
list(admin.alter_configs([altered]).values())[0].result(TIMEOUT_S)
for f in admin.create_partitions([NewPartitions(topic, 2)], request_timeout=TIMEOUT_S).values():
    f.result(TIMEOUT_S)
for f in admin.delete_topics([topic], request_timeout=TIMEOUT_S).values():
    f.result(TIMEOUT_S)
print("done")
