"""confluent-kafka's AdminClient (a PyPI release, librdkafka 2.10+) on config resources.

Run with the test venv's python (test/helpers/pypi.ts): Debian's python3-confluent-kafka 1.7
has no incremental_alter_configs and no GROUP config resource (KIP-848). Each subcommand prints
ONE JSON object as its last stdout line; every wait is bounded by --timeout.

  config_admin.py describe    BOOTSTRAP TYPE NAME [--names a,b]
  config_admin.py incremental BOOTSTRAP TYPE NAME OP:KEY[=VALUE] ...   (OP: set, delete, append, subtract)
  config_admin.py alter       BOOTSTRAP TYPE NAME KEY=VALUE ...
TYPE is topic, broker or group. The client refuses the empty name (the brokers' cluster
default); kafka_python_configs.py reaches that one.
"""

import argparse
import json

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource


def emit(result):
    print(json.dumps(result), flush=True)


def admin_for(args):
    # The caller keeps the client alive until its futures resolve (else they fail with _DESTROY).
    return AdminClient({"bootstrap.servers": args.bootstrap, "socket.timeout.ms": 10000, "log.connection.close": False})


def resource(args, **kw):
    restype = {"topic": ConfigResource.Type.TOPIC, "broker": ConfigResource.Type.BROKER, "group": ConfigResource.Type.GROUP}[args.type]
    return ConfigResource(restype, args.name, **kw)


def outcome(futures, timeout):
    """None, or the error's name and message."""
    try:
        for f in futures.values():
            f.result(timeout=timeout)
        return None
    except KafkaException as e:
        err = e.args[0]
        return {"name": err.name(), "message": err.str()}


def cmd_describe(args):
    names = args.names.split(",") if args.names else None
    res = resource(args, described_configs=names) if names else resource(args)
    admin = admin_for(args)
    futures = admin.describe_configs([res], request_timeout=args.timeout)
    try:
        configs = list(futures.values())[0].result(timeout=args.timeout)
    except KafkaException as e:
        err = e.args[0]
        return emit({"error": {"name": err.name(), "message": err.str()}})
    out = []
    for name, entry in configs.items():
        out.append({
            "name": name,
            "value": entry.value,
            "source": int(entry.source),
            "read_only": bool(entry.is_read_only),
            "synonyms": [[s.name, s.value, int(s.source)] for s in entry.synonyms.values()],
        })
    emit({"error": None, "configs": out})


OPS = {"set": AlterConfigOpType.SET, "delete": AlterConfigOpType.DELETE, "append": AlterConfigOpType.APPEND, "subtract": AlterConfigOpType.SUBTRACT}


def cmd_incremental(args):
    entries = []
    for spec in args.ops:
        op, _, kv = spec.partition(":")
        key, _, value = kv.partition("=")
        entries.append(ConfigEntry(key, value if op != "delete" else None, incremental_operation=OPS[op]))
    res = resource(args, incremental_configs=entries)
    admin = admin_for(args)
    futures = admin.incremental_alter_configs([res], request_timeout=args.timeout)
    emit({"error": outcome(futures, args.timeout)})


def cmd_alter(args):
    res = resource(args, set_config={k: v for k, _, v in (s.partition("=") for s in args.sets)})
    admin = admin_for(args)
    futures = admin.alter_configs([res], request_timeout=args.timeout)
    emit({"error": outcome(futures, args.timeout)})


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("describe", "incremental", "alter"):
        s = sub.add_parser(name)
        s.add_argument("bootstrap")
        s.add_argument("type", choices=["topic", "broker", "group"])
        s.add_argument("name")
        s.add_argument("--timeout", type=float, default=20)
        if name == "describe":
            s.add_argument("--names")
        elif name == "incremental":
            s.add_argument("ops", nargs="*")
        else:
            s.add_argument("sets", nargs="*")
    args = p.parse_args()
    {"describe": cmd_describe, "incremental": cmd_incremental, "alter": cmd_alter}[args.cmd](args)


if __name__ == "__main__":
    main()
