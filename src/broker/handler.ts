// The shape every API handler has (src/broker/handlers/NN-name.ts): the API definition it
// serves and a function from a decoded request to a response value. Handlers never touch
// sockets and never throw Kafka errors: errors are codes in the response. A handler that
// throws has hit a bug; the connection it came from is closed and nothing else.

import type { RequestHeader } from '../protocol/header.ts';
import type { ApiDef, Encodable, RequestOf, ResponseOf } from '../protocol/schema.ts';
import type { Broker } from './broker.ts';
import type { WakeSignal } from './wait.ts';

/** Returned by a handler that must not answer (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('no response');

export interface RequestContext {
  readonly broker: Broker;
  readonly header: RequestHeader;
  readonly apiVersion: number;
  readonly connectionId: number;
  /** The client's address as the socket reports it (DescribeGroups clientHost). */
  readonly clientHost: string;
  /** Fires when waiting requests must answer at once: the connection closed or the node is
   *  stopping. Long polls subscribe and unsubscribe (wait.ts). */
  readonly wake: WakeSignal;
  /**
   * The request frame's own ArrayBuffer, when nothing else shares it (it was assembled from
   * several reads): a handler may move it to a thread (validation-pool.ts), after which the
   * request's views of it are empty. Absent when the frame is a view of a read chunk.
   */
  readonly ownedFrame?: ArrayBuffer;
}

export type HandlerResult<A> = Encodable<ResponseOf<A>> | typeof NO_RESPONSE;

export interface Handler<A extends ApiDef = ApiDef> {
  readonly api: A;
  /** Lowest version advertised in ApiVersions when it must differ from api.versions.min. */
  readonly advertisedMinVersion: number;
  handle(ctx: RequestContext, request: RequestOf<A>): HandlerResult<A> | Promise<HandlerResult<A>>;
}

// biome-ignore lint: generic registry needs the wide type
export type AnyHandler = Handler<ApiDef<any, any>>;

export function handler<A extends ApiDef<any, any>>(
  api: A,
  handle: (ctx: RequestContext, request: RequestOf<A>) => HandlerResult<A> | Promise<HandlerResult<A>>,
  options: { advertisedMinVersion?: number } = {},
): Handler<A> {
  return { api, handle, advertisedMinVersion: options.advertisedMinVersion ?? api.versions.min };
}
