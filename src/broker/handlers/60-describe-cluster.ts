// DescribeCluster (60) v0-2 (KIP-700). This node is the whole cluster: the only broker and the
// controller. Follows Kafka's AuthHelper.computeDescribeClusterResponse:
// - v1 endpointType (KIP-919): brokers answer only for BROKER (1); an unknown type is
//   UNSUPPORTED_ENDPOINT_TYPE, CONTROLLER (2) MISMATCHED_ENDPOINT_TYPE, both INVALID_REQUEST
//   in v0 (where the field cannot be sent anyway);
// - v2 includeFencedBrokers (KIP-1073): this node is never fenced, so the list is the same;
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
  const self = broker.config;
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    endpointType: EndpointType.BROKER,
    clusterId: broker.clusterId,
    controllerId: self.nodeId,
    brokers: [
      {
        brokerId: self.nodeId,
        host: self.advertiseKafkaAddr.host,
        port: self.advertiseKafkaAddr.port,
        rack: null,
        isFenced: false,
      },
    ],
    clusterAuthorizedOperations: authorizedOperations('cluster', req.includeClusterAuthorizedOperations),
  };
});
