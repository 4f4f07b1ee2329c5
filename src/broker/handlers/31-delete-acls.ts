// DeleteAcls (31) v1-3. There is no authorizer yet, so the answer is a Kafka broker's without
// one (AclApis.handleDeleteAcls -> DeleteAclsRequest.getErrorResponse): one SECURITY_DISABLED
// result per filter, in request order, matching nothing.

import { ErrorCode } from '../../protocol/errors.ts';
import { DeleteAcls } from '../../protocol/messages/index.ts';
import { NO_AUTHORIZER_MESSAGE } from '../authorizer.ts';
import { handler } from '../handler.ts';

export default handler(DeleteAcls, (_ctx, req) => ({
  throttleTimeMs: 0,
  filterResults: req.filters.map(() => ({
    errorCode: ErrorCode.SECURITY_DISABLED,
    errorMessage: NO_AUTHORIZER_MESSAGE,
    matchingAcls: [],
  })),
}));
