"""confluent-kafka 2.x for Python (its own librdkafka) against a Freshet broker, for the calls
Debian's confluent-kafka 1.7 lacks. Run with the python of .venv-test, where .ci/run installs it
from PyPI (test/helpers/pypi.ts). Each subcommand prints ONE JSON
object as its last stdout line; every wait is bounded by --timeout.

  confluent2_admin.py acls           BOOTSTRAP
  confluent2_admin.py authorized-ops BOOTSTRAP TOPIC GROUP   (GROUP-classic and GROUP-kip848)
  confluent2_admin.py elect          BOOTSTRAP TOPIC
  confluent2_admin.py record-errors  BOOTSTRAP TOPIC
  confluent2_admin.py topic-metadata BOOTSTRAP TOPIC         (each partition's leader, replicas, ISR)
"""

import argparse
import json
import time

from confluent_kafka import (
    Consumer,
    ElectionType,
    KafkaException,
    Producer,
    TopicCollection,
    TopicPartition,
)
from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    NewTopic,
    ResourcePatternType,
    ResourceType,
)


def emit(result):
    print(json.dumps(result), flush=True)


def admin_for(args):
    return AdminClient({"bootstrap.servers": args.bootstrap, "log.connection.close": False})


def error_of(e):
    """A KafkaException's KafkaError as {name, code, message}."""
    err = e.args[0]
    return {"name": err.name(), "code": err.code(), "message": err.str()}


def outcome(future, timeout):
    try:
        return {"result": repr(future.result(timeout=timeout)), "error": None}
    except KafkaException as e:
        return {"result": None, "error": error_of(e)}


def cmd_acls(args):
    admin = admin_for(args)
    t = args.timeout
    binding = AclBinding(ResourceType.TOPIC, "t", ResourcePatternType.LITERAL, "User:alice", "*",
                         AclOperation.READ, AclPermissionType.ALLOW)
    any_filter = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None,
                                  AclOperation.ANY, AclPermissionType.ANY)
    created = admin.create_acls([binding], request_timeout=t)
    deleted = admin.delete_acls([any_filter], request_timeout=t)
    emit({
        "describe": outcome(admin.describe_acls(any_filter, request_timeout=t), t),
        "create": outcome(created[binding], t),
        "delete": outcome(deleted[any_filter], t),
    })


def ops(operations):
    return None if operations is None else sorted(op.name for op in operations)


def join_group(args, group, protocol):
    """A member that holds its assignment, so describe_consumer_groups describes a live group:
    through ConsumerGroupDescribe for group.protocol=consumer (KIP-848), and through
    DescribeGroups after ConsumerGroupDescribe's GROUP_ID_NOT_FOUND for a classic group."""
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": group,
        "group.protocol": protocol,
        "log.connection.close": False,
    })
    consumer.subscribe([args.topic])
    deadline = time.monotonic() + args.timeout
    while not consumer.assignment():
        if time.monotonic() > deadline:
            raise SystemExit(f"the {protocol} member of {group} got no assignment in time")
        consumer.poll(0.2)
    return consumer


def cmd_authorized_ops(args):
    admin = admin_for(args)
    t = args.timeout
    for f in admin.create_topics([NewTopic(args.topic, 1, 1)]).values():
        f.result(timeout=t)
    groups = {"classic": f"{args.group}-classic", "consumer": f"{args.group}-kip848"}
    members = [join_group(args, group, protocol) for protocol, group in groups.items()]
    cluster = admin.describe_cluster(include_authorized_operations=True, request_timeout=t).result(timeout=t)
    topics = admin.describe_topics(TopicCollection([args.topic]), include_authorized_operations=True,
                                   request_timeout=t)
    topic = topics[args.topic].result(timeout=t)
    described = admin.describe_consumer_groups(list(groups.values()), include_authorized_operations=True,
                                               request_timeout=t)
    plain = admin.describe_cluster(request_timeout=t).result(timeout=t)
    result = {
        "cluster": ops(cluster.authorized_operations),
        "topic": ops(topic.authorized_operations),
        "cluster_not_asked": ops(plain.authorized_operations),
    }
    for protocol, group in groups.items():
        g = described[group].result(timeout=t)
        result[protocol] = {"operations": ops(g.authorized_operations), "state": g.state.name, "type": g.type.name}
    for member in members:
        member.close()
    emit(result)


