"""confluent-kafka's Schema Registry client and serializers (PyPI 2.x) against a Freshet node.

Run with the virtualenv test/clients/install.sh makes (confluent-kafka with its avro, json,
protobuf and schemaregistry extras). Each subcommand produces records through the serializer
(which registers the schema with the node's registry), consumes them back through the
deserializer (which fetches the schema by the id in each record), and prints ONE JSON object as
its last stdout line. Every wait is bounded by --timeout.

  registry_serde.py avro     BOOTSTRAP REGISTRY_URL TOPIC   Avro: v1, a compatible v2 (a field
                                                            with a default), an incompatible v3
  registry_serde.py json     BOOTSTRAP REGISTRY_URL TOPIC   JSON Schema: records round trip
  registry_serde.py protobuf BOOTSTRAP REGISTRY_URL TOPIC   Protobuf with a well-known import
                                                            (google/protobuf/timestamp.proto)
"""

import argparse
import json
import time

from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

RECORDS = 5

USER_V1 = json.dumps({
    "type": "record", "name": "User", "namespace": "freshet.test",
    "fields": [{"name": "name", "type": "string"}, {"name": "age", "type": "int"}],
})
# BACKWARD-compatible: the new field has a default (Avro schema resolution).
USER_V2 = json.dumps({
    "type": "record", "name": "User", "namespace": "freshet.test",
    "fields": [{"name": "name", "type": "string"}, {"name": "age", "type": "int"},
               {"name": "email", "type": "string", "default": ""}],
})
# Not BACKWARD-compatible: a new field without a default cannot be read from v2 data.
USER_V3_BAD = json.dumps({
    "type": "record", "name": "User", "namespace": "freshet.test",
    "fields": [{"name": "name", "type": "string"}, {"name": "age", "type": "int"},
               {"name": "email", "type": "string", "default": ""}, {"name": "phone", "type": "string"}],
})

ORDER_JSON = json.dumps({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Order", "type": "object",
    "properties": {"id": {"type": "integer"}, "item": {"type": "string"}},
    "required": ["id", "item"],
})


def emit(result):
    print(json.dumps(result), flush=True)


def produce(bootstrap, topic, values, timeout):
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    errors = []
    for v in values:
        producer.produce(topic, value=v, on_delivery=lambda err, _msg: err and errors.append(str(err)))
    left = producer.flush(timeout)
    if left or errors:
        raise RuntimeError(f"produce: {left} undelivered, errors {errors}")


def consume(bootstrap, topic, count, deserialize, timeout):
    consumer = Consumer({
        "bootstrap.servers": bootstrap, "group.id": topic + "-group",
        "auto.offset.reset": "earliest", "enable.auto.commit": False,
    })
    consumer.subscribe([topic])
    out = []
    deadline = time.monotonic() + timeout
    try:
        while len(out) < count and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                raise RuntimeError(f"consume: {msg.error()}")
            out.append(deserialize(msg.value(), SerializationContext(topic, MessageField.VALUE)))
    finally:
        consumer.close()
    return out


def schema_id_of(raw):
    # Confluent's wire format: magic byte 0, then the schema id as a big-endian int32.
    return int.from_bytes(raw[1:5], "big") if raw and raw[0] == 0 else None


def registry_error(fn):
    try:
        fn()
        return None
    except SchemaRegistryError as e:
        return {"http_status": e.http_status_code, "error_code": e.error_code}


def avro(args, client):
    from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer

    subject = args.topic + "-value"
    ctx = SerializationContext(args.topic, MessageField.VALUE)
    v1 = AvroSerializer(client, USER_V1)
    v2 = AvroSerializer(client, USER_V2)
    raw = [v1({"name": f"u{i}", "age": i}, ctx) for i in range(RECORDS)]
    raw += [v2({"name": f"w{i}", "age": 100 + i, "email": f"w{i}@x"}, ctx) for i in range(RECORDS)]
    produce(args.bootstrap, args.topic, raw, args.timeout)
    # The reader's schema is v2: v1 records come back with the default filled in.
    reader = AvroDeserializer(client, USER_V2)
    values = consume(args.bootstrap, args.topic, len(raw), reader, args.timeout)
    return {
        "ids": sorted({schema_id_of(r) for r in raw}),
        "versions": client.get_versions(subject),
        "latest_id": client.get_latest_version(subject).schema_id,
        "values": values,
        "v3_compatible": client.test_compatibility(subject, Schema(USER_V3_BAD, "AVRO")),
        "v3_register": registry_error(lambda: client.register_schema(subject, Schema(USER_V3_BAD, "AVRO"))),
        "v1_again": client.register_schema(subject, Schema(USER_V1, "AVRO")),
    }


