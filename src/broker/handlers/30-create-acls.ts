// CreateAcls (30) v1-3. There is no authorizer yet, so the answer is a Kafka broker's without
// one (AclApis.handleCreateAcls -> CreateAclsRequest.getErrorResponse): one SECURITY_DISABLED
// result per creation, in request order. Nothing is stored.

import { ErrorCode } from '../../protocol/errors.ts';
import { CreateAcls } from '../../protocol/messages/index.ts';
import { NO_AUTHORIZER_MESSAGE } from '../authorizer.ts';
import { handler } from '../handler.ts';

export default handler(CreateAcls, (_ctx, req) => ({
  throttleTimeMs: 0,
  results: req.creations.map(() => ({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: NO_AUTHORIZER_MESSAGE })),
}));
