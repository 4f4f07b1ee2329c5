// test/helpers/spec-decoder.ts checks the integration tests' answers straight from Kafka's JSON
// specs, so it is itself checked here: every golden response frame (captured from real
// clients, test/golden/) must decode with it at its version and consume exactly its bytes, and
// a frame with a byte too few or too many must be refused.

import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, type IndexEntry } from '../../golden/capture.ts';
import { SpecDecoder, loadSpec } from '../../helpers/spec-decoder.ts';
import { KAFKA_SPECS, testRequiring } from '../../helpers/requirements.ts';

const GOLDEN_DIR = join(import.meta.dir, '..', '..', 'golden');

function flexible(apiName: string, version: number): boolean {
  const range = loadSpec(`${apiName}Response`).flexibleVersions;
  return range !== 'none' && version >= Number(range.replace('+', ''));
}

/** The body of a captured response: after the correlation id, and the tag buffer of header v1. */
function body(entry: IndexEntry, frame: Uint8Array): Uint8Array {
  const headerV1 = entry.apiName !== 'ApiVersions' && flexible(entry.apiName, entry.apiVersion);
  return frame.subarray(headerV1 ? 5 : 4);
}

const responses = readdirSync(GOLDEN_DIR)
  .filter((name) => statSync(join(GOLDEN_DIR, name)).isDirectory() && name !== 'drivers')
  .flatMap((name) => {
    const index = JSON.parse(readFileSync(join(GOLDEN_DIR, name, 'index.json'), 'utf8')) as IndexEntry[];
    return index
      .filter((e) => e.direction === 'response')
      .map((entry) => ({ client: name, entry, frame: fromHex(readFileSync(join(GOLDEN_DIR, name, entry.file), 'utf8')) }));
  });

describe('spec decoder against golden responses', () => {
  test('there are golden responses to check', () => {
    expect(responses.length).toBeGreaterThan(20);
  });

  for (const { client, entry, frame } of responses) {
    testRequiring(KAFKA_SPECS, `${client} ${entry.file}`, () => {
      const decoder = new SpecDecoder(`${entry.apiName}Response`);
      const b = body(entry, frame);
      const decoded = decoder.decode(b, entry.apiVersion);
      expect(Object.keys(decoded).length).toBeGreaterThan(0);
      expect(() => decoder.decode(b.subarray(0, b.length - 1), entry.apiVersion)).toThrow();
      const longer = new Uint8Array(b.length + 1);
      longer.set(b);
      expect(() => decoder.decode(longer, entry.apiVersion)).toThrow();
    });
  }
});
