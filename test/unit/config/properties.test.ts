// The property tables are long lists edited from several places (the properties Freshet acts on,
// the catalogue of Kafka's other broker properties): a name defined twice would make the lookup
// maps silently keep one definition and DescribeConfigs list the other.

import { describe, expect, test } from 'bun:test';
import { BROKER_PROPERTIES, TOPIC_CONFIGS } from '../../../src/config/properties.ts';

function duplicates(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.filter((n) => (seen.has(n) ? true : (seen.add(n), false)));
}

describe('property tables', () => {
  test('every broker property is defined once', () => {
    expect(duplicates(BROKER_PROPERTIES.map((d) => d.name))).toEqual([]);
  });

  test('every topic config is defined once', () => {
    expect(duplicates(TOPIC_CONFIGS.map((d) => d.name))).toEqual([]);
  });
});
