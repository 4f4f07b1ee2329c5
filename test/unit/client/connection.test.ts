// Connection core against a fake socket: correlation ids and ordering, pipelining and the
// in-flight window, partial writes resumed on drain, the response size limit, timeouts,
// ApiVersions negotiation (including the KIP-511 downgrade) and typed failures.

import { describe, expect, test } from 'bun:test';
import { Connection } from '../../../src/client/connection.ts';
import { ClientError } from '../../../src/client/errors.ts';
import { ApiVersions, Heartbeat, ListGroups, Metadata } from '../../../src/protocol/messages/index.ts';
import { concat, FakeSocket, ManualTimers, responseFrame } from './fake-broker.ts';

const META_V = 12;

function setup(options: Partial<ConstructorParameters<typeof Connection>[1]> = {}) {
  const socket = new FakeSocket();
  const timers = new ManualTimers();
  const conn = new Connection(socket, { clientId: 'unit', timers, address: 'fake:9092', ...options });
  return { socket, timers, conn };
}

async function failure(p: Promise<unknown>): Promise<ClientError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ClientError);
    return e as ClientError;
  }
  throw new Error('expected a failure');
}

const metadataAnswer = (cid: number, clusterId: string) => responseFrame(Metadata, META_V, cid, { clusterId, brokers: [], topics: [] });

describe('Connection', () => {
  test('correlation ids increase and pipelined answers resolve their own requests, in order', async () => {
    const { socket, conn } = setup();
    const a = conn.send(Metadata, META_V, { topics: [] });
    const b = conn.send(Metadata, META_V, { topics: [] });
    const c = conn.send(ListGroups, 4, {});
    const reqs = socket.requests();
    expect(reqs.map((r) => [r.apiKey, r.correlationId, r.clientId])).toEqual([
      [3, 1, 'unit'],
      [3, 2, 'unit'],
      [16, 3, 'unit'],
    ]);
    // All three answers in one chunk, then checked one by one.
    conn.onData(concat(metadataAnswer(1, 'one'), metadataAnswer(2, 'two'), responseFrame(ListGroups, 4, 3, { groups: [{ groupId: 'g', protocolType: 'consumer', groupState: 'Stable' }] })));
    expect((await a).clusterId).toBe('one');
    expect((await b).clusterId).toBe('two');
    expect((await c).groups[0].groupState).toBe('Stable');
    expect(conn.inFlightCount).toBe(0);
  });

  test('answers split across chunks at every byte boundary', async () => {
    const { conn } = setup();
    const answers = concat(metadataAnswer(1, 'first'), metadataAnswer(2, 'second'));
    const a = conn.send(Metadata, META_V, { topics: [] });
    const b = conn.send(Metadata, META_V, { topics: [] });
    for (let i = 0; i < answers.length; i += 3) conn.onData(answers.slice(i, i + 3));
    expect([(await a).clusterId, (await b).clusterId]).toEqual(['first', 'second']);
  });

  test('an answer out of order breaks the protocol: every request fails and the socket closes', async () => {
    const { socket, conn } = setup();
    const a = conn.send(Metadata, META_V, { topics: [] });
    const b = conn.send(Metadata, META_V, { topics: [] });
    conn.onData(metadataAnswer(2, 'wrong'));
    const [ea, eb] = [await failure(a), await failure(b)];
    expect(ea.kind).toBe('protocol');
    expect(ea.message).toContain('correlation id 2');
    expect(eb.kind).toBe('protocol');
    expect(socket.ended).toBe(true);
    expect((await failure(conn.send(Metadata, META_V, {}))).kind).toBe('protocol');
  });

  test('partial writes: the unsent tail is kept and resent on drain, bytes in order', async () => {
    const { socket, conn } = setup();
    socket.acceptBytes = 5;
    const a = conn.send(Metadata, META_V, { topics: [{ name: 'a-topic-with-a-long-name' }] });
    const b = conn.send(Metadata, META_V, { topics: [{ name: 'b' }] });
    expect(socket.written.length).toBe(5);
    while (socket.requests().length < 2) {
      socket.acceptBytes = 7;
      conn.onDrain();
    }
    // What reached the socket is exactly two whole frames, a then b.
    expect(socket.requests().map((r) => r.correlationId)).toEqual([1, 2]);
    conn.onData(concat(metadataAnswer(1, 'a'), metadataAnswer(2, 'b')));
    expect((await a).clusterId).toBe('a');
    expect((await b).clusterId).toBe('b');
  });

  test('a write that finds the socket ended fails the requests as closed', async () => {
    const { socket, conn } = setup();
    socket.ended = true;
    expect((await failure(conn.send(Metadata, META_V, {}))).kind).toBe('closed');
  });

  test('the in-flight window holds further requests until answers arrive', async () => {
    const { socket, conn } = setup({ inFlightMax: 2 });
    const ps = [1, 2, 3].map(() => conn.send(Metadata, META_V, { topics: [] }));
    expect(socket.requests().length).toBe(2);
    expect(conn.queuedCount).toBe(1);
    conn.onData(metadataAnswer(1, 'x'));
    await ps[0];
    expect(socket.requests().length).toBe(3);
    conn.onData(concat(metadataAnswer(2, 'y'), metadataAnswer(3, 'z')));
    expect((await ps[2]).clusterId).toBe('z');
  });

  test('the queue behind the window is bounded', async () => {
    const { conn } = setup({ inFlightMax: 1, queuedMax: 1 });
    void conn.send(Metadata, META_V, {}).catch(() => {});
    void conn.send(Metadata, META_V, {}).catch(() => {});
    expect((await failure(conn.send(Metadata, META_V, {}))).kind).toBe('overloaded');
  });

  test('a response larger than the limit fails with too_large before its body arrives', async () => {
    const { socket, conn } = setup({ responseMaxBytes: 64 });
    const a = conn.send(Metadata, META_V, {});
    const prefix = new Uint8Array(4);
    new DataView(prefix.buffer).setInt32(0, 1_000_000);
    conn.onData(prefix);
    const e = await failure(a);
    expect(e.kind).toBe('too_large');
    expect(e.message).toContain('64');
    expect(socket.ended).toBe(true);
  });

  test('a timeout fails that request as timeout and the rest as closed', async () => {
    const { socket, timers, conn } = setup({ requestTimeoutMs: 1234 });
    const a = conn.send(Metadata, META_V, {});
    const b = conn.send(Metadata, META_V, {});
    timers.fireAll();
    const ea = await failure(a);
    expect(ea.kind).toBe('timeout');
    expect(ea.message).toContain('1234 ms');
    expect((await failure(b)).kind).toBe('closed');
    expect(socket.ended).toBe(true);
    expect(timers.pending.size).toBe(0);
  });

  test('answered requests clear their timers', async () => {
    const { timers, conn } = setup();
    const a = conn.send(Metadata, META_V, {});
    expect(timers.pending.size).toBe(1);
    conn.onData(metadataAnswer(1, 'ok'));
    await a;
    expect(timers.pending.size).toBe(0);
  });

  test('an undecodable answer fails only its request; the connection goes on', async () => {
    const { conn } = setup();
    const a = conn.send(Metadata, META_V, {});
    const b = conn.send(Metadata, META_V, {});
    const garbage = new Uint8Array([0, 0, 0, 6, 0, 0, 0, 1, 0xff, 0xff]);
    conn.onData(concat(garbage, metadataAnswer(2, 'fine')));
    expect((await failure(a)).kind).toBe('protocol');
    expect((await b).clusterId).toBe('fine');
    expect(conn.closed).toBe(false);
  });

  test('closed by the broker: waiting requests fail as closed', async () => {
    const { conn } = setup();
    const a = conn.send(Metadata, META_V, {});
    conn.onClose();
    expect((await failure(a)).kind).toBe('closed');
  });
});

