// bunNetwork recognises literal addresses without node:net (src/net/bun-network.ts loads it only
// for hosts that are not dotted-quad IPv4): whatever it answers must be node:net's isIP's answer,
// which decides whether a host is resolved through DNS.

import { expect, test } from 'bun:test';
import { isIP } from 'node:net';
import { isIpLiteral } from '../../../src/net/bun-network.ts';

const HOSTS = [
  // IPv4 as Node accepts it (lib/internal/net.js: four decimal octets 0-255, no leading zero).
  '127.0.0.1', '0.0.0.0', '255.255.255.255', '10.0.0.1', '192.168.1.254', '1.2.3.4',
  // Not IPv4 to Node: out of range, leading zeros, too few or many parts, signs, spaces, hex.
  '256.0.0.1', '1.2.3.256', '01.2.3.4', '1.2.3.04', '1.2.3', '1.2.3.4.5', '1.2.3.', '.1.2.3',
  '-1.2.3.4', ' 1.2.3.4', '1.2.3.4 ', '0x7f.0.0.1', '1..2.3', '',
  // IPv6 and names: decided by node:net itself.
  '::1', '::', 'fe80::1', '::ffff:127.0.0.1', '2001:db8::8a2e:370:7334', ':::1', 'localhost',
  'broker-1.example.com', '1.2.3.4.example.com',
];

test('isIpLiteral agrees with node:net isIP on IPv4, IPv6, names and near misses', () => {
  for (const host of HOSTS) expect({ host, literal: isIpLiteral(host) }).toEqual({ host, literal: isIP(host) !== 0 });
});
