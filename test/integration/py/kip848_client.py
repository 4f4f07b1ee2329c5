"""confluent-kafka from PyPI (librdkafka 2.x) with the KIP-848 protocol, against a Freshet broker.

Run with the virtualenv .ci/run makes (.venv-test, see test/helpers/python.ts): Debian's
python3-confluent-kafka 1.7 (librdkafka 2.0) predates group.protocol=consumer. Each subcommand
prints ONE JSON object as its last stdout line; every wait is bounded by --timeout.

  kip848_client.py deleted-topic     BOOTSTRAP PREFIX   subscribed to two topics, one is deleted:
                                                        the consumer ends with the other one's
                                                        partitions and keeps consuming
  kip848_client.py resubscribe       BOOTSTRAP PREFIX   subscribe([a]), ([b]), ([a, b]), then a
                                                        regex ^PREFIX-b: the assignment follows
  kip848_client.py init-transactions BOOTSTRAP TXN_ID   init_transactions() fails at once
"""

import argparse
import json
import time

from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

PARTITIONS = 3
RECORDS_PER_STEP = 30


def emit(result):
    print(json.dumps(result), flush=True)


class Scenario:
    def __init__(self, args):
        self.timeout = args.timeout
        self.admin = AdminClient({"bootstrap.servers": args.bootstrap})
        self.producer = Producer({"bootstrap.servers": args.bootstrap})
        self.consumer = Consumer({
            "bootstrap.servers": args.bootstrap,
            "group.id": args.name + "-group",
            "group.protocol": "consumer",
            "auto.offset.reset": "earliest",
            # A deleted topic must stay deleted: Metadata requests must not create it again.
            "allow.auto.create.topics": False,
            "log.connection.close": False,
        })
        self.steps = []

    def create_topics(self, *names):
        futures = self.admin.create_topics([NewTopic(n, PARTITIONS, 1) for n in names])
        for f in futures.values():
            f.result(timeout=self.timeout)

    def delete_topic(self, name):
        for f in self.admin.delete_topics([name]).values():
            f.result(timeout=self.timeout)

    def assignment(self):
        return sorted(f"{tp.topic}-{tp.partition}" for tp in self.consumer.assignment())

    def step(self, name, want, produce_to):
        """Polls until the assignment is `want`, then until new records of `produce_to` arrive."""
        started = time.monotonic()
        record = {"step": name}
        self.steps.append(record)
        deadline = started + self.timeout
        have = self.assignment()
        while have != want:
            if time.monotonic() > deadline:
                record["assignment"] = have
                return f"{name}: assignment {have}, expected {want}"
            self.consumer.poll(0.1)
            have = self.assignment()
        record["assignment"] = have
        marker = f"{name}-{time.monotonic_ns()}-"
        for topic in produce_to:
            for i in range(RECORDS_PER_STEP):
                self.producer.produce(topic, value=f"{marker}{i}".encode(), partition=i % PARTITIONS)
        self.producer.flush(self.timeout)
        wanted = RECORDS_PER_STEP * len(produce_to)
        consumed = 0
        while consumed < wanted and time.monotonic() < deadline:
            msg = self.consumer.poll(0.1)
            if msg is not None and msg.error() is None and msg.value().decode().startswith(marker):
                consumed += 1
        record["consumed"] = consumed
        record["elapsed_ms"] = int((time.monotonic() - started) * 1000)
        if consumed < wanted:
            return f"{name}: consumed {consumed} of {wanted} new records"
        self.consumer.commit(asynchronous=False)
        return None


def expected(prefix, *suffixes):
    return sorted(f"{prefix}-{s}-{p}" for s in suffixes for p in range(PARTITIONS))


def deleted_topic(s, prefix):
    a, b = f"{prefix}-a", f"{prefix}-b"
    s.create_topics(a, b)
    s.consumer.subscribe([a, b])
    error = s.step("subscribed to a and b", expected(prefix, "a", "b"), [a, b])
    if error is None:
        s.delete_topic(b)
        error = s.step("b deleted", expected(prefix, "a"), [a])
    return error


def resubscribe(s, prefix):
    a, b = f"{prefix}-a", f"{prefix}-b"
    s.create_topics(a, b)
    plan = [
        ([a], "subscribe(a)", expected(prefix, "a"), [a]),
        ([b], "subscribe(b)", expected(prefix, "b"), [b]),
        ([a, b], "subscribe(a, b)", expected(prefix, "a", "b"), [a, b]),
        # librdkafka sends a ^-prefixed subscription as the broker-side regex (KIP-848).
        ([f"^{prefix}-[b]"], "subscribe(^regex b)", expected(prefix, "b"), [b]),
    ]
    for topics, name, want, produce_to in plan:
        s.consumer.subscribe(topics)
        error = s.step(name, want, produce_to)
        if error is not None:
            return error
    return None


def cmd_group(args, scenario):
    s = Scenario(args)
    try:
        error = scenario(s, args.name)
    except KafkaException as e:
        error = f"exception: {e.args[0]}"
    finally:
        s.consumer.close()
    emit({"steps": s.steps, "error": error})


def cmd_init_transactions(args):
    producer = Producer({"bootstrap.servers": args.bootstrap, "transactional.id": args.name})
    started = time.monotonic()
    result = {"failed": False}
    try:
        # librdkafka's own bound: a retried error would block this long (then time out).
        producer.init_transactions(args.timeout)
    except KafkaException as e:
        err = e.args[0]
        result = {"failed": True, "code": err.name(), "message": err.str(), "fatal": err.fatal(), "retriable": err.retriable()}
    result["elapsed_ms"] = int((time.monotonic() - started) * 1000)
    result["timeout_ms"] = int(args.timeout * 1000)
    emit(result)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["deleted-topic", "resubscribe", "init-transactions"])
    parser.add_argument("bootstrap")
    parser.add_argument("name", help="topic prefix, or the transactional.id")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    if args.command == "deleted-topic":
        cmd_group(args, deleted_topic)
    elif args.command == "resubscribe":
        cmd_group(args, resubscribe)
    else:
        cmd_init_transactions(args)


if __name__ == "__main__":
    main()