describe('ApiVersions negotiation', () => {
  const apiKeys = [
    { apiKey: 3, minVersion: 0, maxVersion: 9 },
    { apiKey: 12, minVersion: 0, maxVersion: 4 },
    { apiKey: 18, minVersion: 0, maxVersion: 4 },
  ];

  test('learns the ranges and picks the highest common version per API', async () => {
    const { socket, conn } = setup();
    const n = conn.negotiate();
    expect(socket.requests()[0]).toMatchObject({ apiKey: 18, apiVersion: ApiVersions.versions.max });
    conn.onData(responseFrame(ApiVersions, 4, 1, { apiKeys }));
    await n;
    expect(conn.versionFor(Metadata)).toBe(9);
    expect(conn.versionFor(Heartbeat)).toBe(4);
    const e = await failure(conn.request(ListGroups, {}));
    expect(e.kind).toBe('unsupported_version');
    // Refused before anything was sent.
    expect(socket.requests().length).toBe(1);
  });

  test('a broker that does not know our ApiVersions version answers v0; we retry at its max', async () => {
    const { socket, conn } = setup();
    const n = conn.negotiate();
    // KIP-511: UNSUPPORTED_VERSION (35) in a v0 body, listing ApiVersions 0-2.
    conn.onData(responseFrame(ApiVersions, 0, 1, { errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 2 }] }));
    await Bun.sleep(0);
    expect(socket.requests().map((r) => [r.correlationId, r.apiVersion])).toEqual([
      [1, 4],
      [2, 2],
    ]);
    conn.onData(responseFrame(ApiVersions, 2, 2, { apiKeys }));
    expect((await n).get(3)?.maxVersion).toBe(9);
  });

  test('versionFor before negotiation is a typed error', () => {
    const { conn } = setup();
    expect(() => conn.versionFor(Metadata)).toThrow(ClientError);
  });
});