def cmd_elect(args):
    admin = admin_for(args)
    t = args.timeout
    partitions = [TopicPartition(args.topic, 0), TopicPartition(args.topic, 9), TopicPartition(args.topic + "-missing", 0)]
    result = {}
    for kind in (ElectionType.PREFERRED, ElectionType.UNCLEAN):
        try:
            # No keyword arguments: confluent-kafka 2.16's elect_leaders fails to parse any
            # ("more argument specifiers than keyword list entries").
            per_partition = admin.elect_leaders(kind, partitions).result(timeout=t)
            result[kind.name] = {
                f"{tp.topic}:{tp.partition}": None if err is None else {"name": err.name(), "code": err.code(), "message": err.str()}
                for tp, err in per_partition.items()
            }
        except KafkaException as e:
            result[kind.name] = {"error": error_of(e)}
    emit(result)


def cmd_record_errors(args):
    """KIP-467: one batch to partition 0 of a compacted topic holds two keyless records among keyed
    ones (after one keyed warm-up record); partition 1 gets a good batch in the same request.
    Reports each delivery but the warm-up's."""
    t = args.timeout
    admin = admin_for(args)
    for f in admin.create_topics([NewTopic(args.topic, 2, 1, config={"cleanup.policy": "compact"})]).values():
        f.result(timeout=t)
    producer = Producer({
        "bootstrap.servers": args.bootstrap,
        # One batch per partition, sent together: linger long enough to collect all six records.
        "linger.ms": 500,
        "enable.idempotence": False,
        "retries": 0,
        "log.connection.close": False,
    })
    deliveries = []

    def on_delivery(err, msg):
        deliveries.append({
            "partition": msg.partition(),
            "value": msg.value().decode(),
            "error": None if err is None else {"name": err.name(), "code": err.code()},
            "offset": msg.offset(),
        })

    # Metadata and the connection first (one keyed record, flushed), so that the records below
    # are queued together and leave as one batch: while the first record waited for metadata
    # under load, librdkafka sometimes sent the others one batch each.
    producer.produce(args.topic, key=b"warm-up", value=b"warm-up", partition=0)
    if producer.flush(t) != 0:
        raise SystemExit("the warm-up record was not delivered")
    for i, key in enumerate([b"a", None, b"c", None]):
        producer.produce(args.topic, key=key, value=f"p0-{i}".encode(), partition=0, on_delivery=on_delivery)
    for i in range(2):
        producer.produce(args.topic, key=b"k", value=f"p1-{i}".encode(), partition=1, on_delivery=on_delivery)
    left = producer.flush(t)
    emit({"deliveries": sorted(deliveries, key=lambda d: (d["partition"], d["value"])), "undelivered": left})


def cmd_topic_metadata(args):
    md = admin_for(args).list_topics(topic=args.topic, timeout=args.timeout)
    t = md.topics[args.topic]
    parts = [
        {"id": p.id, "leader": p.leader, "replicas": list(p.replicas), "isrs": list(p.isrs)}
        for p in sorted(t.partitions.values(), key=lambda p: p.id)
    ]
    emit({"error": None if t.error is None else t.error.name(), "partitions": parts})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["acls", "authorized-ops", "elect", "record-errors", "topic-metadata"])
    parser.add_argument("bootstrap")
    parser.add_argument("topic", nargs="?")
    parser.add_argument("group", nargs="?")
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()
    {"acls": cmd_acls, "authorized-ops": cmd_authorized_ops, "elect": cmd_elect, "record-errors": cmd_record_errors, "topic-metadata": cmd_topic_metadata}[args.command](args)


if __name__ == "__main__":
    main()
