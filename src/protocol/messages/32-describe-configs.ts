// DescribeConfigs (32), versions 1-4; flexible from 4.
// v1 adds synonyms (KIP-226) and replaces isDefault with configSource; v3 adds the config type
// and documentation (KIP-525).

import { api, array, bool, int16, int32, int8, string, struct } from '../schema.ts';

export const DescribeConfigs = api({
  apiKey: 32,
  name: 'DescribeConfigs',
  versions: '1-4',
  flexible: '4+',
  request: struct({
    resources: array(struct({
      resourceType: int8(),
      resourceName: string(),
      configurationKeys: array(string(), '0+', { nullable: '0+' }),
    })),
    includeSynonyms: bool('1+'),
    includeDocumentation: bool('3+'),
  }),
  response: struct({
    throttleTimeMs: int32(),
    results: array(struct({
      errorCode: int16(),
      errorMessage: string('0+', { nullable: '0+' }),
      resourceType: int8(),
      resourceName: string(),
      configs: array(struct({
        name: string(),
        value: string('0+', { nullable: '0+' }),
        readOnly: bool(),
        configSource: int8('1+', { default: -1 }),
        isDefault: bool('0'),
        isSensitive: bool(),
        synonyms: array(struct({
          name: string('1+'),
          value: string('1+', { nullable: '0+' }),
          source: int8('1+'),
        }), '1+'),
        configType: int8('3+'),
        documentation: string('3+', { nullable: '0+' }),
      })),
    })),
  }),
});
