// The internal RPC's public surface. See README.md.

export { RpcEndpoint, type RpcEndpointOptions } from './endpoint.ts';
export { type MessageKind, type VersionRange } from './handshake.ts';
export { RPC_LIMITS, type RpcLimits, rpcLimits } from './limits.ts';
export type { PeerState } from './peer.ts';
export * from './types.ts';
