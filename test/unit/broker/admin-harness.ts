// Shared by the admin-*.test.ts files: a --dev Broker on a temporary directory, and a call
// helper that drives a handler the way the connection does. The request is encoded and decoded
// at the version under test (so absent fields take their wire defaults) and the response is
// encoded and decoded back (so a value the version cannot carry fails here, not on a socket).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Broker } from '../../../src/broker/broker.ts';
import { systemDeps } from '../../../src/cli/node-deps.ts';
import type { Handler, RequestContext } from '../../../src/broker/handler.ts';
import { NO_RESPONSE } from '../../../src/broker/handler.ts';
import { WakeSignal } from '../../../src/broker/wait.ts';
import { buildNodeConfig } from '../../../src/config/node-config.ts';
import type { RequestHeader } from '../../../src/protocol/header.ts';
import { Reader, Writer } from '../../../src/protocol/primitives.ts';
import {
  type ApiDef,
  decoderFor,
  type Encodable,
  encoderFor,
  inRange,
  type RequestOf,
  type ResponseOf,
} from '../../../src/protocol/schema.ts';

export interface TestBroker {
  broker: Broker;
  dir: string;
  close(): Promise<void>;
}

/** A --dev broker (unless `dev` is false) on a fresh temporary directory; `sets` are `--set key=value` strings. */
export function openBroker(sets: string[] = [], dev = true): TestBroker {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-admin-'));
  const config = buildNodeConfig({ 'data-dir': dir, dev, 'node-id': '0', set: sets });
  const broker = new Broker(config, systemDeps({}));
  return {
    broker,
    dir,
    async close() {
      await broker.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function roundTrip<T>(def: ApiDef['request'], version: number, flexible: boolean, value: unknown): T {
  const w = new Writer(256);
  encoderFor(def, version, flexible)(w, value as never);
  return decoderFor(def, version, flexible)(new Reader(w.bytes().slice())) as T;
}

/** Calls `h` at `version` with `request` through the codecs; returns the decoded response. */
// biome-ignore lint: the handler registry's wide type
export async function call<A extends ApiDef<any, any>>(
  tb: TestBroker,
  h: Handler<A>,
  version: number,
  request: Encodable<RequestOf<A>>,
): Promise<ResponseOf<A>> {
  const api = h.api;
  const flexible = inRange(api.flexible, version);
  const req = roundTrip<RequestOf<A>>(api.request, version, flexible, request);
  const ctx: RequestContext = {
    broker: tb.broker,
    header: { apiKey: api.apiKey, apiVersion: version, correlationId: 1, clientId: 'test' } as unknown as RequestHeader,
    apiVersion: version,
    connectionId: 1,
    clientHost: '/127.0.0.1',
    wake: new WakeSignal(),
  };
  const res = await h.handle(ctx, req);
  if (res === NO_RESPONSE) throw new Error('handler did not answer');
  return roundTrip<ResponseOf<A>>(api.response, version, flexible, res);
}
