"""kafka-python 2.0.2 (Debian's python3-kafka) against a Freshet broker: the ACL admin calls
(DescribeAcls, CreateAcls, DeleteAcls v1). Prints ONE JSON object as its last stdout line.

  kafka_python_admin.py acls BOOTSTRAP

kafka-python 2.0.2 cannot check the other answers of this slice: it decodes DescribeGroups v3
with the v2 response class (authorized operations are dropped) and its ProduceResponse v8 puts
record_errors and error_message at the topic level, not in each partition.
"""

import argparse
import json

from kafka import KafkaAdminClient
from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
)


def emit(result):
    print(json.dumps(result), flush=True)


def admin_for(args):
    return KafkaAdminClient(bootstrap_servers=args.bootstrap, request_timeout_ms=int(args.timeout * 1000))


def error_name(error):
    return None if error is None else type(error).__name__ if isinstance(error, Exception) else error.__name__


def cmd_acls(args):
    admin = admin_for(args)
    acl = ACL(principal="User:alice", host="*", operation=ACLOperation.READ, permission_type=ACLPermissionType.ALLOW,
              resource_pattern=ResourcePattern(ResourceType.TOPIC, "t", ACLResourcePatternType.LITERAL))
    any_filter = ACLFilter(principal=None, host=None, operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY,
                           resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY))
    result = {}
    try:
        admin.describe_acls(any_filter)
        result["describe"] = None
    except Exception as e:  # kafka-python raises the broker's error type with the response
        result["describe"] = {"error": type(e).__name__, "text": str(e)}
    created = admin.create_acls([acl])
    result["create_failed"] = [error_name(err) for _acl, err in created["failed"]]
    deleted = admin.delete_acls([any_filter])
    result["delete"] = [{"matching": len(matching), "error": error_name(err)} for _f, matching, err in deleted]
    emit(result)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["acls"])
    parser.add_argument("bootstrap")
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()
    cmd_acls(args)


if __name__ == "__main__":
    main()
