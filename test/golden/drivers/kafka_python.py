"""Drives kafka-python through the capture proxy (see ../README.md) at one api_version: a
producer (gzip), a consumer that assign()s a partition and reads from the beginning (no group),
and KafkaAdminClient create/delete topics.

  /usr/bin/python3 test/golden/drivers/kafka_python.py 127.0.0.1:PROXY_PORT auto|1.0
"""

import sys

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

TIMEOUT_MS = 10000
bootstrap = sys.argv[1]
api_version = None if sys.argv[2] == "auto" else tuple(int(p) for p in sys.argv[2].split("."))
topic = "golden-kafka-python-" + sys.argv[2].replace(".", "-")
common = {"bootstrap_servers": bootstrap, "api_version": api_version, "request_timeout_ms": 30001}

admin = KafkaAdminClient(**common)
admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])

producer = KafkaProducer(acks="all", compression_type="gzip", **common)
print("api_version", producer.config["api_version"])
futures = [producer.send(topic, key=b"k%d" % i, value=b"kafka-python-%d" % i, partition=0) for i in range(3)]
producer.flush()
print("offsets", [f.get(timeout=10).offset for f in futures])
producer.close()

consumer = KafkaConsumer(group_id=None, enable_auto_commit=False, auto_offset_reset="earliest", **common)
tp = TopicPartition(topic, 0)
consumer.assign([tp])
consumer.seek_to_beginning(tp)
got = []
for _ in range(20):
    for batch in consumer.poll(timeout_ms=500).values():
        got.extend(m.value for m in batch)
    if len(got) >= 3:
        break
consumer.close()
print("consumed", got)

admin.delete_topics([topic])
admin.close()
print("done")
