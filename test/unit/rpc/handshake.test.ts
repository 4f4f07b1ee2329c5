// The handshake's pure part (src/rpc/handshake.ts): hellos round-trip; malformed ones are
// DecodeError; agreement picks, per type both sides speak, the highest common version, the same
// on both sides; and every refusal says clearly who speaks what.

import { describe, expect, test } from 'bun:test';
import { DecodeError, Writer } from '../../../src/protocol/primitives.ts';
import { agree, decodeHello, decodeRefusal, encodeHello, encodeRefusal, HANDSHAKE_MAGIC, type Hello, RefusalCode } from '../../../src/rpc/handshake.ts';

const RAFT = { type: 1, name: 'raft.messages', versions: { min: 1, max: 3 } };
const FORWARD = { type: 2, name: 'controller.forward', versions: { min: 0, max: 0 } };

const hello = (nodeId: number, over: Partial<Hello> = {}): Hello => ({ framing: { min: 1, max: 1 }, nodeId, clusterId: 'c1', kinds: [RAFT, FORWARD], ...over });

describe('rpc handshake', () => {
  test('a hello round-trips; a refusal too', () => {
    const h = hello(7, { clusterId: 'ünï-cluster', framing: { min: 1, max: 4 } });
    expect(decodeHello(encodeHello(h))).toEqual(h);
    expect(decodeRefusal(encodeRefusal({ code: RefusalCode.cluster_mismatch, message: 'no' }))).toEqual({ code: 1, message: 'no' });
    const long = decodeRefusal(encodeRefusal({ code: 3, message: 'x'.repeat(5000) }));
    expect(long.message.length).toBeLessThanOrEqual(1024);
  });

  test('versions: the highest common one per type, the same from both sides; a type one side lacks is left out', () => {
    const a = hello(1, { kinds: [RAFT, FORWARD] });
    const b = hello(2, { kinds: [{ ...RAFT, versions: { min: 2, max: 5 } }] });
    const ab = agree(a, b);
    const ba = agree(b, a);
    expect(ab).toEqual({ ok: true, framingVersion: 1, versions: new Map([[1, 3]]) });
    expect(ba).toEqual(ab);
  });

  test('refusals name the nodes and what each speaks', () => {
    const no = (ours: Hello, theirs: Hello) => {
      const r = agree(ours, theirs);
      if (r.ok) throw new Error('agreed');
      return r.refusal;
    };
    expect(no(hello(1), hello(2, { clusterId: 'c2' }))).toEqual({ code: RefusalCode.cluster_mismatch, message: "node 2 is in cluster 'c2', this node 1 in 'c1'" });
    expect(no(hello(1), hello(2, { framing: { min: 2, max: 3 } }))).toEqual({ code: RefusalCode.unsupported_framing, message: 'node 2 frames with versions v2..v3, this node 1 with v1' });
    expect(no(hello(1), hello(1)).code).toBe(RefusalCode.same_node_id);
    expect(no(hello(1), hello(2, { kinds: [{ ...RAFT, versions: { min: 4, max: 6 } }] }))).toEqual({
      code: RefusalCode.version_mismatch,
      message: 'node 2 speaks raft.messages (type 1) in versions v4..v6, this node 1 in v1..v3: upgrade one of them',
    });
  });

  test('malformed hellos are DecodeError: wrong magic, empty ranges, negative node id, long strings, repeats, counts, leftovers', () => {
    const bad = (write: (w: Writer) => void) => {
      const w = new Writer();
      write(w);
      return () => decodeHello(w.bytes().slice());
    };
    const head = (w: Writer, magic = HANDSHAKE_MAGIC) => {
      w.uint32(magic);
      w.uint16(1);
      w.uint16(1);
    };
    expect(bad((w) => head(w, 0x12345678))).toThrow(/not a Freshet RPC hello/);
    expect(bad((w) => { w.uint32(HANDSHAKE_MAGIC); w.uint16(2); w.uint16(1); })).toThrow(/empty/);
    expect(bad((w) => { head(w); w.int32(-1); })).toThrow(/negative/);
    expect(bad((w) => { head(w); w.int32(1); w.compactString('x'.repeat(300)); })).toThrow(/longer than 255/);
    expect(bad((w) => { head(w); w.int32(1); w.compactString('c'); w.uvarint(5000); })).toThrow(/more than 1024/);
    expect(bad((w) => { head(w); w.int32(1); w.compactString('c'); w.uvarint(10); })).toThrow(DecodeError);
    expect(bad((w) => {
      head(w);
      w.int32(1);
      w.compactString('c');
      w.uvarint(2);
      for (let i = 0; i < 2; i++) { w.uint16(1); w.uint16(1); w.uint16(1); w.compactString('k'); }
    })).toThrow(/twice/);
    const extra = new Uint8Array([...encodeHello(hello(1)), 0]);
    expect(() => decodeHello(extra)).toThrow(/after the hello/);
    for (let cut = 0; cut < encodeHello(hello(1)).length; cut++) expect(() => decodeHello(encodeHello(hello(1)).subarray(0, cut))).toThrow(DecodeError);
  });
});
