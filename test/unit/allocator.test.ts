// cli/allocator.ts: `freshet start` re-executes itself once with mimalloc's purge delay set.

import { expect, test } from 'bun:test';
import { allocatorReexec, PURGE_DELAY_MS, PURGE_DELAY_VAR } from '../../src/cli/allocator.ts';

const base = { platform: 'linux', execPath: '/opt/bin/freshet', execArgv: [] as string[], env: { HOME: '/home/ops', FRESHET_LOG: 'debug' } };

test('a compiled executable is re-executed with only the user arguments and the purge delay added to its environment', () => {
  const r = allocatorReexec({ ...base, argv: ['bun', '/$bunfs/root/freshet', 'start', '--dev'] });
  expect(r).toEqual({ file: '/opt/bin/freshet', args: ['/opt/bin/freshet', 'start', '--dev'], env: { HOME: '/home/ops', FRESHET_LOG: 'debug', [PURGE_DELAY_VAR]: String(PURGE_DELAY_MS) } });
});

test('from source, the runtime flags and the script come back', () => {
  const r = allocatorReexec({ ...base, execPath: '/usr/bin/bun', execArgv: ['--smol'], argv: ['/usr/bin/bun', 'src/main.ts', 'start'] });
  expect(r?.args).toEqual(['/usr/bin/bun', '--smol', 'src/main.ts', 'start']);
});

test('nothing happens when the variable is set already (after the re-exec, or by an operator), or on Windows', () => {
  expect(allocatorReexec({ ...base, env: { [PURGE_DELAY_VAR]: '0' }, argv: ['bun', '/$bunfs/root/freshet', 'start'] })).toBeNull();
  expect(allocatorReexec({ ...base, platform: 'win32', argv: ['bun', 'B:/~BUN/root/freshet', 'start'] })).toBeNull();
});
