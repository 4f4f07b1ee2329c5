// The values node settings are made of, and the one error every setting mistake is: addresses
// (HOST:PORT), settings with their origin, single values. Shared by node-config.ts and
// cluster-config.ts; node-config.ts re-exports them for its callers.

import { UsageError } from '../base/flags.ts';

/** A configuration mistake: `freshet start` prints it and exits 2, as for any usage error. */
export class ConfigError extends UsageError {
  override name = 'ConfigError';
}

export interface HostPort {
  host: string;
  port: number;
}

/** A value and where it came from: `--node-id`, `FRESHET_NODE_ID`, or `node.yaml:3`. */
export interface Setting {
  readonly value: unknown;
  readonly origin: string;
}

export function parseHostPort(text: string, what: string): HostPort {
  const m = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new ConfigError(`${what}: expected HOST:PORT, got '${text}'`);
  const port = Number(m[2]);
  if (port > 65535) throw new ConfigError(`${what}: port ${port} is out of range`);
  const host = m[1].replace(/^\[|\]$/g, '');
  // Digits and dots only is meant as an IPv4 address; DNS would only say "not found".
  if (/^[\d.]+$/.test(host) && !isIpv4(host)) throw new ConfigError(`${what}: '${host}' is not a valid IPv4 address`);
  return { host, port };
}

/** HOST:PORT as typed back to a user: IPv6 hosts in brackets. */
export function formatHostPort(a: HostPort): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/** A wildcard listener host is not an address a peer can dial: advertise loopback instead (as for --kafka-addr). */
export function advertisableHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

function isIpv4(host: string): boolean {
  const parts = host.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** A setting's value as text; a list or a map where one value belongs is an error. */
export function scalar(s: Setting): string {
  if (typeof s.value === 'string' || typeof s.value === 'number' || typeof s.value === 'boolean') return String(s.value);
  throw new ConfigError(`${s.origin}: expected a single value, got ${Array.isArray(s.value) ? 'a list' : 'a map'}`);
}
