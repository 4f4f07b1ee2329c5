// DescribeAcls (29) v1-3. There is no authorizer yet, so the answer is a Kafka broker's without
// one (AclApis.handleDescribeAcls): SECURITY_DISABLED with its message and no resources.

import { ErrorCode } from '../../protocol/errors.ts';
import { DescribeAcls } from '../../protocol/messages/index.ts';
import { NO_AUTHORIZER_DESCRIBE_MESSAGE } from '../authorizer.ts';
import { handler } from '../handler.ts';

export default handler(DescribeAcls, () => ({
  throttleTimeMs: 0,
  errorCode: ErrorCode.SECURITY_DISABLED,
  errorMessage: NO_AUTHORIZER_DESCRIBE_MESSAGE,
  resources: [],
}));
