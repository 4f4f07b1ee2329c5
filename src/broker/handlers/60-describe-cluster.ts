// DescribeCluster (60) v0-2 (KIP-700). The controller and the brokers are the node's ClusterView's:
// a lone node is the only broker and the controller; a clustered node names the controller
// group's leader (-1 while there is none) and the brokers it knows (cluster/cluster-view.ts).
// Follows Kafka's AuthHelper.computeDescribeClusterResponse:
// - v1 endpointType (KIP-919): brokers answer only for BROKER (1); an unknown type is
//   UNSUPPORTED_ENDPOINT_TYPE, CONTROLLER (2) MISMATCHED_ENDPOINT_TYPE, both INVALID_REQUEST
//   in v0 (where the field cannot be sent anyway);
// - v2 includeFencedBrokers (KIP-1073): fenced brokers (not heard from by the controller for
//   broker.session.timeout.ms) are listed, with isFenced, only when asked for;
// - clusterAuthorizedOperations stays INT32_MIN unless asked for; without an authorizer Kafka
//   answers every operation CLUSTER supports (authorizer.ts).

import { ErrorCode } from '../../protocol/errors.ts';
import { DescribeCluster } from '../../protocol/messages/index.ts';
import { authorizedOperations } from '../authorizer.ts';
import { handler } from '../handler.ts';

/** EndpointType ids (org.apache.kafka.common.requests.EndpointType). */
const EndpointType = { UNKNOWN: 0, BROKER: 1, CONTROLLER: 2 } as const;

export default handler(DescribeCluster, (ctx, req) => {
  const broker = ctx.broker;
  const type = req.endpointType;
  if (type !== EndpointType.BROKER) {
    const known = type === EndpointType.CONTROLLER;
    const errorCode =
      ctx.apiVersion === 0 ? ErrorCode.INVALID_REQUEST : known ? ErrorCode.MISMATCHED_ENDPOINT_TYPE : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE;
    const errorMessage = known
      ? 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER'
      : `Unsupported endpoint type ${type}`;
    return { throttleTimeMs: 0, errorCode, errorMessage, clusterId: '', brokers: [] };
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    endpointType: EndpointType.BROKER,
    clusterId: broker.clusterId,
    controllerId: broker.cluster.controllerId(),
    brokers: broker.cluster
      .brokers()
      .filter((b) => req.includeFencedBrokers || !b.fenced)
      .map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack, isFenced: b.fenced })),
    clusterAuthorizedOperations: authorizedOperations('cluster', req.includeClusterAuthorizedOperations),
  };
});
