// `freshet registry` options: where the registry is by default (as --brokers finds the Kafka
// listener: an explicit variable, else the node's own listener from its FRESHET_* variable with
// a wildcard host read as loopback, else Confluent's default http://127.0.0.1:8081), the output
// format, and the query strings built for Confluent's REST parameters.

import { describe, expect, test } from 'bun:test';
import { parseFlags, UsageError } from '../../../src/base/flags.ts';
import { defaultRegistryUrl, query, REGISTRY_COMMON_FLAGS, registryOptions, seg } from '../../../src/cli/registry-http.ts';

const options = (args: string[], env: Record<string, string> = {}) => registryOptions(parseFlags(args, REGISTRY_COMMON_FLAGS), env);

describe('registry options', () => {
  test('the default registry: FRESHET_REGISTRY_URL, else the node\'s listener, else http://127.0.0.1:8081', () => {
    expect(defaultRegistryUrl({})).toBe('http://127.0.0.1:8081');
    expect(defaultRegistryUrl({ FRESHET_REGISTRY_URL: 'http://sr.example:8081' })).toBe('http://sr.example:8081');
    expect(defaultRegistryUrl({ FRESHET_SCHEMA_REGISTRY_ADDR: '0.0.0.0:18081' })).toBe('http://127.0.0.1:18081');
    expect(defaultRegistryUrl({ FRESHET_SCHEMA_REGISTRY_ADDR: 'none' })).toBe('http://127.0.0.1:8081');
    expect(defaultRegistryUrl({ FRESHET_REGISTRY_URL: ' ', FRESHET_SCHEMA_REGISTRY_ADDR: '10.0.0.5:8081' })).toBe('http://10.0.0.5:8081');
  });

  test('--registry-url wins and loses its trailing slash; --json is --format json', () => {
    expect(options(['--registry-url', 'http://h:1/'], { FRESHET_REGISTRY_URL: 'http://x:2' })).toEqual({ url: 'http://h:1', format: 'table' });
    expect(options(['--json']).format).toBe('json');
    expect(options(['--format', 'json']).format).toBe('json');
  });

  test('a URL that is not http(s) and an unknown format are usage errors', () => {
    expect(() => options(['--registry-url', 'nope'])).toThrow(UsageError);
    expect(() => options(['--registry-url', 'ftp://h:1'])).toThrow(/not an http\(s\) URL/);
    expect(() => options(['--format', 'yaml'])).toThrow(/table or json/);
  });

  test('paths and query strings: subjects are escaped, unset and false parameters left out', () => {
    expect(seg('a/b c')).toBe('a%2Fb%20c');
    expect(query({ permanent: false, deleted: undefined })).toBe('');
    expect(query({ permanent: true, subjectPrefix: 'orders-' })).toBe('?permanent=true&subjectPrefix=orders-');
  });
});
