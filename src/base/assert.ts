// Assertions are for programmer errors only: a failed one is a bug, never bad input.

export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(cond: unknown, msg = 'assertion failed'): asserts cond {
  if (!cond) throw new AssertionError(msg);
}
