"""confluent-kafka for Python (librdkafka) for the topic-creation and fd-limit tests.

Run with Debian's /usr/bin/python3 (python3-confluent-kafka 1.7 on bookworm). Each subcommand
prints ONE JSON object as its last stdout line; every wait is bounded by --timeout.

  topic_limits_client.py create   BOOTSTRAP TOPIC --partitions N      -> {"error": null | "..."}
  topic_limits_client.py grow     BOOTSTRAP TOPIC --partitions N      -> {"error": null | "..."}
  topic_limits_client.py consume  BOOTSTRAP TOPIC --assign P,P,... --count N
                                  -> {"values": {"P": ["v", ...]}, "errors": [...]}
"""

import argparse
import json
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic


def emit(result):
    print(json.dumps(result), flush=True)


def outcome(future, timeout):
    try:
        future.result(timeout=timeout)
        return None
    except KafkaException as e:
        return str(e.args[0])


def cmd_create(args):
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    futures = admin.create_topics([NewTopic(args.topic, args.partitions, 1)], request_timeout=args.timeout)
    emit({"error": outcome(futures[args.topic], args.timeout)})


def cmd_grow(args):
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    futures = admin.create_partitions([NewPartitions(args.topic, args.partitions)], request_timeout=args.timeout)
    emit({"error": outcome(futures[args.topic], args.timeout)})


def cmd_consume(args):
    # assign(), no group membership; the group id only names offsets nobody commits.
    c = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": "topic-limits-reader",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
    })
    c.assign([TopicPartition(args.topic, int(p), 0) for p in args.assign.split(",")])
    values, errors, got = {}, [], 0
    deadline = time.time() + args.timeout
    while got < args.count and time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            errors.append(str(m.error()))
            continue
        values.setdefault(str(m.partition()), []).append(m.value().decode())
        got += 1
    c.close()
    emit({"values": values, "errors": errors})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["create", "grow", "consume"])
    p.add_argument("bootstrap")
    p.add_argument("topic")
    p.add_argument("--partitions", type=int, default=1)
    p.add_argument("--assign", default="0")
    p.add_argument("--count", type=int, default=0)
    p.add_argument("--timeout", type=float, default=20)
    args = p.parse_args()
    {"create": cmd_create, "grow": cmd_grow, "consume": cmd_consume}[args.command](args)


main()
