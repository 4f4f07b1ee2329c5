"""Idempotent acks=all producer for the crash test (durability.test.ts).

Makes TOPIC exist (--create admin: CreateTopics with 1 partition; --create auto: the
producer's Metadata request auto-creates it, num.partitions must be 1), then produces records "seq-<n>" for n = 0..COUNT-1 at a steady
pace. Every delivery report is printed as it arrives, one JSON object per line:

  {"ack": n, "offset": o}        the broker acknowledged record n at offset o (acks=all)
  {"nack": n, "error": "..."}     delivery failed for record n (it may or may not be stored)
  {"progress": "created"}        the topic exists, producing starts
  {"done": true, ...}            last line: totals

The test kill -9s the broker while this runs and restarts it; librdkafka retries in the
meantime (message.timeout.ms is long enough to outlive the restart), and idempotence makes the
retries safe: no record may appear twice.

  durable_producer.py BOOTSTRAP TOPIC --count N [--interval-ms MS] [--timeout S] [--create admin|auto]
"""

import argparse
import json
import sys
import time

from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic


def say(obj):
    print(json.dumps(obj), flush=True)


def create_topic(bootstrap, topic, timeout):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)],
                                  operation_timeout=timeout, request_timeout=timeout)
    try:
        futures[topic].result(timeout=timeout)
    except KafkaException as e:
        say({"fatal": "create_topics: %s" % e.args[0]})
        sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bootstrap")
    parser.add_argument("topic")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--interval-ms", type=float, default=2.0)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--create", choices=["admin", "auto"], default="admin")
    args = parser.parse_args()

    if args.create == "admin":
        create_topic(args.bootstrap, args.topic, 15)
        say({"progress": "created"})

    producer = Producer({
        "bootstrap.servers": args.bootstrap,
        "acks": "all",
        "enable.idempotence": True,
        "linger.ms": 2,
        "message.timeout.ms": int(args.timeout * 1000),
        "reconnect.backoff.ms": 50,
        "reconnect.backoff.max.ms": 500,
        "log.connection.close": False,
    })
    acks = 0
    nacks = 0

    def on_delivery(err, msg):
        nonlocal acks, nacks
        n = int(msg.value().decode().split("-")[1])
        if err is None:
            acks += 1
            say({"ack": n, "offset": msg.offset()})
        else:
            nacks += 1
            say({"nack": n, "error": str(err)})

    deadline = time.monotonic() + args.timeout
    for n in range(args.count):
        if time.monotonic() > deadline:
            break
        while True:
            try:
                producer.produce(args.topic, value=("seq-%d" % n).encode(), partition=0, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
        time.sleep(args.interval_ms / 1000.0)
    remaining = producer.flush(max(1.0, deadline - time.monotonic()))
    say({"done": True, "acks": acks, "nacks": nacks, "unreported": remaining})


if __name__ == "__main__":
    main()
