// The `cluster.preferred_elections` codec (src/cluster/quorum/preferred-elections.ts): round
// trips, and a peer's bad bytes refused with DecodeError only.

import { describe, expect, test } from 'bun:test';
import {
  decodePreferredElectionAnswers,
  decodePreferredElections,
  encodePreferredElectionAnswers,
  encodePreferredElections,
  PREFERRED_ELECTIONS_MAX,
} from '../../../src/cluster/quorum/preferred-elections.ts';
import { DecodeError, Writer } from '../../../src/protocol/primitives.ts';

const request = (groups: string[]) => {
  const w = new Writer(64);
  encodePreferredElections(w, groups);
  return w.bytes().slice();
};

describe('cluster.preferred_elections', () => {
  test('requests and answers round-trip', () => {
    const groups = ['t1:0', 't1:1', 'another:12'];
    expect(decodePreferredElections(request(groups))).toEqual(groups);
    expect(decodePreferredElections(request([]))).toEqual([]);
    const answers = [
      { group: 't1:0', errorCode: 0, message: null },
      { group: 't1:1', errorCode: 80, message: 'the preferred replica 1 is not in sync' },
    ];
    expect(decodePreferredElectionAnswers(encodePreferredElectionAnswers(answers))).toEqual(answers);
  });

  test("a peer's bad bytes are a DecodeError: truncated, trailing, a negative or too large count", () => {
    const ok = request(['t1:0']);
    expect(() => decodePreferredElections(ok.subarray(0, ok.length - 1))).toThrow(DecodeError);
    expect(() => decodePreferredElections(new Uint8Array([...ok, 0]))).toThrow(DecodeError);
    const count = (n: number) => {
      const w = new Writer(8);
      w.int32(n);
      return w.bytes().slice();
    };
    expect(() => decodePreferredElections(count(-1))).toThrow(DecodeError);
    expect(() => decodePreferredElections(count(PREFERRED_ELECTIONS_MAX + 1))).toThrow(DecodeError);
    const answers = encodePreferredElectionAnswers([{ group: 'g', errorCode: 0, message: null }]);
    expect(() => decodePreferredElectionAnswers(answers.subarray(0, answers.length - 1))).toThrow(DecodeError);
  });
});
