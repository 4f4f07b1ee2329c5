"""kafka-python 2.0.2 (Debian's python3-kafka) AlterConfigs on the brokers' cluster default.

kafka-python is the installed client that sends a BROKER resource with the empty name (the
cluster-wide default of KIP-226); confluent-kafka and kafkajs refuse the empty name locally.
Prints ONE JSON object as its last stdout line.

  kafka_python_configs.py alter-default BOOTSTRAP KEY=VALUE ...
"""

import json
import sys

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient


def main():
    cmd, bootstrap, *sets = sys.argv[1:]
    assert cmd == "alter-default", cmd
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=20000, api_version_auto_timeout_ms=20000)
    try:
        configs = dict(s.split("=", 1) for s in sets)
        response = admin.alter_configs([ConfigResource(ConfigResourceType.BROKER, "", configs=configs)])
        results = [[code, message, rtype, name] for code, message, rtype, name in response.resources]
        print(json.dumps({"resources": results}), flush=True)
    finally:
        admin.close()


if __name__ == "__main__":
    main()
