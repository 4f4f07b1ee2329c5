// The test harness's port picks: below the ephemeral range (where outgoing connections take their
// local ports), never the same port twice in one process, and never a port a listener holds.

import { expect, test } from 'bun:test';
import { createServer, type Server } from 'node:net';
import { freePort } from '../../helpers/ports.ts';

/** Linux's default ip_local_port_range starts here; macOS's is higher still. */
const EPHEMERAL_FIRST = 32_768;

test('ports are handed out once, below the ephemeral range', async () => {
  const ports: number[] = [];
  for (let i = 0; i < 50; i++) ports.push(await freePort());
  expect(new Set(ports).size).toBe(ports.length);
  for (const p of ports) expect(p).toBeLessThan(EPHEMERAL_FIRST);
  for (const p of ports) expect(p).toBeGreaterThanOrEqual(1024);
});

test('a port some listener holds is skipped', async () => {
  // Hold the next ports the picker would try (it walks upwards from where it is): it must step over them.
  const probe = await freePort();
  const held: Server[] = [];
  for (const port of [probe + 1, probe + 2, probe + 3]) {
    const server = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) held.push(server);
  }
  try {
    expect(held.length).toBeGreaterThan(0);
    const next = await freePort();
    const heldPorts = held.map((s) => (s.address() as { port: number }).port);
    expect(heldPorts).not.toContain(next);
  } finally {
    for (const s of held) s.close();
  }
});
