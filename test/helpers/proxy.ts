// HTTP requests to the node's REST proxy through curl (a client we did not write), for the
// proxy's integration tests: the status, the Content-Type and the JSON body of each answer.

import { expect } from 'bun:test';
import { run } from './process.ts';

export interface CurlAnswer {
  status: number;
  contentType: string;
  body: any;
}

export interface CurlOptions {
  /** Sent through stdin: a large body does not fit an argument list. */
  body?: string;
  /** A file sent as the body instead. */
  bodyFile?: string;
  contentType?: string;
  accept?: string;
}

/** One request to `baseUrl + path`; curl must succeed (any HTTP status is an answer). */
export async function curlProxy(baseUrl: string, method: string, path: string, options: CurlOptions = {}): Promise<CurlAnswer> {
  const args = ['curl', '-sS', '-X', method, '-w', '\n%{http_code} %{content_type}'];
  if (options.contentType !== undefined) args.push('-H', `Content-Type: ${options.contentType}`);
  if (options.accept !== undefined) args.push('-H', `Accept: ${options.accept}`);
  if (options.body !== undefined) args.push('--data-binary', '@-');
  if (options.bodyFile !== undefined) args.push('--data-binary', `@${options.bodyFile}`);
  const r = await run([...args, `${baseUrl}${path}`], { timeoutMs: 30_000, stdin: options.body });
  expect(r.exitCode, r.stderr).toBe(0);
  const cut = r.stdout.lastIndexOf('\n');
  const [status, contentType] = r.stdout.slice(cut + 1).split(' ');
  const text = r.stdout.slice(0, cut);
  return { status: Number(status), contentType, body: text === '' ? null : JSON.parse(text) };
}

export const b64 = (s: string): string => Buffer.from(s).toString('base64');

const V2 = 'application/vnd.kafka.v2+json';

/** A request function for one node's proxy: a body that is not a string is sent as JSON, with
 *  `contentType` (the v2 type by default). `baseUrl` is read at each call (set in beforeAll). */
export function proxyCaller(baseUrl: () => string): (method: string, path: string, body?: unknown, contentType?: string, accept?: string) => Promise<CurlAnswer> {
  return (method, path, body, contentType = V2, accept) =>
    curlProxy(baseUrl(), method, path, {
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), contentType }),
      ...(accept === undefined ? {} : { accept }),
    });
}