def json_schema(args, client):
    from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer

    ctx = SerializationContext(args.topic, MessageField.VALUE)
    ser = JSONSerializer(ORDER_JSON, client)
    raw = [ser({"id": i, "item": f"thing {i}"}, ctx) for i in range(RECORDS)]
    # The serializer validates against the schema: a record missing "item" is refused locally.
    try:
        ser({"id": 99}, ctx)
        invalid_refused = False
    except Exception:
        invalid_refused = True
    produce(args.bootstrap, args.topic, raw, args.timeout)
    values = consume(args.bootstrap, args.topic, len(raw), JSONDeserializer(ORDER_JSON), args.timeout)
    registered = client.get_schema(schema_id_of(raw[0]))
    return {
        "ids": sorted({schema_id_of(r) for r in raw}),
        "schema_type": registered.schema_type,
        "values": values,
        "invalid_refused": invalid_refused,
    }


def protobuf_message_class():
    """A message type built at run time (no protoc): freshet.test.Reading with a Timestamp."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, timestamp_pb2  # noqa: F401

    fdp = descriptor_pb2.FileDescriptorProto()
    fdp.name = "freshet/test/reading.proto"
    fdp.package = "freshet.test"
    fdp.syntax = "proto3"
    fdp.dependency.append("google/protobuf/timestamp.proto")
    msg = fdp.message_type.add()
    msg.name = "Reading"
    F = descriptor_pb2.FieldDescriptorProto
    for number, (name, ftype, type_name) in enumerate([
        ("sensor", F.TYPE_STRING, None),
        ("value", F.TYPE_DOUBLE, None),
        ("at", F.TYPE_MESSAGE, ".google.protobuf.Timestamp"),
    ], start=1):
        field = msg.field.add()
        field.name, field.number, field.type, field.label = name, number, ftype, F.LABEL_OPTIONAL
        if type_name:
            field.type_name = type_name
    pool = descriptor_pool.Default()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("freshet.test.Reading"))


def protobuf(args, client):
    from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer

    Reading = protobuf_message_class()
    ctx = SerializationContext(args.topic, MessageField.VALUE)
    ser = ProtobufSerializer(Reading, client, {"use.deprecated.format": False})
    raw = []
    for i in range(RECORDS):
        r = Reading(sensor=f"s{i}", value=i * 1.5)
        r.at.seconds = 1_700_000_000 + i
        raw.append(ser(r, ctx))
    produce(args.bootstrap, args.topic, raw, args.timeout)
    de = ProtobufDeserializer(Reading, {"use.deprecated.format": False})
    values = consume(args.bootstrap, args.topic, len(raw), de, args.timeout)
    registered = client.get_schema(schema_id_of(raw[0]))
    return {
        "ids": sorted({schema_id_of(r) for r in raw}),
        "schema_type": registered.schema_type,
        "values": [{"sensor": v.sensor, "value": v.value, "at": v.at.seconds} for v in values],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["avro", "json", "protobuf"])
    parser.add_argument("bootstrap")
    parser.add_argument("registry_url")
    parser.add_argument("topic")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    client = SchemaRegistryClient({"url": args.registry_url})
    run = {"avro": avro, "json": json_schema, "protobuf": protobuf}[args.scenario]
    try:
        emit({"result": run(args, client), "error": None})
    except Exception as e:  # the test prints the error; the JSON line says what failed
        emit({"result": None, "error": f"{type(e).__name__}: {e}"})


if __name__ == "__main__":
    main()
