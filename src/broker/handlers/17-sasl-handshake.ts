// SaslHandshake (17) v0-1. Security is not built yet: the broker offers no mechanism, so every
// request gets UNSUPPORTED_SASL_MECHANISM with an empty list, which clients report as
// "the broker does not support SASL" instead of hanging.

import { ErrorCode } from '../../protocol/errors.ts';
import { SaslHandshake } from '../../protocol/messages/index.ts';
import { handler } from '../handler.ts';

export default handler(SaslHandshake, () => ({
  errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
  mechanisms: [],
}));
