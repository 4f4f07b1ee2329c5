// SaslHandshake (17), versions 0-1; never flexible (clients up to 2.4 negotiate it badly, so
// Kafka cannot bump it). v0 is followed by raw SASL tokens on the socket; v1 by
// SaslAuthenticate requests (KIP-152).

import { api, array, int16, string, struct } from '../schema.ts';

export const SaslHandshake = api({
  apiKey: 17,
  name: 'SaslHandshake',
  versions: '0-1',
  flexible: 'none',
  request: struct({
    mechanism: string(),
  }),
  response: struct({
    errorCode: int16(),
    mechanisms: array(string()),
  }),
});
