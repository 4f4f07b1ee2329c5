"""kafka-python (pure Python, an older protocol generation) against a Freshet broker.

Run with Debian's /usr/bin/python3 (python3-kafka 2.0.2 on bookworm). kafka-python picks
request versions from its api_version: auto-detection probes the broker, while a pinned
(0, 11) sends Produce v3 / Fetch v4 and (1, 0) sends Produce v5 / Fetch v6, the requests of
clients from the Kafka 0.11-1.x era that are still deployed. Each subcommand prints ONE JSON
object as its last stdout line.

  kafka_python_client.py roundtrip BOOTSTRAP TOPIC --api-version auto|0.11|1.0
                                   [--consume-api-version V] [--compression gzip]
  kafka_python_client.py admin     BOOTSTRAP TOPIC
"""

import argparse
import json
import logging
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic


def emit(result):
    print(json.dumps(result), flush=True)


def api_version_arg(text):
    return None if text == "auto" else tuple(int(p) for p in text.split("."))


def cmd_roundtrip(args):
    api_version = api_version_arg(args.api_version)
    timeout_ms = int(args.timeout * 1000)
    producer = KafkaProducer(
        bootstrap_servers=args.bootstrap,
        api_version=api_version,
        api_version_auto_timeout_ms=timeout_ms,
        acks="all",
        compression_type=args.compression,
        request_timeout_ms=timeout_ms,
        max_block_ms=timeout_ms,
    )
    detected = ".".join(str(p) for p in producer.config["api_version"])
    futures = []
    for i in range(args.count):
        futures.append(producer.send(
            args.topic,
            key=("k%d" % i).encode(),
            value=("kafka-python-%d" % i).encode(),
            headers=[("h", ("hv%d" % i).encode())],
            partition=0,
        ))
    producer.flush(timeout=args.timeout)
    offsets = [f.get(timeout=args.timeout).offset for f in futures]
    producer.close(timeout=args.timeout)

    # group_id=None: no group coordinator, offsets are neither fetched nor committed.
    consume_api_version = api_version if args.consume_api_version is None else api_version_arg(args.consume_api_version)
    consumer = KafkaConsumer(
        bootstrap_servers=args.bootstrap,
        api_version=consume_api_version,
        api_version_auto_timeout_ms=timeout_ms,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=max(timeout_ms, 30001),  # must exceed session_timeout_ms
    )
    partition = TopicPartition(args.topic, 0)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    records = []
    deadline = time.monotonic() + args.timeout
    while len(records) < args.count and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=500).values():
            for msg in batch:
                records.append({
                    "offset": msg.offset,
                    "key": msg.key.decode(),
                    "value": msg.value.decode(),
                    "headers": [[k, v.decode()] for k, v in msg.headers],
                })
    end = consumer.end_offsets([partition])[partition]
    consumer.close()
    emit({"api_version": detected, "produced_offsets": offsets, "records": records, "end_offset": end})


def cmd_admin(args):
    timeout_ms = int(args.timeout * 1000)
    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap, request_timeout_ms=timeout_ms,
                             api_version_auto_timeout_ms=timeout_ms)
    result = {}
    response = admin.create_topics([NewTopic(args.topic, num_partitions=2, replication_factor=1)],
                                   timeout_ms=timeout_ms)
    result["create_errors"] = [list(e[:2]) for e in response.topic_errors]
    result["listed"] = args.topic in admin.list_topics()
    response = admin.delete_topics([args.topic], timeout_ms=timeout_ms)
    result["delete_errors"] = [list(e) for e in response.topic_error_codes]
    deadline = time.monotonic() + args.timeout
    listed = True
    while listed and time.monotonic() < deadline:
        listed = args.topic in admin.list_topics()
        if listed:
            time.sleep(0.2)
    result["listed_after_delete"] = listed
    admin.close()
    emit(result)


def main():
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["roundtrip", "admin"])
    parser.add_argument("bootstrap")
    parser.add_argument("topic")
    parser.add_argument("--api-version", default="auto")
    parser.add_argument("--consume-api-version", default=None, help="default: --api-version")
    parser.add_argument("--compression", default=None)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()
    {"roundtrip": cmd_roundtrip, "admin": cmd_admin}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
