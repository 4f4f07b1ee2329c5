// One error type for every codec, so callers map it to a Kafka error in one place:
// 'limit' (output would exceed the caller's maxOutputBytes: a decompression bomb or simply a
// batch too large), 'corrupt' (malformed input) and 'unsupported' (unknown codec id).

export type CompressionErrorKind = 'limit' | 'corrupt' | 'unsupported';

export class CompressionError extends Error {
  override name = 'CompressionError';
  constructor(
    readonly kind: CompressionErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export function limitError(codec: string, maxOutputBytes: number): CompressionError {
  return new CompressionError('limit', `${codec}: decompressed size exceeds the limit of ${maxOutputBytes} bytes`);
}

export function corruptError(codec: string, detail: string): CompressionError {
  return new CompressionError('corrupt', `${codec}: ${detail}`);
}
