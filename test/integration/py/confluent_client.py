"""confluent-kafka for Python (librdkafka) against a Freshet broker.

Run with Debian's /usr/bin/python3 (python3-confluent-kafka 1.7 on bookworm). Each subcommand
does one thing and prints ONE JSON object as its last stdout line; the bun test asserts on it.
Every wait is bounded by --timeout so a broken broker fails the test instead of hanging it.

  confluent_client.py admin            BOOTSTRAP TOPIC
  confluent_client.py produce          BOOTSTRAP TOPIC --compression C --count N [--timestamp-base MS]
  confluent_client.py consume          BOOTSTRAP TOPIC --partition P --start O --count N [--to-end]
  confluent_client.py offsets-for-times BOOTSTRAP TOPIC --partition P --timestamps MS,MS,...
"""

import argparse
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic


def emit(result):
    print(json.dumps(result), flush=True)


def common_config(args):
    return {
        "bootstrap.servers": args.bootstrap,
        "socket.timeout.ms": 10000,
        # librdkafka logs connection failures to stderr; the test shows stderr on failure.
        "log.connection.close": False,
    }


def wait_futures(futures, timeout):
    """Resolves a dict of futures; returns {key: None or error string}."""
    out = {}
    for key, future in futures.items():
        try:
            future.result(timeout=timeout)
            out[str(key)] = None
        except KafkaException as e:
            out[str(key)] = str(e.args[0])
    return out


def topic_partition_count(admin, topic, timeout):
    md = admin.list_topics(topic=topic, timeout=timeout)
    t = md.topics.get(topic)
    if t is None or t.error is not None:
        return None
    return len(t.partitions)


def cmd_admin(args):
    admin = AdminClient(common_config(args))
    t = args.timeout
    result = {}

    futures = admin.create_topics(
        [NewTopic(args.topic, num_partitions=3, replication_factor=1, config={"retention.ms": "86400000"})],
        operation_timeout=t,
        request_timeout=t,
    )
    result["create"] = wait_futures(futures, t)[args.topic]

    again = admin.create_topics([NewTopic(args.topic, num_partitions=3, replication_factor=1)], request_timeout=t)
    result["create_again"] = wait_futures(again, t)[args.topic]

    md = admin.list_topics(timeout=t)
    result["listed"] = args.topic in md.topics
    result["brokers"] = [{"id": b.id, "host": b.host, "port": b.port} for b in md.brokers.values()]
    result["partitions"] = topic_partition_count(admin, args.topic, t)

    resource = ConfigResource(ConfigResource.Type.TOPIC, args.topic)
    described = admin.describe_configs([resource], request_timeout=t)
    configs = list(described.values())[0].result(timeout=t)
    result["retention_ms"] = configs["retention.ms"].value if "retention.ms" in configs else None

    # AlterConfigs (non-incremental) replaces the topic's whole set of dynamic configs.
    altered = ConfigResource(ConfigResource.Type.TOPIC, args.topic, set_config={"retention.ms": "3600000"})
    result["alter"] = wait_futures({args.topic: list(admin.alter_configs([altered], request_timeout=t).values())[0]}, t)[args.topic]
    configs = list(admin.describe_configs([resource], request_timeout=t).values())[0].result(timeout=t)
    result["retention_ms_after_alter"] = configs["retention.ms"].value if "retention.ms" in configs else None

    parts = admin.create_partitions([NewPartitions(args.topic, 5)], operation_timeout=t, request_timeout=t)
    result["create_partitions"] = wait_futures(parts, t)[args.topic]
    result["partitions_after"] = poll_until(lambda: topic_partition_count(admin, args.topic, t), lambda n: n == 5, t)

    deleted = admin.delete_topics([args.topic], operation_timeout=t, request_timeout=t)
    result["delete"] = wait_futures(deleted, t)[args.topic]
    result["listed_after_delete"] = poll_until(
        lambda: args.topic in admin.list_topics(timeout=t).topics, lambda listed: not listed, t
    )
    emit(result)


def poll_until(read, done, timeout):
    """Reads until done(value) or the timeout; returns the last value read."""
    deadline = time.monotonic() + timeout
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.2)
        value = read()
    return value


def cmd_produce(args):
    config = common_config(args)
    config.update({
        "acks": "all",
        "compression.type": args.compression,
        "linger.ms": 5,
        "message.timeout.ms": int(args.timeout * 1000),
    })
    producer = Producer(config)
    delivered = []
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            delivered.append({"key": msg.key().decode(), "partition": msg.partition(), "offset": msg.offset()})

    for i in range(args.count):
        kwargs = {
            "key": ("k%d" % i).encode(),
            "value": ("value-%d-" % i + "x" * (i % 50)).encode(),
            "partition": args.partition,
            "headers": [("h", ("hv%d" % i).encode()), ("codec", args.compression.encode())],
            "on_delivery": on_delivery,
        }
        if args.timestamp_base is not None:
            kwargs["timestamp"] = args.timestamp_base + i * 1000
        producer.produce(args.topic, **kwargs)
        producer.poll(0)
    remaining = producer.flush(args.timeout)
    emit({"delivered": delivered, "errors": errors, "undelivered": remaining})


def assign_consumer(args):
    config = common_config(args)
    # confluent-kafka insists on a group.id even for assign(); we never join or commit.
    config.update({
        "group.id": "freshet-test-assign-only",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "error",
        "enable.partition.eof": True,
    })
    return Consumer(config)


def decode(b):
    return None if b is None else b.decode()


def cmd_consume(args):
    consumer = assign_consumer(args)
    consumer.assign([TopicPartition(args.topic, args.partition, args.start)])
    records = []
    errors = []
    deadline = time.monotonic() + args.timeout
    while len(records) < args.count and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error() is not None:
            if msg.error().code() != -191:  # _PARTITION_EOF: caught up
                errors.append(str(msg.error()))
            elif args.to_end:
                break
            continue
        ts_type, ts = msg.timestamp()
        records.append({
            "offset": msg.offset(),
            "key": decode(msg.key()),
            "value": decode(msg.value()),
            "headers": [[k, decode(v)] for k, v in (msg.headers() or [])],
            "timestamp": ts,
        })
    low, high = consumer.get_watermark_offsets(TopicPartition(args.topic, args.partition), timeout=args.timeout)
    consumer.close()
    emit({"records": records, "errors": errors, "low": low, "high": high})


def cmd_offsets_for_times(args):
    consumer = assign_consumer(args)
    stamps = [int(s) for s in args.timestamps.split(",")]
    answers = []
    for ts in stamps:
        found = consumer.offsets_for_times([TopicPartition(args.topic, args.partition, ts)], timeout=args.timeout)
        answers.append({"timestamp": ts, "offset": found[0].offset, "error": None if found[0].error is None else str(found[0].error)})
    consumer.close()
    emit({"answers": answers})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["admin", "produce", "consume", "offsets-for-times"])
    parser.add_argument("bootstrap")
    parser.add_argument("topic")
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--compression", default="none")
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--partition", type=int, default=0)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--timestamp-base", type=int, default=None)
    parser.add_argument("--timestamps", default="")
    parser.add_argument("--to-end", action="store_true", help="consume: stop at the end of the partition")
    args = parser.parse_args()
    {
        "admin": cmd_admin,
        "produce": cmd_produce,
        "consume": cmd_consume,
        "offsets-for-times": cmd_offsets_for_times,
    }[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
