import { describe, expect, test } from 'bun:test';
import { ClientError } from '../../../src/client/errors.ts';
import { apiVersionsRetryVersion, CLIENT_VERSION_CAPS, negotiateVersion } from '../../../src/client/versions.ts';
import { DescribeGroups, Fetch, Metadata } from '../../../src/protocol/messages/index.ts';

const ranges = (entries: Array<[number, number, number]>) => new Map(entries.map(([k, min, max]) => [k, { minVersion: min, maxVersion: max }]));

describe('version negotiation', () => {
  test('the highest version both sides support', () => {
    expect(negotiateVersion(Metadata, ranges([[3, 0, 9]]))).toBe(9);
    expect(negotiateVersion(Metadata, ranges([[3, 0, 99]]))).toBe(Metadata.versions.max);
  });

  test('client caps apply (Fetch names topics only up to v12)', () => {
    expect(CLIENT_VERSION_CAPS.get(Fetch.apiKey)).toBe(12);
    expect(negotiateVersion(Fetch, ranges([[1, 4, 18]]))).toBe(12);
  });

  test('no overlap is refused with both ranges in the message', () => {
    let err: unknown;
    try {
      negotiateVersion(Fetch, ranges([[1, 13, 18]]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClientError);
    expect((err as ClientError).kind).toBe('unsupported_version');
    expect((err as ClientError).message).toContain('13-18');
    expect((err as ClientError).message).toContain('4-12');
  });

  test('an API the broker does not list is refused', () => {
    expect(() => negotiateVersion(DescribeGroups, ranges([[3, 0, 12]]))).toThrow(/does not support DescribeGroups/);
  });

  test('ApiVersions retry version follows the broker range (KIP-511)', () => {
    expect(apiVersionsRetryVersion(ranges([[18, 0, 2]]), 4)).toBe(2);
    expect(apiVersionsRetryVersion(ranges([[18, 0, 4]]), 4)).toBe(null);
    expect(apiVersionsRetryVersion(ranges([]), 4)).toBe(0);
    expect(apiVersionsRetryVersion(ranges([]), 0)).toBe(null);
  });
});
